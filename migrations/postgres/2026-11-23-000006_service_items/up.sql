-- The service catalogue: what listed providers offer, in the categories they are
-- listed for. Kept identical to the other backend's migration of the same name.
CREATE TABLE service_items (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    list_price_fen BIGINT NOT NULL,
    delivery_days INTEGER NOT NULL,
    -- Withdrawn items stay (orders refer to them) but are not offered.
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT service_items_price_check CHECK (list_price_fen > 0),
    CONSTRAINT service_items_delivery_check CHECK (delivery_days >= 1 AND delivery_days <= 3650)
);
CREATE INDEX service_items_provider_idx ON service_items (provider_id);
CREATE INDEX service_items_category_idx ON service_items (category, active);
