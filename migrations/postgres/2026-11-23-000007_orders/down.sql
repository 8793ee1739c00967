DROP TABLE staff_affiliations;
DROP TABLE redemption_objections;
DROP TABLE redemption_items;
DROP TABLE redemption_applications;
DROP TABLE order_evidence;
DROP TABLE orders;
