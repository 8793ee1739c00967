-- The authority's overview sums a programme's orders and redemption items by state,
-- category and provider from these indexes alone (a million rows without a join).
CREATE INDEX orders_overview_idx ON orders (programme_id, status, category, provider_id, covered_fen, contract_fen);
CREATE INDEX redemption_items_overview_idx ON redemption_items (programme_id, status, amount_fen);
-- Orders that were ever disputed are few: the overview counts them from this index.
CREATE INDEX orders_disputed_idx ON orders (programme_id, status) WHERE dispute_reason IS NOT NULL;
