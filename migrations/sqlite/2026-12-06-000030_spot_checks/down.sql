DROP TABLE findings;
DROP TABLE spot_checks;
DROP TABLE spot_check_entries;
DROP TABLE spot_check_draws;
