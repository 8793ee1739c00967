ALTER TABLE order_evidence DROP COLUMN dated;
ALTER TABLE order_evidence DROP COLUMN amount_fen;
