DROP INDEX orders_provider_list_idx;
DROP INDEX orders_firm_list_idx;
