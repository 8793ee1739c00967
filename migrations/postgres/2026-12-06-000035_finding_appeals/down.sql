DROP TABLE supplements;
ALTER TABLE payout_items DROP CONSTRAINT payout_items_kind_check;
ALTER TABLE payout_items ADD CONSTRAINT payout_items_kind_check
    CHECK (item_kind IN ('redemption', 'entitlement'));
ALTER TABLE receivable_recoveries DROP CONSTRAINT receivable_recoveries_kind_check;
ALTER TABLE receivable_recoveries ADD CONSTRAINT receivable_recoveries_kind_check CHECK (
    (kind = 'offset' AND payout_id IS NOT NULL)
    OR (kind = 'repayment' AND payout_id IS NULL AND bank_reference IS NOT NULL
        AND paid_on IS NOT NULL AND live));
ALTER TABLE appeals DROP CONSTRAINT appeals_granted_check;
ALTER TABLE appeals DROP COLUMN granted_fen;
ALTER TABLE appeals DROP CONSTRAINT appeals_status_check;
ALTER TABLE appeals ADD CONSTRAINT appeals_status_check
    CHECK (status IN ('open', 'upheld', 'overturned'));
