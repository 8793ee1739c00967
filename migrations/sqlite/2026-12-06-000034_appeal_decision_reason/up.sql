-- The reason given for the decision appealed, kept as it was when the appeal was filed
-- (an overturn rewrites the subject's own reason).
ALTER TABLE appeals ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';
