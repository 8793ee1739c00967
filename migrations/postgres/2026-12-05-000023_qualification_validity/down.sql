ALTER TABLE firms DROP COLUMN tech_sme_until;
ALTER TABLE firms DROP COLUMN tech_sme_certificate;
ALTER TABLE firms DROP COLUMN high_tech_until;
ALTER TABLE firms DROP COLUMN high_tech_certificate;
