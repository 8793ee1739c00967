DROP INDEX orders_disputed_idx;
DROP INDEX redemption_items_overview_idx;
DROP INDEX orders_provider_spend_idx;
DROP INDEX orders_overview_idx;
