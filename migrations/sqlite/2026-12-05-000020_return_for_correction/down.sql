-- Back to before returns for correction: a returned application is submitted again.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
UPDATE firms SET onboarding_status = 'submitted', corrections = NULL WHERE onboarding_status = 'returned';
UPDATE providers SET listing_status = 'applied', corrections = NULL WHERE listing_status = 'returned';
CREATE TABLE firms_new (
    id TEXT PRIMARY KEY NOT NULL,
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    actual_controller TEXT NOT NULL,
    registered_on DATE NOT NULL,
    address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    industry TEXT NOT NULL,
    employees INTEGER NOT NULL,
    revenue_fen BIGINT NOT NULL,
    total_assets_fen BIGINT,
    size_class TEXT NOT NULL,
    size_basis TEXT NOT NULL,
    onboarding_status TEXT NOT NULL,
    onboarding_reason TEXT,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    high_tech BOOLEAN NOT NULL,
    tech_sme BOOLEAN NOT NULL,
    dishonest BOOLEAN NOT NULL,
    recommended_by_space_id TEXT REFERENCES spaces (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    contact_verified_at TIMESTAMP,
    CONSTRAINT firms_credit_code_key UNIQUE (credit_code),
    CONSTRAINT firms_size_class_check CHECK (size_class IN ('micro', 'small', 'medium', 'large')),
    CONSTRAINT firms_onboarding_status_check CHECK (onboarding_status IN ('submitted', 'onboarded', 'rejected')),
    CONSTRAINT firms_employees_check CHECK (employees >= 0),
    CONSTRAINT firms_revenue_check CHECK (revenue_fen >= 0),
    CONSTRAINT firms_total_assets_check CHECK (total_assets_fen IS NULL OR total_assets_fen >= 0),
    CONSTRAINT firms_rejection_reason_check CHECK (onboarding_status <> 'rejected' OR onboarding_reason IS NOT NULL)
);
INSERT INTO firms_new (id, credit_code, name, legal_representative, actual_controller, registered_on, address, contact_name, contact_phone, contact_email, industry, employees, revenue_fen, total_assets_fen, size_class, size_basis, onboarding_status, onboarding_reason, reviewed_by, reviewed_at, high_tech, tech_sme, dishonest, recommended_by_space_id, created_at, updated_at, contact_verified_at)
    SELECT id, credit_code, name, legal_representative, actual_controller, registered_on, address, contact_name, contact_phone, contact_email, industry, employees, revenue_fen, total_assets_fen, size_class, size_basis, onboarding_status, onboarding_reason, reviewed_by, reviewed_at, high_tech, tech_sme, dishonest, recommended_by_space_id, created_at, updated_at, contact_verified_at FROM firms;
DROP TABLE firms;
ALTER TABLE firms_new RENAME TO firms;
CREATE INDEX firms_onboarding_status_idx ON firms (onboarding_status);
CREATE INDEX firms_actual_controller_idx ON firms (actual_controller);
CREATE TABLE providers_new (
    id TEXT PRIMARY KEY NOT NULL,
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    actual_controller TEXT NOT NULL,
    address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    description TEXT NOT NULL,
    bank_name TEXT NOT NULL,
    bank_account_name TEXT NOT NULL,
    bank_account_no TEXT NOT NULL,
    listing_status TEXT NOT NULL,
    notice_starts_at TIMESTAMP,
    notice_ends_at TIMESTAMP,
    decision_reason TEXT,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    listed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    contact_verified_at TIMESTAMP,
    CONSTRAINT providers_credit_code_key UNIQUE (credit_code),
    CONSTRAINT providers_listing_status_check CHECK (listing_status IN ('applied', 'in_notice', 'listed', 'rejected', 'suspended', 'delisted')),
    CONSTRAINT providers_notice_window_check CHECK (notice_ends_at IS NULL OR (notice_starts_at IS NOT NULL AND notice_ends_at > notice_starts_at))
);
INSERT INTO providers_new (id, credit_code, name, legal_representative, actual_controller, address, contact_name, contact_phone, contact_email, description, bank_name, bank_account_name, bank_account_no, listing_status, notice_starts_at, notice_ends_at, decision_reason, reviewed_by, reviewed_at, listed_at, created_at, updated_at, contact_verified_at)
    SELECT id, credit_code, name, legal_representative, actual_controller, address, contact_name, contact_phone, contact_email, description, bank_name, bank_account_name, bank_account_no, listing_status, notice_starts_at, notice_ends_at, decision_reason, reviewed_by, reviewed_at, listed_at, created_at, updated_at, contact_verified_at FROM providers;
DROP TABLE providers;
ALTER TABLE providers_new RENAME TO providers;
CREATE INDEX providers_listing_status_idx ON providers (listing_status, notice_ends_at);
COMMIT;
PRAGMA foreign_keys = ON;
