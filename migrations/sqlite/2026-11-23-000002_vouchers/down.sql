DROP TABLE claim_outcomes;
DROP TABLE ledger_entries;
DROP TABLE vouchers;
DROP TABLE batch_topups;
DROP TABLE batches;
DROP TABLE programmes;
