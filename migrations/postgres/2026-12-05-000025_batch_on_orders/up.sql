-- Orders and redemption items carry their voucher's batch (it never changes once the
-- order is placed), so the overview of a batch or a year's batches reads them like a
-- programme's: from the state-led covering indexes alone, no join through the vouchers.
-- Added as NOT NULL with an empty default (SQLite cannot add it otherwise), filled from
-- the vouchers, and always written by the service.
ALTER TABLE orders ADD COLUMN batch_id TEXT NOT NULL DEFAULT '';
UPDATE orders SET batch_id = v.batch_id FROM vouchers v WHERE v.id = orders.voucher_id;
ALTER TABLE orders ALTER COLUMN batch_id DROP DEFAULT;
ALTER TABLE redemption_items ADD COLUMN batch_id TEXT NOT NULL DEFAULT '';
UPDATE redemption_items SET batch_id = o.batch_id FROM orders o WHERE o.id = redemption_items.order_id;
ALTER TABLE redemption_items ALTER COLUMN batch_id DROP DEFAULT;
-- The overview's indexes, by batch where they were by programme (a programme is its
-- batches).
DROP INDEX orders_overview_idx;
DROP INDEX orders_provider_spend_idx;
DROP INDEX redemption_items_overview_idx;
DROP INDEX orders_disputed_idx;
CREATE INDEX orders_overview_idx ON orders (status, category, batch_id, covered_fen, contract_fen);
CREATE INDEX orders_provider_spend_idx ON orders (status, provider_id, batch_id, covered_fen);
CREATE INDEX redemption_items_overview_idx ON redemption_items (status, batch_id, amount_fen);
CREATE INDEX orders_disputed_idx ON orders (batch_id, status) WHERE dispute_reason IS NOT NULL;
