DROP INDEX redemption_items_payable_idx;
DROP TABLE settlement_holdbacks;
DROP TABLE payout_items;
DROP TABLE payouts;
DROP TABLE settlement_runs;
