-- The authority's overview sums orders and redemption items by state, category and
-- provider from these indexes alone (a million rows read in index order, no table and no
-- join); the state leads so that every programme and one programme are served alike.
CREATE INDEX orders_overview_idx ON orders (status, category, programme_id, covered_fen, contract_fen);
CREATE INDEX orders_provider_spend_idx ON orders (status, provider_id, programme_id, covered_fen);
CREATE INDEX redemption_items_overview_idx ON redemption_items (status, programme_id, amount_fen);
-- Orders that were ever disputed are few: the overview counts them from this index.
CREATE INDEX orders_disputed_idx ON orders (programme_id, status) WHERE dispute_reason IS NOT NULL;
