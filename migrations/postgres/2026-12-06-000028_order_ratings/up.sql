-- Ratings of confirmed orders (服务评价): one per order, by its firm, with the
-- provider's one public answer.
CREATE TABLE order_ratings (
    order_id TEXT NOT NULL PRIMARY KEY REFERENCES orders (id),
    firm_id TEXT NOT NULL REFERENCES firms (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    quality INTEGER NOT NULL,
    timeliness INTEGER NOT NULL,
    value INTEGER NOT NULL,
    comment TEXT,
    rated_at TIMESTAMP NOT NULL,
    answer TEXT,
    answered_at TIMESTAMP,
    CONSTRAINT order_ratings_scores_check CHECK (quality BETWEEN 1 AND 5
        AND timeliness BETWEEN 1 AND 5 AND value BETWEEN 1 AND 5),
    CONSTRAINT order_ratings_answer_check CHECK ((answer IS NULL) = (answered_at IS NULL))
);
CREATE INDEX order_ratings_provider_idx ON order_ratings (provider_id, rated_at);
