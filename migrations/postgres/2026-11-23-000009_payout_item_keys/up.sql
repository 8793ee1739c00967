-- Payout items: the reference to their payout is checked once per statement instead of
-- once per row. A run attaches all its items (a million in a month) in the transaction
-- that creates the payouts they name, and PostgreSQL's foreign-key check then locks a
-- row its own transaction wrote once per item: measured, a third of preparing such a
-- run (docs/BENCHMARKS.md). The check below refuses the same rows as the foreign key:
-- an inserted item naming no payout; an item's payout or item changed; a payout
-- deleted or its id changed. Kept equivalent to the SQLite migration.
ALTER TABLE payout_items DROP CONSTRAINT payout_items_payout_id_fkey;

CREATE FUNCTION payout_items_payout_check() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM payout_items_added a
               WHERE NOT EXISTS (SELECT 1 FROM payouts p WHERE p.id = a.payout_id)) THEN
        RAISE EXCEPTION 'payout_items.payout_id must name a payout'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payout_items_payout_check AFTER INSERT ON payout_items
    REFERENCING NEW TABLE AS payout_items_added
    FOR EACH STATEMENT EXECUTE FUNCTION payout_items_payout_check();

CREATE FUNCTION payout_items_keys_fixed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a payout item''s payout and item never change (only live does)'
        USING ERRCODE = 'foreign_key_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payout_items_keys_fixed BEFORE UPDATE OF payout_id, item_id ON payout_items
    FOR EACH ROW EXECUTE FUNCTION payout_items_keys_fixed();

CREATE FUNCTION payouts_kept() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'payouts are kept: never deleted, their id never changed'
        USING ERRCODE = 'foreign_key_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payouts_kept_delete BEFORE DELETE ON payouts
    FOR EACH ROW EXECUTE FUNCTION payouts_kept();
CREATE TRIGGER payouts_kept_update BEFORE UPDATE OF id ON payouts
    FOR EACH ROW EXECUTE FUNCTION payouts_kept();
