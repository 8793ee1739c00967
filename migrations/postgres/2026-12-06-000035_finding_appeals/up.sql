-- Appeals against a spot-check finding or its clawback (subject kinds `finding`,
-- `clawback`), granted whole (`overturned`) or in part (`partly`, with the amount the
-- item is worth now in `granted_fen`). A clawback eased on appeal releases what is still
-- owed (recovery kind `release`: nothing comes in, the programme stops expecting it).
ALTER TABLE appeals DROP CONSTRAINT appeals_status_check;
ALTER TABLE appeals ADD CONSTRAINT appeals_status_check
    CHECK (status IN ('open', 'upheld', 'overturned', 'partly'));
ALTER TABLE appeals ADD COLUMN granted_fen BIGINT;
ALTER TABLE appeals ADD CONSTRAINT appeals_granted_check
    CHECK (granted_fen IS NULL OR (granted_fen > 0 AND status IN ('overturned', 'partly')));

ALTER TABLE receivable_recoveries DROP CONSTRAINT receivable_recoveries_kind_check;
ALTER TABLE receivable_recoveries ADD CONSTRAINT receivable_recoveries_kind_check CHECK (
    (kind = 'offset' AND payout_id IS NOT NULL)
    OR (kind = 'repayment' AND payout_id IS NULL AND bank_reference IS NOT NULL
        AND paid_on IS NOT NULL AND live)
    OR (kind = 'release' AND payout_id IS NULL AND live));

ALTER TABLE payout_items DROP CONSTRAINT payout_items_kind_check;
ALTER TABLE payout_items ADD CONSTRAINT payout_items_kind_check
    CHECK (item_kind IN ('redemption', 'entitlement', 'supplement'));

-- Supplements (补付款): what the programme pays a provider after an appeal raised a
-- spot-check finding's amount: what offsets and repayments had already recovered beyond
-- the debt that is left, or the part of an item already paid at the lower amount.
-- Carried by the next settlement run like an item (payout item kind `supplement`); one
-- per appeal, so nothing is paid twice.
CREATE TABLE supplements (
    id TEXT NOT NULL PRIMARY KEY,
    appeal_id TEXT NOT NULL REFERENCES appeals (id),
    finding_id TEXT NOT NULL REFERENCES findings (id),
    item_id TEXT NOT NULL REFERENCES redemption_items (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    amount_fen BIGINT NOT NULL,
    -- payable (waiting for a run, or in one) → paid
    status TEXT NOT NULL,
    payable_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT supplements_amount_check CHECK (amount_fen > 0),
    CONSTRAINT supplements_status_check CHECK (status IN ('payable', 'paid')),
    CONSTRAINT supplements_appeal_key UNIQUE (appeal_id)
);
CREATE INDEX supplements_payable_idx ON supplements (status, payable_at);
CREATE INDEX supplements_provider_idx ON supplements (provider_id);
