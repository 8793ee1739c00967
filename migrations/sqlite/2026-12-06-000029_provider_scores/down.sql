DROP TRIGGER order_ratings_score_delete;
DROP TRIGGER order_ratings_score_insert;
DROP TABLE provider_scores;
