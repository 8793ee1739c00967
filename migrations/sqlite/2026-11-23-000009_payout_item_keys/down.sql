DROP TRIGGER payouts_kept_update;
DROP TRIGGER payouts_kept_delete;
DROP TRIGGER payout_items_keys_fixed;
DROP TRIGGER payout_items_payout_check;
CREATE TABLE payout_items_old (
    payout_id TEXT NOT NULL REFERENCES payouts (id),
    item_kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    live BOOLEAN NOT NULL,
    PRIMARY KEY (payout_id, item_id),
    CONSTRAINT payout_items_kind_check CHECK (item_kind IN ('redemption', 'entitlement')),
    CONSTRAINT payout_items_amount_check CHECK (amount_fen > 0)
);
INSERT INTO payout_items_old (payout_id, item_kind, item_id, amount_fen, live)
    SELECT payout_id, item_kind, item_id, amount_fen, live FROM payout_items;
DROP TABLE payout_items;
ALTER TABLE payout_items_old RENAME TO payout_items;
CREATE UNIQUE INDEX payout_items_live_key ON payout_items (item_id) WHERE live;
