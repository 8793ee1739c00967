-- A qualification a reviewer confirmed from the firm's certificate keeps the
-- certificate's number and the day its validity ends: after that day it stops counting
-- (a claim's rules read it as not held). One set by hand without a certificate keeps
-- none and counts until changed.
ALTER TABLE firms ADD COLUMN high_tech_certificate TEXT;
ALTER TABLE firms ADD COLUMN high_tech_until DATE;
ALTER TABLE firms ADD COLUMN tech_sme_certificate TEXT;
ALTER TABLE firms ADD COLUMN tech_sme_until DATE;
