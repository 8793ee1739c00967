-- Appeals (申诉 / 复核): a firm, provider or space asks for a decision against it to be
-- looked at again, within the window after the decision. A reviewer other than the one
-- who decided handles it by its deadline (working days); an overturned decision takes
-- effect through the normal flows. One appeal per decision.
CREATE TABLE appeals (
    id TEXT NOT NULL PRIMARY KEY,
    party_kind TEXT NOT NULL,
    party_id TEXT NOT NULL,
    -- redemption_item | firm_onboarding | provider_listing | certification_application
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    -- What was decided (e.g. rejected, suspended), by whom and when.
    decision TEXT NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP NOT NULL,
    grounds TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    -- open → upheld | overturned
    status TEXT NOT NULL,
    outcome_reason TEXT,
    handled_by TEXT,
    handled_at TIMESTAMP,
    escalated_at TIMESTAMP,
    CONSTRAINT appeals_status_check CHECK (status IN ('open', 'upheld', 'overturned')),
    CONSTRAINT appeals_handled_check CHECK ((status = 'open') = (handled_at IS NULL)),
    CONSTRAINT appeals_other_reviewer_check CHECK (handled_by IS NULL OR decided_by IS NULL OR handled_by <> decided_by),
    CONSTRAINT appeals_once UNIQUE (subject_kind, subject_id, decided_at)
);
CREATE INDEX appeals_party_idx ON appeals (party_kind, party_id);
CREATE INDEX appeals_open_idx ON appeals (status, due_at);
