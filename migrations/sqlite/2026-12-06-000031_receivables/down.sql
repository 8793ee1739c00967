DROP TABLE receivable_recoveries;
DROP TABLE receivables;
ALTER TABLE settlement_runs DROP COLUMN offset_fen;
DROP TRIGGER payout_items_payout_check;
DROP TRIGGER payouts_kept_delete;
DROP TRIGGER payouts_kept_update;
CREATE TABLE payouts_new (
    id TEXT PRIMARY KEY NOT NULL,
    run_id TEXT NOT NULL REFERENCES settlement_runs (id),
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
INSERT INTO payouts_new (id, run_id, reference, payee_kind, payee_id, payee_name, credit_code, bank_name, bank_account_name, bank_account_no, amount_fen, item_count, status, bank_reference, paid_on, failure_reason, recorded_by, recorded_at, reversed_by, reversed_at, reversal_reason)
    SELECT id, run_id, reference, payee_kind, payee_id, payee_name, credit_code, bank_name, bank_account_name, bank_account_no, amount_fen, item_count, status, bank_reference, paid_on, failure_reason, recorded_by, recorded_at, reversed_by, reversed_at, reversal_reason FROM payouts;
DROP TABLE payouts;
ALTER TABLE payouts_new RENAME TO payouts;
CREATE INDEX payouts_payee_idx ON payouts (payee_kind, payee_id);
CREATE TRIGGER payout_items_payout_check BEFORE INSERT ON payout_items
WHEN NOT EXISTS (SELECT 1 FROM payouts WHERE id = NEW.payout_id)
BEGIN
    SELECT RAISE(ABORT, 'payout_items.payout_id must name a payout');
END;
CREATE TRIGGER payouts_kept_delete BEFORE DELETE ON payouts
BEGIN
    SELECT RAISE(ABORT, 'payouts are kept: never deleted, their id never changed');
END;
CREATE TRIGGER payouts_kept_update BEFORE UPDATE OF id ON payouts
BEGIN
    SELECT RAISE(ABORT, 'payouts are kept: never deleted, their id never changed');
END;
