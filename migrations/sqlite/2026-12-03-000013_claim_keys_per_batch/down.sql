DROP TABLE readiness_probe;
DROP TRIGGER batches_money_integer_insert;
DROP TRIGGER batches_money_integer_update;
DROP TRIGGER vouchers_money_integer_insert;
DROP TRIGGER vouchers_money_integer_update;
DROP TRIGGER ledger_entries_money_integer_insert;
DROP INDEX refresh_tokens_revoked_idx;
CREATE TABLE claim_outcomes_old (
    firm_id TEXT NOT NULL REFERENCES firms (id),
    idempotency_key TEXT NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    outcome TEXT NOT NULL,
    voucher_id TEXT REFERENCES vouchers (id),
    detail TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (firm_id, idempotency_key)
);
INSERT OR IGNORE INTO claim_outcomes_old
    SELECT firm_id, idempotency_key, batch_id, outcome, voucher_id, detail, created_at
    FROM claim_outcomes;
DROP TABLE claim_outcomes;
ALTER TABLE claim_outcomes_old RENAME TO claim_outcomes;
