UPDATE firms SET onboarding_status = 'submitted' WHERE onboarding_status = 'returned';
UPDATE providers SET listing_status = 'applied' WHERE listing_status = 'returned';
ALTER TABLE firms DROP CONSTRAINT firms_returned_check;
ALTER TABLE firms DROP CONSTRAINT firms_onboarding_status_check;
ALTER TABLE firms ADD CONSTRAINT firms_onboarding_status_check
    CHECK (onboarding_status IN ('submitted', 'onboarded', 'rejected'));
ALTER TABLE firms DROP COLUMN corrections;
ALTER TABLE providers DROP CONSTRAINT providers_returned_check;
ALTER TABLE providers DROP CONSTRAINT providers_listing_status_check;
ALTER TABLE providers ADD CONSTRAINT providers_listing_status_check
    CHECK (listing_status IN ('applied', 'in_notice', 'listed', 'rejected', 'suspended', 'delisted'));
ALTER TABLE providers DROP COLUMN corrections;
