DROP TABLE service_items;
