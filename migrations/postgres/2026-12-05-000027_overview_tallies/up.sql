-- The overview's figures kept as the money moves, so an overview reads a few hundred
-- kept rows instead of a million orders. Triggers keep them in the transaction that
-- changes the row, whatever use case changes it; `ledger verify` recounts them from the
-- rows.
--
-- tallies: per batch, kind and status, with a label (an order's category, a provider
-- for spending): how many rows, and two amounts.
--   voucher  (status, '')            n vouchers, a face value, b balance less held
--   order    (status, category)      n orders, a contract amount, b voucher share
--   dispute  (status, '')            n orders ever disputed
--   spend    ('confirmed', provider) n confirmed orders, a voucher share
--   item     (status, '')            n redemption items, a amount
CREATE TABLE tallies (
    batch_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    label TEXT NOT NULL,
    n BIGINT NOT NULL,
    a_fen BIGINT NOT NULL,
    b_fen BIGINT NOT NULL,
    PRIMARY KEY (batch_id, kind, status, label)
);
-- Moves not yet added into `tallies`: the triggers append here, one row per statement
-- and key, so concurrent writers never wait on a shared tally row (nor deadlock over
-- two); an overview adds them in first (`db::tallies::fold`). SQLite, with one writer
-- at a time, adds into `tallies` directly.
CREATE TABLE tally_moves (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    label TEXT NOT NULL,
    n BIGINT NOT NULL,
    a_fen BIGINT NOT NULL,
    b_fen BIGINT NOT NULL
);
-- The firms holding a voucher of each batch, with the firm's size class, industry and
-- district as they are now, and whether the firm has an order of the batch confirmed.
CREATE TABLE holders (
    batch_id TEXT NOT NULL,
    firm_id TEXT NOT NULL,
    size_class TEXT NOT NULL,
    industry TEXT NOT NULL,
    district TEXT,
    served BOOLEAN NOT NULL,
    PRIMARY KEY (batch_id, firm_id)
);
CREATE INDEX holders_class_idx ON holders (batch_id, size_class, industry, district, served);
CREATE INDEX holders_firm_idx ON holders (firm_id, size_class, industry, district, served, batch_id);
-- How many batches each firm holds vouchers of (its holders), so the overview groups
-- the firms found in more than one of the selected batches over those firms only.
CREATE TABLE holdings (
    firm_id TEXT NOT NULL PRIMARY KEY,
    batches BIGINT NOT NULL
);
CREATE INDEX holdings_several_idx ON holdings (firm_id) WHERE batches > 1;

INSERT INTO tallies
    SELECT batch_id, 'voucher', status, '', COUNT(*), SUM(face_value_fen), SUM(balance_fen - held_fen)
    FROM vouchers GROUP BY batch_id, status;
INSERT INTO tallies
    SELECT batch_id, 'order', status, category, COUNT(*), SUM(contract_fen), SUM(covered_fen)
    FROM orders GROUP BY batch_id, status, category;
INSERT INTO tallies
    SELECT batch_id, 'dispute', status, '', COUNT(*), 0, 0
    FROM orders WHERE dispute_reason IS NOT NULL GROUP BY batch_id, status;
INSERT INTO tallies
    SELECT batch_id, 'spend', status, provider_id, COUNT(*), SUM(covered_fen), 0
    FROM orders WHERE status = 'confirmed' GROUP BY batch_id, status, provider_id;
INSERT INTO tallies
    SELECT batch_id, 'item', status, '', COUNT(*), SUM(amount_fen), 0
    FROM redemption_items GROUP BY batch_id, status;
INSERT INTO holders
    SELECT DISTINCT v.batch_id, f.id, f.size_class, f.industry, f.district,
        EXISTS (SELECT 1 FROM orders o WHERE o.firm_id = f.id AND o.batch_id = v.batch_id
                AND o.status = 'confirmed')
    FROM vouchers v JOIN firms f ON f.id = v.firm_id;
INSERT INTO holdings SELECT firm_id, COUNT(*) FROM holders GROUP BY firm_id;

-- Statement triggers over the transition tables: one move per key and statement (a
-- claim settlement of 500 vouchers appends one row), only keys that changed.
CREATE FUNCTION tally_vouchers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO holders
            SELECT DISTINCT n.batch_id, f.id, f.size_class, f.industry, f.district, FALSE
            FROM new_rows n JOIN firms f ON f.id = n.firm_id
            ON CONFLICT (batch_id, firm_id) DO NOTHING;
        INSERT INTO tally_moves (batch_id, kind, status, label, n, a_fen, b_fen)
            SELECT batch_id, 'voucher', status, '', COUNT(*), SUM(face_value_fen), SUM(balance_fen - held_fen)
            FROM new_rows GROUP BY batch_id, status;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO tally_moves (batch_id, kind, status, label, n, a_fen, b_fen)
            SELECT batch_id, 'voucher', status, '', SUM(n), SUM(a), SUM(b) FROM (
                SELECT batch_id, status, 1 AS n, face_value_fen AS a, balance_fen - held_fen AS b FROM new_rows
                UNION ALL
                SELECT batch_id, status, -1, -face_value_fen, held_fen - balance_fen FROM old_rows) m
            GROUP BY batch_id, status
            HAVING SUM(n) <> 0 OR SUM(a) <> 0 OR SUM(b) <> 0;
    ELSE
        INSERT INTO tally_moves (batch_id, kind, status, label, n, a_fen, b_fen)
            SELECT batch_id, 'voucher', status, '', -COUNT(*), -SUM(face_value_fen), SUM(held_fen - balance_fen)
            FROM old_rows GROUP BY batch_id, status;
        DELETE FROM holders h USING (SELECT DISTINCT batch_id, firm_id FROM old_rows) o
            WHERE h.batch_id = o.batch_id AND h.firm_id = o.firm_id
            AND NOT EXISTS (SELECT 1 FROM vouchers v WHERE v.firm_id = o.firm_id AND v.batch_id = o.batch_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER vouchers_tally_insert AFTER INSERT ON vouchers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_vouchers();
CREATE TRIGGER vouchers_tally_update AFTER UPDATE ON vouchers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_vouchers();
CREATE TRIGGER vouchers_tally_delete AFTER DELETE ON vouchers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_vouchers();

-- An order's moves: +1 for its new row, -1 for its old one (none on insert or delete).
-- The rows are named by the event, so each statement is run as dynamic SQL (the
-- transition tables are visible to it).
CREATE FUNCTION tally_orders() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r TEXT := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS sign, x.* FROM new_rows x'
        WHEN 'DELETE' THEN 'SELECT -1 AS sign, x.* FROM old_rows x'
        ELSE 'SELECT 1 AS sign, x.* FROM new_rows x UNION ALL SELECT -1, x.* FROM old_rows x'
    END;
BEGIN
    EXECUTE 'WITH r AS (' || r || ') INSERT INTO tally_moves (batch_id, kind, status, label, n, a_fen, b_fen)
        SELECT batch_id, ''order'', status, category, SUM(sign), SUM(sign * contract_fen), SUM(sign * covered_fen)
        FROM r GROUP BY batch_id, status, category
        HAVING SUM(sign) <> 0 OR SUM(sign * contract_fen) <> 0 OR SUM(sign * covered_fen) <> 0
        UNION ALL
        SELECT batch_id, ''dispute'', status, '''', SUM(sign), 0, 0
        FROM r WHERE dispute_reason IS NOT NULL GROUP BY batch_id, status HAVING SUM(sign) <> 0
        UNION ALL
        SELECT batch_id, ''spend'', status, provider_id, SUM(sign), SUM(sign * covered_fen), 0
        FROM r WHERE status = ''confirmed'' GROUP BY batch_id, status, provider_id
        HAVING SUM(sign) <> 0 OR SUM(sign * covered_fen) <> 0';
    EXECUTE 'WITH r AS (' || r || ') UPDATE holders h SET served = EXISTS (SELECT 1 FROM orders o
            WHERE o.firm_id = h.firm_id AND o.batch_id = h.batch_id AND o.status = ''confirmed'')
        FROM (SELECT DISTINCT batch_id, firm_id FROM r WHERE status = ''confirmed'') c
        WHERE h.batch_id = c.batch_id AND h.firm_id = c.firm_id';
    RETURN NULL;
END $$;
CREATE TRIGGER orders_tally_insert AFTER INSERT ON orders
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_orders();
CREATE TRIGGER orders_tally_update AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_orders();
CREATE TRIGGER orders_tally_delete AFTER DELETE ON orders
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_orders();

CREATE FUNCTION tally_redemption_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO tally_moves (batch_id, kind, status, label, n, a_fen, b_fen)
            SELECT batch_id, 'item', status, '', COUNT(*), SUM(amount_fen), 0
            FROM new_rows GROUP BY batch_id, status;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO tally_moves (batch_id, kind, status, label, n, a_fen, b_fen)
            SELECT batch_id, 'item', status, '', SUM(n), SUM(a), 0 FROM (
                SELECT batch_id, status, 1 AS n, amount_fen AS a FROM new_rows
                UNION ALL
                SELECT batch_id, status, -1, -amount_fen FROM old_rows) m
            GROUP BY batch_id, status
            HAVING SUM(n) <> 0 OR SUM(a) <> 0;
    ELSE
        INSERT INTO tally_moves (batch_id, kind, status, label, n, a_fen, b_fen)
            SELECT batch_id, 'item', status, '', -COUNT(*), -SUM(amount_fen), 0
            FROM old_rows GROUP BY batch_id, status;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER redemption_items_tally_insert AFTER INSERT ON redemption_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_redemption_items();
CREATE TRIGGER redemption_items_tally_update AFTER UPDATE ON redemption_items
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_redemption_items();
CREATE TRIGGER redemption_items_tally_delete AFTER DELETE ON redemption_items
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tally_redemption_items();

-- A firm's count of batches: concurrent claims of one firm in two batches meet on its
-- row (the second adds after the first commits), firms taken in order.
CREATE FUNCTION count_holdings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO holdings
            SELECT firm_id, COUNT(*) FROM new_rows GROUP BY firm_id ORDER BY firm_id
            ON CONFLICT (firm_id) DO UPDATE SET batches = holdings.batches + excluded.batches;
    ELSE
        UPDATE holdings h SET batches = h.batches - o.n
            FROM (SELECT firm_id, COUNT(*) AS n FROM old_rows GROUP BY firm_id) o
            WHERE h.firm_id = o.firm_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER holders_count_insert AFTER INSERT ON holders
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_holdings();
CREATE TRIGGER holders_count_delete AFTER DELETE ON holders
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_holdings();


CREATE FUNCTION holders_of_firms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE holders h SET size_class = n.size_class, industry = n.industry, district = n.district
        FROM new_rows n
        WHERE h.firm_id = n.id
        AND (h.size_class, h.industry, h.district) IS DISTINCT FROM (n.size_class, n.industry, n.district);
    RETURN NULL;
END $$;
CREATE TRIGGER firms_holders_update AFTER UPDATE ON firms
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION holders_of_firms();

-- The overview no longer sums orders and items from their rows; the latest paid items
-- of a batch (the waiting time to payment) are read by state, batch and id.
DROP INDEX orders_provider_spend_idx;
DROP INDEX orders_disputed_idx;
DROP INDEX redemption_items_overview_idx;
CREATE INDEX redemption_items_overview_idx ON redemption_items (status, batch_id, id);
