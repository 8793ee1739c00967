DROP INDEX redemption_items_firm_idx;
