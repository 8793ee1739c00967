DROP TRIGGER order_ratings_score_delete ON order_ratings;
DROP TRIGGER order_ratings_score_insert ON order_ratings;
DROP FUNCTION score_order_ratings();
DROP TABLE provider_scores;
