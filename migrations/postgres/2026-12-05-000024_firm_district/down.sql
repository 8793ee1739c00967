ALTER TABLE firms DROP COLUMN district;
