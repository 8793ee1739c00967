DROP TABLE subsidy_entitlements;
DROP TABLE performance_scores;
DROP TABLE performance_evaluations;
DROP TABLE support_grants;
DROP TABLE incubatees;
DROP TABLE statistics_filings;
