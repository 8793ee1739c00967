ALTER TABLE appeals DROP COLUMN decision_reason;
