-- Appeals against a spot-check finding or its clawback (subject kinds `finding`,
-- `clawback`), granted whole (`overturned`) or in part (`partly`, with the amount the
-- item is worth now in `granted_fen`). A clawback eased on appeal releases what is still
-- owed (recovery kind `release`: nothing comes in, the programme stops expecting it).
--
-- SQLite changes a CHECK only by rebuilding the table. Nothing refers to appeals,
-- receivable_recoveries or payout_items by a foreign key (supplements, made below, is
-- the first to refer to appeals), so the rebuilds run in the migration's transaction;
-- the payout items' triggers are made again. Kept equivalent to the PostgreSQL migration.
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
    granted_fen BIGINT,
    CONSTRAINT appeals_status_check CHECK (status IN ('open', 'upheld', 'overturned', 'partly')),
    CONSTRAINT appeals_handled_check CHECK ((status = 'open') = (handled_at IS NULL)),
    CONSTRAINT appeals_other_reviewer_check CHECK (handled_by IS NULL OR decided_by IS NULL OR handled_by <> decided_by),
    CONSTRAINT appeals_granted_check CHECK (granted_fen IS NULL OR (granted_fen > 0 AND status IN ('overturned', 'partly'))),
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
            AND paid_on IS NOT NULL AND live)
        OR (kind = 'release' AND payout_id IS NULL AND live)),
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
    CONSTRAINT payout_items_kind_check CHECK (item_kind IN ('redemption', 'entitlement', 'supplement')),
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

-- Supplements (补付款): what the programme pays a provider after an appeal raised a
-- spot-check finding's amount: what offsets and repayments had already recovered beyond
-- the debt that is left, or the part of an item already paid at the lower amount.
-- Carried by the next settlement run like an item (payout item kind `supplement`); one
-- per appeal, so nothing is paid twice.
CREATE TABLE supplements (
    id TEXT NOT NULL PRIMARY KEY,
    appeal_id TEXT NOT NULL REFERENCES appeals (id),
    finding_id TEXT NOT NULL REFERENCES findings (id),
    item_id TEXT NOT NULL REFERENCES redemption_items (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    amount_fen BIGINT NOT NULL,
    -- payable (waiting for a run, or in one) → paid
    status TEXT NOT NULL,
    payable_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT supplements_amount_check CHECK (amount_fen > 0),
    CONSTRAINT supplements_status_check CHECK (status IN ('payable', 'paid')),
    CONSTRAINT supplements_appeal_key UNIQUE (appeal_id)
);
CREATE INDEX supplements_payable_idx ON supplements (status, payable_at);
CREATE INDEX supplements_provider_idx ON supplements (provider_id);
