DROP TABLE supplements;
CREATE TABLE appeals_new (
    id TEXT NOT NULL PRIMARY KEY,
    party_kind TEXT NOT NULL,
    party_id TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP NOT NULL,
    grounds TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    outcome_reason TEXT,
    handled_by TEXT,
    handled_at TIMESTAMP,
    escalated_at TIMESTAMP,
    decision_reason TEXT NOT NULL DEFAULT '',
    CONSTRAINT appeals_status_check CHECK (status IN ('open', 'upheld', 'overturned')),
    CONSTRAINT appeals_handled_check CHECK ((status = 'open') = (handled_at IS NULL)),
    CONSTRAINT appeals_other_reviewer_check CHECK (handled_by IS NULL OR decided_by IS NULL OR handled_by <> decided_by),
    CONSTRAINT appeals_once UNIQUE (subject_kind, subject_id, decided_at)
);
INSERT INTO appeals_new (id, party_kind, party_id, subject_kind, subject_id, decision, decided_by, decided_at, grounds, filed_by, filed_at, due_at, status, outcome_reason, handled_by, handled_at, escalated_at, decision_reason)
    SELECT id, party_kind, party_id, subject_kind, subject_id, decision, decided_by, decided_at, grounds, filed_by, filed_at, due_at, status, outcome_reason, handled_by, handled_at, escalated_at, decision_reason FROM appeals;
DROP TABLE appeals;
ALTER TABLE appeals_new RENAME TO appeals;
CREATE INDEX appeals_party_idx ON appeals (party_kind, party_id);
CREATE INDEX appeals_open_idx ON appeals (status, due_at);

CREATE TABLE receivable_recoveries_new (
    id TEXT NOT NULL PRIMARY KEY,
    receivable_id TEXT NOT NULL REFERENCES receivables (id),
    kind TEXT NOT NULL,
    payout_id TEXT REFERENCES payouts (id),
    amount_fen BIGINT NOT NULL,
    live BOOLEAN NOT NULL,
    bank_reference TEXT,
    paid_on DATE,
    recorded_by TEXT,
    recorded_at TIMESTAMP NOT NULL,
    undone_at TIMESTAMP,
    CONSTRAINT receivable_recoveries_amount_check CHECK (amount_fen > 0),
    CONSTRAINT receivable_recoveries_kind_check CHECK (
        (kind = 'offset' AND payout_id IS NOT NULL)
        OR (kind = 'repayment' AND payout_id IS NULL AND bank_reference IS NOT NULL
            AND paid_on IS NOT NULL AND live)),
    CONSTRAINT receivable_recoveries_undone_check CHECK (live = (undone_at IS NULL))
);
INSERT INTO receivable_recoveries_new (id, receivable_id, kind, payout_id, amount_fen, live, bank_reference, paid_on, recorded_by, recorded_at, undone_at)
    SELECT id, receivable_id, kind, payout_id, amount_fen, live, bank_reference, paid_on, recorded_by, recorded_at, undone_at FROM receivable_recoveries;
DROP TABLE receivable_recoveries;
ALTER TABLE receivable_recoveries_new RENAME TO receivable_recoveries;
CREATE INDEX receivable_recoveries_receivable_idx ON receivable_recoveries (receivable_id);
CREATE INDEX receivable_recoveries_payout_idx ON receivable_recoveries (payout_id);

DROP TRIGGER payout_items_payout_check;
DROP TRIGGER payout_items_keys_fixed;
CREATE TABLE payout_items_new (
    payout_id TEXT NOT NULL,
    item_kind TEXT NOT NULL,
    item_id TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    live BOOLEAN NOT NULL,
    PRIMARY KEY (payout_id, item_id),
    CONSTRAINT payout_items_kind_check CHECK (item_kind IN ('redemption', 'entitlement')),
    CONSTRAINT payout_items_amount_check CHECK (amount_fen > 0)
);
INSERT INTO payout_items_new (payout_id, item_kind, item_id, amount_fen, live)
    SELECT payout_id, item_kind, item_id, amount_fen, live FROM payout_items;
DROP TABLE payout_items;
ALTER TABLE payout_items_new RENAME TO payout_items;
CREATE UNIQUE INDEX payout_items_live_key ON payout_items (item_id) WHERE live;
CREATE TRIGGER payout_items_payout_check BEFORE INSERT ON payout_items
WHEN NOT EXISTS (SELECT 1 FROM payouts WHERE id = NEW.payout_id)
BEGIN
    SELECT RAISE(ABORT, 'payout_items.payout_id must name a payout');
END;
CREATE TRIGGER payout_items_keys_fixed BEFORE UPDATE OF payout_id, item_id ON payout_items
BEGIN
    SELECT RAISE(ABORT, 'a payout item''s payout and item never change (only live does)');
END;
