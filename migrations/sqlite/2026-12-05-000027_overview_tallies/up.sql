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
-- Moves not yet added into `tallies` (PostgreSQL's triggers append here, so concurrent
-- writers never wait on a shared tally row; an overview adds them in first). SQLite has
-- one writer at a time and adds into `tallies` directly: this table stays empty (its
-- key has no default, so nothing can append to it unnoticed).
CREATE TABLE tally_moves (
    id BIGINT NOT NULL PRIMARY KEY,
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

CREATE TRIGGER vouchers_tally_insert AFTER INSERT ON vouchers BEGIN
    INSERT INTO tallies VALUES (NEW.batch_id, 'voucher', NEW.status, '', 1, NEW.face_value_fen, NEW.balance_fen - NEW.held_fen)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE
        SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen, b_fen = b_fen + excluded.b_fen;
    INSERT INTO holders
        SELECT NEW.batch_id, f.id, f.size_class, f.industry, f.district, FALSE FROM firms f WHERE f.id = NEW.firm_id
        ON CONFLICT (batch_id, firm_id) DO NOTHING;
END;
CREATE TRIGGER vouchers_tally_update AFTER UPDATE OF batch_id, status, face_value_fen, balance_fen, held_fen ON vouchers BEGIN
    INSERT INTO tallies VALUES (OLD.batch_id, 'voucher', OLD.status, '', -1, -OLD.face_value_fen, OLD.held_fen - OLD.balance_fen)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE
        SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen, b_fen = b_fen + excluded.b_fen;
    INSERT INTO tallies VALUES (NEW.batch_id, 'voucher', NEW.status, '', 1, NEW.face_value_fen, NEW.balance_fen - NEW.held_fen)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE
        SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen, b_fen = b_fen + excluded.b_fen;
END;
CREATE TRIGGER vouchers_tally_delete AFTER DELETE ON vouchers BEGIN
    INSERT INTO tallies VALUES (OLD.batch_id, 'voucher', OLD.status, '', -1, -OLD.face_value_fen, OLD.held_fen - OLD.balance_fen)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE
        SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen, b_fen = b_fen + excluded.b_fen;
    DELETE FROM holders WHERE batch_id = OLD.batch_id AND firm_id = OLD.firm_id
        AND NOT EXISTS (SELECT 1 FROM vouchers v WHERE v.firm_id = OLD.firm_id AND v.batch_id = OLD.batch_id);
END;

CREATE TRIGGER orders_tally_insert AFTER INSERT ON orders BEGIN
    INSERT INTO tallies VALUES (NEW.batch_id, 'order', NEW.status, NEW.category, 1, NEW.contract_fen, NEW.covered_fen)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE
        SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen, b_fen = b_fen + excluded.b_fen;
    INSERT INTO tallies SELECT NEW.batch_id, 'dispute', NEW.status, '', 1, 0, 0 WHERE NEW.dispute_reason IS NOT NULL
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tallies SELECT NEW.batch_id, 'spend', NEW.status, NEW.provider_id, 1, NEW.covered_fen, 0 WHERE NEW.status = 'confirmed'
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen;
    UPDATE holders SET served = TRUE
        WHERE NEW.status = 'confirmed' AND batch_id = NEW.batch_id AND firm_id = NEW.firm_id AND NOT served;
END;
CREATE TRIGGER orders_tally_update AFTER UPDATE OF batch_id, firm_id, provider_id, category, status, contract_fen, covered_fen, dispute_reason ON orders BEGIN
    INSERT INTO tallies VALUES (OLD.batch_id, 'order', OLD.status, OLD.category, -1, -OLD.contract_fen, -OLD.covered_fen)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE
        SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen, b_fen = b_fen + excluded.b_fen;
    INSERT INTO tallies VALUES (NEW.batch_id, 'order', NEW.status, NEW.category, 1, NEW.contract_fen, NEW.covered_fen)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE
        SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen, b_fen = b_fen + excluded.b_fen;
    INSERT INTO tallies SELECT OLD.batch_id, 'dispute', OLD.status, '', -1, 0, 0 WHERE OLD.dispute_reason IS NOT NULL
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tallies SELECT NEW.batch_id, 'dispute', NEW.status, '', 1, 0, 0 WHERE NEW.dispute_reason IS NOT NULL
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tallies SELECT OLD.batch_id, 'spend', OLD.status, OLD.provider_id, -1, -OLD.covered_fen, 0 WHERE OLD.status = 'confirmed'
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen;
    INSERT INTO tallies SELECT NEW.batch_id, 'spend', NEW.status, NEW.provider_id, 1, NEW.covered_fen, 0 WHERE NEW.status = 'confirmed'
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen;
    UPDATE holders SET served = EXISTS (SELECT 1 FROM orders o WHERE o.firm_id = holders.firm_id
            AND o.batch_id = holders.batch_id AND o.status = 'confirmed')
        WHERE (OLD.status = 'confirmed' OR NEW.status = 'confirmed')
        AND ((batch_id = OLD.batch_id AND firm_id = OLD.firm_id) OR (batch_id = NEW.batch_id AND firm_id = NEW.firm_id));
END;
CREATE TRIGGER orders_tally_delete AFTER DELETE ON orders BEGIN
    INSERT INTO tallies VALUES (OLD.batch_id, 'order', OLD.status, OLD.category, -1, -OLD.contract_fen, -OLD.covered_fen)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE
        SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen, b_fen = b_fen + excluded.b_fen;
    INSERT INTO tallies SELECT OLD.batch_id, 'dispute', OLD.status, '', -1, 0, 0 WHERE OLD.dispute_reason IS NOT NULL
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tallies SELECT OLD.batch_id, 'spend', OLD.status, OLD.provider_id, -1, -OLD.covered_fen, 0 WHERE OLD.status = 'confirmed'
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen;
    UPDATE holders SET served = EXISTS (SELECT 1 FROM orders o WHERE o.firm_id = holders.firm_id
            AND o.batch_id = holders.batch_id AND o.status = 'confirmed')
        WHERE OLD.status = 'confirmed' AND batch_id = OLD.batch_id AND firm_id = OLD.firm_id;
END;

CREATE TRIGGER redemption_items_tally_insert AFTER INSERT ON redemption_items BEGIN
    INSERT INTO tallies VALUES (NEW.batch_id, 'item', NEW.status, '', 1, NEW.amount_fen, 0)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen;
END;
CREATE TRIGGER redemption_items_tally_update AFTER UPDATE OF batch_id, status, amount_fen ON redemption_items BEGIN
    INSERT INTO tallies VALUES (OLD.batch_id, 'item', OLD.status, '', -1, -OLD.amount_fen, 0)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen;
    INSERT INTO tallies VALUES (NEW.batch_id, 'item', NEW.status, '', 1, NEW.amount_fen, 0)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen;
END;
CREATE TRIGGER redemption_items_tally_delete AFTER DELETE ON redemption_items BEGIN
    INSERT INTO tallies VALUES (OLD.batch_id, 'item', OLD.status, '', -1, -OLD.amount_fen, 0)
        ON CONFLICT (batch_id, kind, status, label) DO UPDATE SET n = n + excluded.n, a_fen = a_fen + excluded.a_fen;
END;

CREATE TRIGGER holders_count_insert AFTER INSERT ON holders BEGIN
    INSERT INTO holdings VALUES (NEW.firm_id, 1)
        ON CONFLICT (firm_id) DO UPDATE SET batches = batches + 1;
END;
CREATE TRIGGER holders_count_delete AFTER DELETE ON holders BEGIN
    UPDATE holdings SET batches = batches - 1 WHERE firm_id = OLD.firm_id;
END;

CREATE TRIGGER firms_holders_update AFTER UPDATE OF size_class, industry, district ON firms BEGIN
    UPDATE holders SET size_class = NEW.size_class, industry = NEW.industry, district = NEW.district
        WHERE firm_id = NEW.id;
END;

-- The overview no longer sums orders and items from their rows; the latest paid items
-- of a batch (the waiting time to payment) are read by state, batch and id.
DROP INDEX orders_provider_spend_idx;
DROP INDEX orders_disputed_idx;
DROP INDEX redemption_items_overview_idx;
CREATE INDEX redemption_items_overview_idx ON redemption_items (status, batch_id, id);
