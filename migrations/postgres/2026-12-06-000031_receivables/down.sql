DROP TABLE receivable_recoveries;
DROP TABLE receivables;
ALTER TABLE settlement_runs DROP COLUMN offset_fen;
ALTER TABLE payouts DROP CONSTRAINT payouts_paid_check;
ALTER TABLE payouts ADD CONSTRAINT payouts_paid_check
    CHECK (status NOT IN ('paid', 'reversed') OR (bank_reference IS NOT NULL AND paid_on IS NOT NULL));
ALTER TABLE payouts DROP CONSTRAINT payouts_amount_check;
ALTER TABLE payouts ADD CONSTRAINT payouts_amount_check CHECK (amount_fen > 0 AND item_count >= 1);
ALTER TABLE payouts DROP COLUMN offset_fen;
