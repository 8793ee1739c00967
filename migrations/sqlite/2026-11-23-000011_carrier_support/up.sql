-- Support for certified carriers: yearly statistics (火炬统计), the incubatee register,
-- subsidy entitlements, the duplicate-support register (避免多头重复支持) and the
-- yearly performance evaluation. Kept identical to the other backend's migration of
-- the same name.

CREATE TABLE statistics_filings (
    id TEXT PRIMARY KEY NOT NULL,
    space_id TEXT NOT NULL REFERENCES spaces (id),
    year INTEGER NOT NULL,
    figures TEXT NOT NULL,
    -- Filed after the year's deadline.
    late BOOLEAN NOT NULL,
    filed_by TEXT REFERENCES users (id),
    filed_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT statistics_filings_key UNIQUE (space_id, year),
    CONSTRAINT statistics_filings_year_check CHECK (year BETWEEN 2000 AND 2999)
);

CREATE TABLE incubatees (
    id TEXT PRIMARY KEY NOT NULL,
    space_id TEXT NOT NULL REFERENCES spaces (id),
    -- The scheme whose incubatee rules (age, stay, graduation) apply.
    scheme TEXT NOT NULL,
    firm_name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    founded_on DATE NOT NULL,
    entered_on DATE NOT NULL,
    age_months_at_entry INTEGER NOT NULL,
    field TEXT NOT NULL,
    limit_months INTEGER NOT NULL,
    -- entered_on + limit_months.
    limit_ends_on DATE NOT NULL,
    graduated_on DATE,
    graduation TEXT,
    left_on DATE,
    left_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT incubatees_dates_check CHECK (entered_on >= founded_on
        AND (graduated_on IS NULL OR graduated_on >= entered_on)
        AND (left_on IS NULL OR left_on >= entered_on)),
    CONSTRAINT incubatees_graduation_check CHECK ((graduated_on IS NULL) = (graduation IS NULL)),
    CONSTRAINT incubatees_left_check CHECK ((left_on IS NULL) = (left_reason IS NULL)),
    CONSTRAINT incubatees_ended_once_check CHECK (graduated_on IS NULL OR left_on IS NULL)
);
-- A firm is in a space's register once at a time.
CREATE UNIQUE INDEX incubatees_current_key ON incubatees (space_id, credit_code) WHERE graduated_on IS NULL AND left_on IS NULL;
CREATE INDEX incubatees_space_idx ON incubatees (space_id, entered_on);

-- Every grant to a beneficiary, from hechuang's policies or recorded from elsewhere.
CREATE TABLE support_grants (
    id TEXT PRIMARY KEY NOT NULL,
    credit_code TEXT NOT NULL,
    beneficiary_name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    covers_from DATE NOT NULL,
    covers_to DATE NOT NULL,
    -- The policy code, or the body that granted it elsewhere.
    source TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    -- The entitlement that made it (none for a grant recorded from elsewhere).
    entitlement_id TEXT,
    note TEXT,
    recorded_by TEXT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    CONSTRAINT support_grants_entitlement_key UNIQUE (entitlement_id),
    CONSTRAINT support_grants_amount_check CHECK (amount_fen > 0),
    CONSTRAINT support_grants_period_check CHECK (covers_to >= covers_from)
);
CREATE INDEX support_grants_beneficiary_idx ON support_grants (credit_code, purpose);

CREATE TABLE performance_evaluations (
    id TEXT PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL,
    policy TEXT NOT NULL,
    -- The rules as they were when it was computed (JSON).
    rules TEXT NOT NULL,
    space_count INTEGER NOT NULL,
    awarded_count INTEGER NOT NULL,
    computed_by TEXT REFERENCES users (id),
    computed_at TIMESTAMP NOT NULL,
    CONSTRAINT performance_evaluations_year_key UNIQUE (year)
);

CREATE TABLE performance_scores (
    evaluation_id TEXT NOT NULL REFERENCES performance_evaluations (id),
    space_id TEXT NOT NULL REFERENCES spaces (id),
    rank INTEGER NOT NULL,
    -- The score, a decimal string, and its breakdown (JSON).
    total TEXT NOT NULL,
    breakdown TEXT NOT NULL,
    winner BOOLEAN NOT NULL,
    holds_title BOOLEAN NOT NULL,
    awarded BOOLEAN NOT NULL,
    -- Awarded: the title is held for the evaluations up to and including this year.
    title_until_year INTEGER,
    PRIMARY KEY (evaluation_id, space_id),
    CONSTRAINT performance_scores_rank_key UNIQUE (evaluation_id, rank),
    CONSTRAINT performance_scores_awarded_check CHECK ((awarded = (title_until_year IS NOT NULL)) AND (NOT awarded OR (winner AND NOT holds_title)))
);
CREATE INDEX performance_scores_space_idx ON performance_scores (space_id);

CREATE TABLE subsidy_entitlements (
    id TEXT PRIMARY KEY NOT NULL,
    space_id TEXT NOT NULL REFERENCES spaces (id),
    policy TEXT NOT NULL,
    -- 'YYYY-MM' (awards on certification) or 'YYYY' (yearly, performance awards).
    period TEXT NOT NULL,
    purpose TEXT NOT NULL,
    certification_id TEXT REFERENCES certifications (id),
    evaluation_id TEXT REFERENCES performance_evaluations (id),
    level TEXT,
    amount_fen BIGINT NOT NULL,
    covers_from DATE NOT NULL,
    covers_to DATE NOT NULL,
    -- How the amount was found, in words.
    basis TEXT NOT NULL,
    status TEXT NOT NULL,
    -- An earlier grant of the same purpose for an overlapping period.
    duplicate_grant_id TEXT REFERENCES support_grants (id),
    computed_at TIMESTAMP NOT NULL,
    notice_ends_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_reason TEXT,
    payable_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    -- Re-runs never duplicate.
    CONSTRAINT subsidy_entitlements_key UNIQUE (space_id, policy, period),
    CONSTRAINT subsidy_entitlements_amount_check CHECK (amount_fen > 0),
    CONSTRAINT subsidy_entitlements_status_check CHECK (status IN ('in_notice', 'payable', 'paid', 'rejected')),
    CONSTRAINT subsidy_entitlements_rejected_check CHECK (status <> 'rejected' OR decision_reason IS NOT NULL),
    CONSTRAINT subsidy_entitlements_payable_check CHECK ((status IN ('payable', 'paid')) = (payable_at IS NOT NULL)),
    CONSTRAINT subsidy_entitlements_level_check CHECK (level IS NULL OR level IN ('national', 'provincial', 'municipal'))
);
CREATE INDEX subsidy_entitlements_status_idx ON subsidy_entitlements (status, payable_at);
CREATE INDEX subsidy_entitlements_space_idx ON subsidy_entitlements (space_id, policy);
