DROP TABLE order_ratings;
