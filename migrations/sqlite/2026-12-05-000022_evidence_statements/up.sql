-- What the provider states of a document it uploads: an invoice's amount (价税合计) and
-- date, a service report's delivery date. The reviewer is warned when an invoice is for
-- another amount than the contract, or a delivery is dated before the order was
-- accepted. Earlier uploads stated nothing. Kept equivalent to the PostgreSQL migration
-- (SQLite takes a column's CHECK with the column).
ALTER TABLE order_evidence ADD COLUMN amount_fen BIGINT
    CONSTRAINT order_evidence_amount_check CHECK (amount_fen IS NULL OR amount_fen > 0);
ALTER TABLE order_evidence ADD COLUMN dated DATE;
