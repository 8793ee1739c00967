-- A reviewer may return a firm's onboarding or a provider's listing application for
-- correction (退回补正) with the list of what to fix; the applicant corrects and resubmits.
-- `corrections` keeps that list (a JSON array of strings) while the application is
-- returned; the audit trail keeps every earlier one.
ALTER TABLE firms ADD COLUMN corrections TEXT;
ALTER TABLE firms DROP CONSTRAINT firms_onboarding_status_check;
ALTER TABLE firms ADD CONSTRAINT firms_onboarding_status_check
    CHECK (onboarding_status IN ('submitted', 'returned', 'onboarded', 'rejected'));
ALTER TABLE firms ADD CONSTRAINT firms_returned_check
    CHECK ((onboarding_status = 'returned') = (corrections IS NOT NULL));
ALTER TABLE providers ADD COLUMN corrections TEXT;
ALTER TABLE providers DROP CONSTRAINT providers_listing_status_check;
ALTER TABLE providers ADD CONSTRAINT providers_listing_status_check
    CHECK (listing_status IN ('applied', 'returned', 'in_notice', 'listed', 'rejected', 'suspended', 'delisted'));
ALTER TABLE providers ADD CONSTRAINT providers_returned_check
    CHECK ((listing_status = 'returned') = (corrections IS NOT NULL));
