DROP INDEX order_evidence_sha256_idx;
