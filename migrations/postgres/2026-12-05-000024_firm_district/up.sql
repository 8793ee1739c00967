-- The district a firm states at registration (a code from config/policy/districts.toml),
-- for the overview of firms served by district. Firms registered before it was asked
-- have none and are counted as not stated.
ALTER TABLE firms ADD COLUMN district TEXT;
