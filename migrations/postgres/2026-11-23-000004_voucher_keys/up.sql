-- Vouchers: one composite foreign key (batch, programme) instead of two, so a voucher's
-- programme is always its batch's programme; and no (firm, idempotency key) unique
-- index, since claim_outcomes already keys every answer to a keyed claim. Each
-- voucher row then costs one foreign-key trigger and one index entry less, which the
-- claim storm measured (docs/BENCHMARKS.md). Kept equivalent to the SQLite migration.
ALTER TABLE batches ADD CONSTRAINT batches_id_programme_key UNIQUE (id, programme_id);
ALTER TABLE vouchers DROP CONSTRAINT vouchers_firm_idempotency_key;
ALTER TABLE vouchers DROP CONSTRAINT vouchers_batch_id_fkey;
ALTER TABLE vouchers DROP CONSTRAINT vouchers_programme_id_fkey;
ALTER TABLE vouchers ADD CONSTRAINT vouchers_batch_programme_fkey
    FOREIGN KEY (batch_id, programme_id) REFERENCES batches (id, programme_id);
