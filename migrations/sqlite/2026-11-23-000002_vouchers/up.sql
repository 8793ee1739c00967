-- Voucher programmes, batches, vouchers, the ledger, and keyed claim outcomes.
-- Kept identical to the other backend's migration of the same name.

CREATE TABLE programmes (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    voucher_kind TEXT NOT NULL,
    categories TEXT NOT NULL,
    co_payment_ratio_bp INTEGER NOT NULL,
    full_coverage_threshold_fen BIGINT NOT NULL,
    validity_months INTEGER NOT NULL,
    eligible_size_classes TEXT NOT NULL,
    exclude_dishonest BOOLEAN NOT NULL,
    revenue_ceiling_fen BIGINT,
    required_qualifications TEXT NOT NULL,
    per_batch_limit INTEGER NOT NULL,
    per_year_limit INTEGER NOT NULL,
    count_by_controller BOOLEAN NOT NULL,
    gate_used_share_bp INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT programmes_code_key UNIQUE (code),
    CONSTRAINT programmes_kind_check CHECK (voucher_kind IN ('general', 'special')),
    CONSTRAINT programmes_ratio_check CHECK (co_payment_ratio_bp > 0 AND co_payment_ratio_bp <= 10000),
    CONSTRAINT programmes_threshold_check CHECK (full_coverage_threshold_fen >= 0),
    CONSTRAINT programmes_validity_check CHECK (validity_months >= 1 AND validity_months <= 60),
    CONSTRAINT programmes_ceiling_check CHECK (revenue_ceiling_fen IS NULL OR revenue_ceiling_fen >= 0),
    CONSTRAINT programmes_limits_check CHECK (per_batch_limit >= 1 AND per_year_limit >= per_batch_limit),
    CONSTRAINT programmes_gate_check CHECK (gate_used_share_bp >= 0 AND gate_used_share_bp <= 10000)
);

CREATE TABLE batches (
    id TEXT PRIMARY KEY NOT NULL,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    -- The batch number within its programme (第N期); part of every voucher code.
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    budget_fen BIGINT NOT NULL,
    claimed_fen BIGINT NOT NULL,
    vouchers_claimed INTEGER NOT NULL,
    face_values TEXT NOT NULL,
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    allocation_mode TEXT NOT NULL,
    published BOOLEAN NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- The last line against oversell: claimed never exceeds the budget, on any backend,
    -- whatever the number of server processes.
    CONSTRAINT batches_budget_check CHECK (budget_fen >= 0 AND claimed_fen >= 0 AND claimed_fen <= budget_fen),
    CONSTRAINT batches_number_key UNIQUE (programme_id, number),
    CONSTRAINT batches_count_check CHECK (vouchers_claimed >= 0 AND number >= 1),
    CONSTRAINT batches_window_check CHECK (closes_at > opens_at),
    CONSTRAINT batches_mode_check CHECK (allocation_mode IN ('first_come', 'lottery'))
);
CREATE INDEX batches_programme_idx ON batches (programme_id, opens_at);

CREATE TABLE batch_topups (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    amount_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT batch_topups_amount_check CHECK (amount_fen > 0)
);
CREATE INDEX batch_topups_batch_idx ON batch_topups (batch_id);

CREATE TABLE vouchers (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    firm_id TEXT NOT NULL REFERENCES firms (id),
    nth INTEGER NOT NULL,
    seq_in_batch INTEGER NOT NULL,
    face_value_fen BIGINT NOT NULL,
    balance_fen BIGINT NOT NULL,
    held_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    controller TEXT NOT NULL,
    claim_year INTEGER NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    valid_until TIMESTAMP NOT NULL,
    idempotency_key TEXT,
    CONSTRAINT vouchers_code_key UNIQUE (code),
    -- One firm holds at most per_batch_limit vouchers of a batch: nth counts them.
    CONSTRAINT vouchers_batch_firm_nth_key UNIQUE (batch_id, firm_id, nth),
    CONSTRAINT vouchers_batch_seq_key UNIQUE (batch_id, seq_in_batch),
    CONSTRAINT vouchers_firm_idempotency_key UNIQUE (firm_id, idempotency_key),
    CONSTRAINT vouchers_nth_check CHECK (nth >= 1 AND seq_in_batch >= 1),
    CONSTRAINT vouchers_amounts_check CHECK (face_value_fen > 0 AND balance_fen >= 0 AND held_fen >= 0
        AND held_fen <= balance_fen AND balance_fen <= face_value_fen),
    CONSTRAINT vouchers_status_check CHECK (status IN ('active', 'used', 'expired', 'revoked'))
);
CREATE INDEX vouchers_firm_idx ON vouchers (firm_id, programme_id);
CREATE INDEX vouchers_controller_idx ON vouchers (programme_id, controller, claim_year);

-- Double-entry ledger: every money movement is one txn_id whose entries sum to zero.
CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY NOT NULL,
    txn_id TEXT NOT NULL,
    account TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT ledger_entries_amount_check CHECK (amount_fen <> 0)
);
CREATE INDEX ledger_entries_txn_idx ON ledger_entries (txn_id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account);

-- Answers to claim requests that carried an Idempotency-Key, so a retry gets the same answer.
CREATE TABLE claim_outcomes (
    firm_id TEXT NOT NULL REFERENCES firms (id),
    idempotency_key TEXT NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    outcome TEXT NOT NULL,
    voucher_id TEXT REFERENCES vouchers (id),
    detail TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (firm_id, idempotency_key)
);
