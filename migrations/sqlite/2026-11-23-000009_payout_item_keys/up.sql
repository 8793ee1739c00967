-- Payout items: the reference to their payout is checked by triggers instead of a
-- foreign key, as on PostgreSQL, where the foreign key's per-row check cost a third of
-- preparing a run of a million items (docs/BENCHMARKS.md). The triggers refuse the same
-- rows as the foreign key: an inserted item naming no payout; an item's payout or item
-- changed; a payout deleted or its id changed. Kept equivalent to the PostgreSQL
-- migration.
--
-- SQLite drops a foreign key only by rebuilding the table. Nothing refers to
-- payout_items, so the rebuild needs no change to foreign-key enforcement and runs in
-- the migration's own transaction.
CREATE TABLE payout_items_new (
    payout_id TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    live BOOLEAN NOT NULL,
    PRIMARY KEY (payout_id, item_id),
    CONSTRAINT payout_items_kind_check CHECK (item_kind IN ('redemption', 'entitlement')),
    CONSTRAINT payout_items_amount_check CHECK (amount_fen > 0)
);
INSERT INTO payout_items_new (payout_id, item_kind, item_id, amount_fen, live)
    SELECT payout_id, item_kind, item_id, amount_fen, live FROM payout_items;
DROP TABLE payout_items;
ALTER TABLE payout_items_new RENAME TO payout_items;
CREATE UNIQUE INDEX payout_items_live_key ON payout_items (item_id) WHERE live;

CREATE TRIGGER payout_items_payout_check BEFORE INSERT ON payout_items
WHEN NOT EXISTS (SELECT 1 FROM payouts WHERE id = NEW.payout_id)
BEGIN
    SELECT RAISE(ABORT, 'payout_items.payout_id must name a payout');
END;
CREATE TRIGGER payout_items_keys_fixed BEFORE UPDATE OF payout_id, item_id ON payout_items
BEGIN
    SELECT RAISE(ABORT, 'a payout item''s payout and item never change (only live does)');
END;
CREATE TRIGGER payouts_kept_delete BEFORE DELETE ON payouts
BEGIN
    SELECT RAISE(ABORT, 'payouts are kept: never deleted, their id never changed');
END;
CREATE TRIGGER payouts_kept_update BEFORE UPDATE OF id ON payouts
BEGIN
    SELECT RAISE(ABORT, 'payouts are kept: never deleted, their id never changed');
END;
