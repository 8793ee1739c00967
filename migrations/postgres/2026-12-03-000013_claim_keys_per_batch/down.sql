DROP TABLE readiness_probe;
DROP INDEX refresh_tokens_revoked_idx;
ALTER TABLE claim_outcomes DROP CONSTRAINT claim_outcomes_pkey;
DELETE FROM claim_outcomes a USING claim_outcomes b
    WHERE a.firm_id = b.firm_id AND a.idempotency_key = b.idempotency_key AND a.ctid > b.ctid;
ALTER TABLE claim_outcomes ADD CONSTRAINT claim_outcomes_pkey PRIMARY KEY (firm_id, idempotency_key);
