-- Receivables (应收款项): what a provider owes back after a finding against an item
-- already in a settlement run or paid. Recovered by offsets against the provider's
-- later payouts (the bank file pays the net) or by recorded repayments.
-- A payout keeps its items' total as its amount plus its offset; one its offset covers
-- whole has an amount of zero and needs no bank reference (the bank is not asked).
ALTER TABLE payouts ADD COLUMN offset_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payouts DROP CONSTRAINT payouts_amount_check;
ALTER TABLE payouts ADD CONSTRAINT payouts_amount_check
    CHECK (amount_fen >= 0 AND offset_fen >= 0 AND amount_fen + offset_fen > 0 AND item_count >= 1);
ALTER TABLE payouts DROP CONSTRAINT payouts_paid_check;
ALTER TABLE payouts ADD CONSTRAINT payouts_paid_check
    CHECK (status NOT IN ('paid', 'reversed') OR (paid_on IS NOT NULL AND (bank_reference IS NOT NULL OR amount_fen = 0)));
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
