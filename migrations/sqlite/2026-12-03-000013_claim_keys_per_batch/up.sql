-- A stored answer to a keyed claim belongs to its batch: the same Idempotency-Key sent
-- to another batch is another claim, not a retry. Kept equivalent to the PostgreSQL
-- migration (SQLite cannot change a primary key in place: the table is rebuilt).
CREATE TABLE claim_outcomes_new (
    firm_id TEXT NOT NULL REFERENCES firms (id),
    idempotency_key TEXT NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    outcome TEXT NOT NULL,
    voucher_id TEXT REFERENCES vouchers (id),
    detail TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (firm_id, batch_id, idempotency_key)
);
-- "Not open yet" was an answer of its moment, not a final one.
INSERT INTO claim_outcomes_new
    SELECT firm_id, idempotency_key, batch_id, outcome, voucher_id, detail, created_at
    FROM claim_outcomes WHERE outcome <> 'batch_not_open';
DROP TABLE claim_outcomes;
ALTER TABLE claim_outcomes_new RENAME TO claim_outcomes;
-- Controllers are compared as people (domain::party::person_key): without spaces or
-- zero-width characters. Vouchers claimed before keep the same key as new ones.
UPDATE vouchers SET controller = lower(replace(replace(replace(replace(replace(replace(
    controller, ' ', ''), char(12288), ''), char(160), ''), char(8203), ''), char(8205), ''),
    char(65279), ''));
-- Sessions signed out are read by revocation time (every server polls them each second
-- so their access tokens are refused at once).
CREATE INDEX refresh_tokens_revoked_idx ON refresh_tokens (revoked_at);
-- Money is integer fen. SQLite turns an integer sum that overflows 64 bits into a REAL
-- and would store it; these refuse that (and any non-integer) where amounts are summed
-- in SQL. The service checks ceilings first (docs/API.md); these are the last line.
-- PostgreSQL's BIGINT refuses by itself.
CREATE TRIGGER batches_money_integer_insert BEFORE INSERT ON batches
    WHEN typeof(NEW.budget_fen) <> 'integer' OR typeof(NEW.claimed_fen) <> 'integer'
    BEGIN SELECT RAISE(ABORT, 'money must be integer fen'); END;
CREATE TRIGGER batches_money_integer_update BEFORE UPDATE OF budget_fen, claimed_fen ON batches
    WHEN typeof(NEW.budget_fen) <> 'integer' OR typeof(NEW.claimed_fen) <> 'integer'
    BEGIN SELECT RAISE(ABORT, 'money must be integer fen'); END;
CREATE TRIGGER vouchers_money_integer_insert BEFORE INSERT ON vouchers
    WHEN typeof(NEW.face_value_fen) <> 'integer' OR typeof(NEW.balance_fen) <> 'integer'
        OR typeof(NEW.held_fen) <> 'integer'
    BEGIN SELECT RAISE(ABORT, 'money must be integer fen'); END;
CREATE TRIGGER vouchers_money_integer_update BEFORE UPDATE OF balance_fen, held_fen ON vouchers
    WHEN typeof(NEW.balance_fen) <> 'integer' OR typeof(NEW.held_fen) <> 'integer'
    BEGIN SELECT RAISE(ABORT, 'money must be integer fen'); END;
CREATE TRIGGER ledger_entries_money_integer_insert BEFORE INSERT ON ledger_entries
    WHEN typeof(NEW.amount_fen) <> 'integer'
    BEGIN SELECT RAISE(ABORT, 'money must be integer fen'); END;
-- One row `/ready` updates: ready means the database takes a write now.
CREATE TABLE readiness_probe (
    id INTEGER PRIMARY KEY NOT NULL,
    checked_at TIMESTAMP NOT NULL
);
INSERT INTO readiness_probe (id, checked_at) VALUES (1, CURRENT_TIMESTAMP);
