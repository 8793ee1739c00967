-- A party's contact address is verified by a single-use link (email_tokens, purpose
-- 'verify_contact') before its application goes to review. The time it was verified is
-- kept on the party; a changed address must be verified again. Parties registered
-- before verification existed were reviewed already: they count as verified then.
ALTER TABLE firms ADD COLUMN contact_verified_at TIMESTAMP;
ALTER TABLE providers ADD COLUMN contact_verified_at TIMESTAMP;
ALTER TABLE spaces ADD COLUMN contact_verified_at TIMESTAMP;
UPDATE firms SET contact_verified_at = created_at;
UPDATE providers SET contact_verified_at = created_at;
UPDATE spaces SET contact_verified_at = created_at;
