-- Foundation schema: parties, users, sign-in, audit chain.
-- Kept identical to migrations/postgres (same tables, columns, constraint names);
-- tests/api/schema_parity.rs proves it. Types are declared with the same names on
-- both backends: TEXT, BIGINT, INTEGER, BOOLEAN, TIMESTAMP (UTC), DATE.

CREATE TABLE authorities (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT authorities_name_key UNIQUE (name)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    party_kind TEXT,
    party_id TEXT,
    display_name TEXT NOT NULL,
    email TEXT,
    disabled BOOLEAN NOT NULL,
    token_version INTEGER NOT NULL,
    password_changed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_role_check CHECK (role IN ('firm', 'provider', 'space', 'reviewer', 'finance', 'admin', 'auditor')),
    CONSTRAINT users_party_kind_check CHECK (party_kind IS NULL OR party_kind IN ('authority', 'firm', 'provider', 'space')),
    CONSTRAINT users_party_pair_check CHECK ((party_kind IS NULL AND party_id IS NULL) OR (party_kind IS NOT NULL AND party_id IS NOT NULL)),
    CONSTRAINT users_role_party_check CHECK (
        (role = 'firm' AND party_kind = 'firm')
        OR (role = 'provider' AND party_kind = 'provider')
        OR (role = 'space' AND party_kind = 'space')
        OR (role IN ('reviewer', 'finance', 'admin', 'auditor') AND (party_kind IS NULL OR party_kind = 'authority'))
    ),
    CONSTRAINT users_token_version_check CHECK (token_version >= 0)
);
CREATE INDEX users_party_idx ON users (party_kind, party_id);
-- Each server polls for sign-in state changes by updated_at.
CREATE INDEX users_updated_idx ON users (updated_at);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoke_reason TEXT,
    replaced_by TEXT,
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE login_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_username_idx ON login_attempts (username, attempted_at);
CREATE INDEX login_attempts_addr_idx ON login_attempts (remote_addr, attempted_at);

CREATE TABLE spaces (
    id TEXT PRIMARY KEY NOT NULL,
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    operator_name TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    bank_name TEXT,
    bank_account_name TEXT,
    bank_account_no TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT spaces_credit_code_key UNIQUE (credit_code),
    CONSTRAINT spaces_kind_check CHECK (kind IN ('incubator', 'maker_space', 'professional_maker_space'))
);

CREATE TABLE firms (
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
    CONSTRAINT firms_credit_code_key UNIQUE (credit_code),
    CONSTRAINT firms_size_class_check CHECK (size_class IN ('micro', 'small', 'medium', 'large')),
    CONSTRAINT firms_onboarding_status_check CHECK (onboarding_status IN ('submitted', 'onboarded', 'rejected')),
    CONSTRAINT firms_employees_check CHECK (employees >= 0),
    CONSTRAINT firms_revenue_check CHECK (revenue_fen >= 0),
    CONSTRAINT firms_total_assets_check CHECK (total_assets_fen IS NULL OR total_assets_fen >= 0),
    CONSTRAINT firms_rejection_reason_check CHECK (onboarding_status <> 'rejected' OR onboarding_reason IS NOT NULL)
);
CREATE INDEX firms_onboarding_status_idx ON firms (onboarding_status);
CREATE INDEX firms_actual_controller_idx ON firms (actual_controller);

CREATE TABLE providers (
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
    CONSTRAINT providers_credit_code_key UNIQUE (credit_code),
    CONSTRAINT providers_listing_status_check CHECK (listing_status IN ('applied', 'in_notice', 'listed', 'rejected', 'suspended', 'delisted')),
    CONSTRAINT providers_notice_window_check CHECK (notice_ends_at IS NULL OR (notice_starts_at IS NOT NULL AND notice_ends_at > notice_starts_at))
);
CREATE INDEX providers_listing_status_idx ON providers (listing_status, notice_ends_at);

CREATE TABLE provider_categories (
    provider_id TEXT NOT NULL REFERENCES providers (id),
    category TEXT NOT NULL,
    PRIMARY KEY (provider_id, category)
);

CREATE TABLE provider_objections (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    objector_name TEXT NOT NULL,
    objector_contact TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution_note TEXT,
    resolved_by TEXT REFERENCES users (id),
    resolved_at TIMESTAMP,
    filed_at TIMESTAMP NOT NULL,
    CONSTRAINT provider_objections_status_check CHECK (status IN ('open', 'upheld', 'dismissed'))
);
CREATE INDEX provider_objections_provider_idx ON provider_objections (provider_id, status);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    CONSTRAINT audit_head_singleton_check CHECK (id = 1)
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,
    id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_state TEXT,
    after_state TEXT,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT audit_events_id_key UNIQUE (id),
    CONSTRAINT audit_events_seq_check CHECK (seq > 0)
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id);

-- The audit trail is append-only: the database itself refuses edits and deletions.
CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
