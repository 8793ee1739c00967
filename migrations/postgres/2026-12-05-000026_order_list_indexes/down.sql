DROP INDEX orders_largest_idx;
DROP INDEX orders_requested_idx;
