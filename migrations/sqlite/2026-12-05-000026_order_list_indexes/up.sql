-- The order lists at a million orders: the days an order was placed (a filter every
-- list offers) and the largest first (an order every list offers) read an index, not
-- every order.
CREATE INDEX orders_requested_idx ON orders (requested_at);
CREATE INDEX orders_largest_idx ON orders (contract_fen, id);
