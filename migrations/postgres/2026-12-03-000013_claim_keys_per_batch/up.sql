-- A stored answer to a keyed claim belongs to its batch: the same Idempotency-Key sent
-- to another batch is another claim, not a retry. Kept equivalent to the SQLite migration.
ALTER TABLE claim_outcomes DROP CONSTRAINT claim_outcomes_pkey;
ALTER TABLE claim_outcomes ADD CONSTRAINT claim_outcomes_pkey
    PRIMARY KEY (firm_id, batch_id, idempotency_key);
-- "Not open yet" was an answer of its moment, not a final one.
DELETE FROM claim_outcomes WHERE outcome = 'batch_not_open';
-- Controllers are compared as people (domain::party::person_key): without spaces or
-- zero-width characters. Vouchers claimed before keep the same key as new ones.
UPDATE vouchers SET controller = lower(regexp_replace(controller,
    '[[:space:]\u3000\u00a0\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]', '', 'g'));
-- Sessions signed out are read by revocation time (every server polls them each second
-- so their access tokens are refused at once).
CREATE INDEX refresh_tokens_revoked_idx ON refresh_tokens (revoked_at);
-- One row `/ready` updates: ready means the database takes a write now.
CREATE TABLE readiness_probe (
    id INTEGER PRIMARY KEY NOT NULL,
    checked_at TIMESTAMP NOT NULL
);
INSERT INTO readiness_probe (id, checked_at) VALUES (1, CURRENT_TIMESTAMP);
