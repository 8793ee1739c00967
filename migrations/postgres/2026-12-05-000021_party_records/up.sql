-- A reviewer sees each applicant's record with the programme beside its application:
-- a firm's redemption items counted by state (a provider's are served by
-- redemption_items_provider_idx).
CREATE INDEX redemption_items_firm_idx ON redemption_items (firm_id, status);
