-- Each provider's ratings kept as they are given (how many, and their aspects added),
-- so the catalogue sorts and filters services by the provider's score without adding
-- up every rating; `ledger verify` recounts them from the ratings. Two ratings of one
-- provider at once meet on its row; a rating is one row, so the wait is short.
CREATE TABLE provider_scores (
    provider_id TEXT NOT NULL PRIMARY KEY REFERENCES providers (id),
    ratings BIGINT NOT NULL,
    rating_total BIGINT NOT NULL
);
INSERT INTO provider_scores
    SELECT provider_id, COUNT(*), SUM(quality + timeliness + value) FROM order_ratings GROUP BY provider_id;

CREATE FUNCTION score_order_ratings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO provider_scores VALUES (NEW.provider_id, 1, NEW.quality + NEW.timeliness + NEW.value)
            ON CONFLICT (provider_id) DO UPDATE
            SET ratings = provider_scores.ratings + 1,
                rating_total = provider_scores.rating_total + excluded.rating_total;
    ELSE
        UPDATE provider_scores SET ratings = ratings - 1,
            rating_total = rating_total - (OLD.quality + OLD.timeliness + OLD.value)
            WHERE provider_id = OLD.provider_id;
        DELETE FROM provider_scores WHERE provider_id = OLD.provider_id AND ratings = 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER order_ratings_score_insert AFTER INSERT ON order_ratings
    FOR EACH ROW EXECUTE FUNCTION score_order_ratings();
CREATE TRIGGER order_ratings_score_delete AFTER DELETE ON order_ratings
    FOR EACH ROW EXECUTE FUNCTION score_order_ratings();
