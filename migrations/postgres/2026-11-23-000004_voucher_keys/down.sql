ALTER TABLE vouchers DROP CONSTRAINT vouchers_batch_programme_fkey;
ALTER TABLE vouchers ADD CONSTRAINT vouchers_programme_id_fkey FOREIGN KEY (programme_id) REFERENCES programmes (id);
ALTER TABLE vouchers ADD CONSTRAINT vouchers_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES batches (id);
ALTER TABLE vouchers ADD CONSTRAINT vouchers_firm_idempotency_key UNIQUE (firm_id, idempotency_key);
ALTER TABLE batches DROP CONSTRAINT batches_id_programme_key;
