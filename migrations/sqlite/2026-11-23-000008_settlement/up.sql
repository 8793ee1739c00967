-- Settlement (定期兑现): runs per period, one payout per payee with a snapshot of its
-- bank account, the items each payout pays, payees held back, and bank-file exports.
-- Kept identical to the other backend's migration of the same name.

CREATE TABLE settlement_runs (
    id TEXT PRIMARY KEY NOT NULL,
    -- The month paid for, 'YYYY-MM' (China time).
    period TEXT NOT NULL,
    -- Items that became payable before this instant are in the run.
    cutoff TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    origin TEXT NOT NULL,
    prepared_by TEXT REFERENCES users (id),
    prepared_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    reject_reason TEXT,
    payout_count INTEGER NOT NULL,
    item_count INTEGER NOT NULL,
    total_fen BIGINT NOT NULL,
    held_back_count INTEGER NOT NULL,
    held_back_fen BIGINT NOT NULL,
    csv_sha256 TEXT,
    xlsx_sha256 TEXT,
    exported_at TIMESTAMP,
    CONSTRAINT settlement_runs_status_check CHECK (status IN ('prepared', 'approved', 'rejected')),
    CONSTRAINT settlement_runs_origin_check CHECK (origin IN ('schedule', 'manual')),
    CONSTRAINT settlement_runs_rejected_check CHECK (status <> 'rejected' OR reject_reason IS NOT NULL),
    CONSTRAINT settlement_runs_totals_check CHECK (payout_count >= 0 AND item_count >= 0 AND total_fen >= 0
        AND held_back_count >= 0 AND held_back_fen >= 0),
    -- Maker-checker: whoever prepared a run does not approve it.
    CONSTRAINT settlement_runs_checker_check CHECK (decided_by IS NULL OR prepared_by IS NULL OR decided_by <> prepared_by)
);
-- One live run per period, whatever the number of servers preparing it.
CREATE UNIQUE INDEX settlement_runs_period_key ON settlement_runs (period) WHERE status <> 'rejected';

CREATE TABLE payouts (
    id TEXT PRIMARY KEY NOT NULL,
    run_id TEXT NOT NULL REFERENCES settlement_runs (id),
    -- The reference the bank file and the bank's result file carry.
    reference TEXT NOT NULL,
    payee_kind TEXT NOT NULL,
    payee_id TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    bank_name TEXT NOT NULL,
    bank_account_name TEXT NOT NULL,
    bank_account_no TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    item_count INTEGER NOT NULL,
    status TEXT NOT NULL,
    bank_reference TEXT,
    paid_on DATE,
    failure_reason TEXT,
    recorded_by TEXT REFERENCES users (id),
    recorded_at TIMESTAMP,
    reversed_by TEXT REFERENCES users (id),
    reversed_at TIMESTAMP,
    reversal_reason TEXT,
    CONSTRAINT payouts_reference_key UNIQUE (reference),
    CONSTRAINT payouts_run_payee_key UNIQUE (run_id, payee_kind, payee_id),
    CONSTRAINT payouts_amount_check CHECK (amount_fen > 0 AND item_count >= 1),
    CONSTRAINT payouts_payee_kind_check CHECK (payee_kind IN ('provider', 'space')),
    CONSTRAINT payouts_status_check CHECK (status IN ('pending', 'paid', 'failed', 'reversed', 'cancelled')),
    CONSTRAINT payouts_paid_check CHECK (status NOT IN ('paid', 'reversed') OR (bank_reference IS NOT NULL AND paid_on IS NOT NULL)),
    CONSTRAINT payouts_failed_check CHECK (status <> 'failed' OR failure_reason IS NOT NULL),
    CONSTRAINT payouts_reversed_check CHECK (status <> 'reversed' OR reversal_reason IS NOT NULL)
);
CREATE INDEX payouts_payee_idx ON payouts (payee_kind, payee_id);

-- What each payout pays. An item is in at most one live payout: a failed, reversed or
-- cancelled payout lets go of its items (live = false) and they are paid again later.
CREATE TABLE payout_items (
    payout_id TEXT NOT NULL REFERENCES payouts (id),
    item_kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    live BOOLEAN NOT NULL,
    PRIMARY KEY (payout_id, item_id),
    CONSTRAINT payout_items_kind_check CHECK (item_kind IN ('redemption', 'entitlement')),
    CONSTRAINT payout_items_amount_check CHECK (amount_fen > 0)
);
CREATE UNIQUE INDEX payout_items_live_key ON payout_items (item_id) WHERE live;

-- Payees whose items waited because their bank account could not be paid.
CREATE TABLE settlement_holdbacks (
    run_id TEXT NOT NULL REFERENCES settlement_runs (id),
    payee_kind TEXT NOT NULL,
    payee_id TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    item_count INTEGER NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (run_id, payee_kind, payee_id)
);

-- Settlement needs the payable items of a period quickly.
CREATE INDEX redemption_items_payable_idx ON redemption_items (status, payable_at);
