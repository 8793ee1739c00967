ALTER TABLE spaces DROP COLUMN contact_verified_at;
ALTER TABLE providers DROP COLUMN contact_verified_at;
ALTER TABLE firms DROP COLUMN contact_verified_at;
