-- The reviewer is warned when one file is evidence of two orders: found by its hash.
CREATE INDEX order_evidence_sha256_idx ON order_evidence (sha256);
