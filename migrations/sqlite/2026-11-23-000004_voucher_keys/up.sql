-- Vouchers: one composite foreign key (batch, programme) instead of two, so a voucher's
-- programme is always its batch's programme; and no (firm, idempotency key) unique
-- index, since claim_outcomes already keys every answer to a keyed claim. Each
-- voucher row then costs one foreign-key check and one index entry less, which the
-- claim storm measured (docs/BENCHMARKS.md). Kept equivalent to the PostgreSQL
-- migration.
--
-- SQLite changes a table's constraints only by rebuilding it, with foreign keys off
-- (SQLite's documented procedure), which cannot be switched inside a transaction: so
-- this migration runs outside diesel's transaction (metadata.toml) and opens its own.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE UNIQUE INDEX batches_id_programme_key ON batches (id, programme_id);
CREATE TABLE vouchers_new (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    programme_id TEXT NOT NULL,
    firm_id TEXT NOT NULL REFERENCES firms (id),
    nth INTEGER NOT NULL,
    seq_in_batch INTEGER NOT NULL,
    face_value_fen BIGINT NOT NULL,
    balance_fen BIGINT NOT NULL,
    held_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    controller TEXT NOT NULL,
    claim_year INTEGER NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    valid_until TIMESTAMP NOT NULL,
    idempotency_key TEXT,
    CONSTRAINT vouchers_code_key UNIQUE (code),
    -- One firm holds at most per_batch_limit vouchers of a batch: nth counts them.
    CONSTRAINT vouchers_batch_firm_nth_key UNIQUE (batch_id, firm_id, nth),
    CONSTRAINT vouchers_batch_seq_key UNIQUE (batch_id, seq_in_batch),
    CONSTRAINT vouchers_nth_check CHECK (nth >= 1 AND seq_in_batch >= 1),
    CONSTRAINT vouchers_amounts_check CHECK (face_value_fen > 0 AND balance_fen >= 0 AND held_fen >= 0
        AND held_fen <= balance_fen AND balance_fen <= face_value_fen),
    CONSTRAINT vouchers_status_check CHECK (status IN ('active', 'used', 'expired', 'revoked')),
    CONSTRAINT vouchers_batch_programme_fkey FOREIGN KEY (batch_id, programme_id)
        REFERENCES batches (id, programme_id)
);
INSERT INTO vouchers_new (id, code, batch_id, programme_id, firm_id, nth, seq_in_batch, face_value_fen, balance_fen, held_fen, status, controller, claim_year, claimed_at, valid_until, idempotency_key)
    SELECT id, code, batch_id, programme_id, firm_id, nth, seq_in_batch, face_value_fen, balance_fen, held_fen, status, controller, claim_year, claimed_at, valid_until, idempotency_key FROM vouchers;
DROP TABLE vouchers;
ALTER TABLE vouchers_new RENAME TO vouchers;
CREATE INDEX vouchers_firm_idx ON vouchers (firm_id, programme_id);
CREATE INDEX vouchers_controller_idx ON vouchers (programme_id, controller, claim_year);
COMMIT;
PRAGMA foreign_keys = ON;
