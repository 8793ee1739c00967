ALTER TABLE order_evidence DROP CONSTRAINT order_evidence_amount_check;
ALTER TABLE order_evidence DROP COLUMN dated;
ALTER TABLE order_evidence DROP COLUMN amount_fen;
