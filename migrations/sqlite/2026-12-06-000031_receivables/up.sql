-- Receivables (应收款项): what a provider owes back after a finding against an item
-- already in a settlement run or paid. Recovered by offsets against the provider's
-- later payouts (the bank file pays the net) or by recorded repayments.
--
-- A payout keeps its items' total as its amount plus its offset; one its offset covers
-- whole has an amount of zero and needs no bank reference (the bank is not asked). SQLite
-- changes a CHECK only by rebuilding the table: nothing refers to payouts by a foreign
-- key (payout items check theirs by trigger), so the rebuild runs in the migration's
-- transaction; the triggers naming payouts are made again after it.
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
    offset_fen BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT payouts_reference_key UNIQUE (reference),
    CONSTRAINT payouts_run_payee_key UNIQUE (run_id, payee_kind, payee_id),
    CONSTRAINT payouts_amount_check CHECK (amount_fen >= 0 AND offset_fen >= 0 AND amount_fen + offset_fen > 0 AND item_count >= 1),
    CONSTRAINT payouts_payee_kind_check CHECK (payee_kind IN ('provider', 'space')),
    CONSTRAINT payouts_status_check CHECK (status IN ('pending', 'paid', 'failed', 'reversed', 'cancelled')),
    CONSTRAINT payouts_paid_check CHECK (status NOT IN ('paid', 'reversed') OR (paid_on IS NOT NULL AND (bank_reference IS NOT NULL OR amount_fen = 0))),
    CONSTRAINT payouts_failed_check CHECK (status <> 'failed' OR failure_reason IS NOT NULL),
    CONSTRAINT payouts_reversed_check CHECK (status <> 'reversed' OR reversal_reason IS NOT NULL)
);
INSERT INTO payouts_new (id, run_id, reference, payee_kind, payee_id, payee_name, credit_code, bank_name, bank_account_name, bank_account_no, amount_fen, item_count, status, bank_reference, paid_on, failure_reason, recorded_by, recorded_at, reversed_by, reversed_at, reversal_reason, offset_fen)
    SELECT id, run_id, reference, payee_kind, payee_id, payee_name, credit_code, bank_name, bank_account_name, bank_account_no, amount_fen, item_count, status, bank_reference, paid_on, failure_reason, recorded_by, recorded_at, reversed_by, reversed_at, reversal_reason, 0 FROM payouts;
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
ALTER TABLE settlement_runs ADD COLUMN offset_fen BIGINT NOT NULL DEFAULT 0;
CREATE TABLE receivables (
    id TEXT NOT NULL PRIMARY KEY,
    finding_id TEXT NOT NULL UNIQUE REFERENCES findings (id),
    item_id TEXT NOT NULL REFERENCES redemption_items (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    amount_fen BIGINT NOT NULL,
    -- What is still owed: the amount less the live recoveries. Never below zero, never
    -- above the amount, so nothing is recovered twice.
    outstanding_fen BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT receivables_amount_check CHECK (amount_fen > 0),
    CONSTRAINT receivables_outstanding_check CHECK (outstanding_fen >= 0 AND outstanding_fen <= amount_fen)
);
CREATE INDEX receivables_provider_idx ON receivables (provider_id, outstanding_fen);
CREATE TABLE receivable_recoveries (
    id TEXT NOT NULL PRIMARY KEY,
    receivable_id TEXT NOT NULL REFERENCES receivables (id),
    -- `offset` (taken from a payout) or `repayment` (the provider paid it back).
    kind TEXT NOT NULL,
    payout_id TEXT REFERENCES payouts (id),
    amount_fen BIGINT NOT NULL,
    -- False once undone: the payout failed, was reversed or its run rejected.
    live BOOLEAN NOT NULL,
    bank_reference TEXT,
    paid_on DATE,
    recorded_by TEXT,
    recorded_at TIMESTAMP NOT NULL,
    undone_at TIMESTAMP,
    CONSTRAINT receivable_recoveries_amount_check CHECK (amount_fen > 0),
    CONSTRAINT receivable_recoveries_kind_check CHECK (
        (kind = 'offset' AND payout_id IS NOT NULL)
        OR (kind = 'repayment' AND payout_id IS NULL AND bank_reference IS NOT NULL
            AND paid_on IS NOT NULL AND live)),
    CONSTRAINT receivable_recoveries_undone_check CHECK (live = (undone_at IS NULL))
);
CREATE INDEX receivable_recoveries_receivable_idx ON receivable_recoveries (receivable_id);
CREATE INDEX receivable_recoveries_payout_idx ON receivable_recoveries (payout_id);
