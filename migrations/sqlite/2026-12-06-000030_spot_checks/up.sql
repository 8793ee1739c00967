-- Spot checks (回访抽查): a month's draw of approved redemption items, with the seed and
-- every item's tickets and key so anyone can re-draw it; the firms asked; the findings
-- opened when a firm says the service was not delivered as invoiced or does not answer.
CREATE TABLE spot_check_draws (
    id TEXT NOT NULL PRIMARY KEY,
    period TEXT NOT NULL UNIQUE,
    seed TEXT NOT NULL,
    population_digest TEXT NOT NULL,
    population INTEGER NOT NULL,
    sample_size INTEGER NOT NULL,
    rules TEXT NOT NULL,
    drawn_by TEXT NOT NULL,
    drawn_at TIMESTAMP NOT NULL
);
CREATE TABLE spot_check_entries (
    draw_id TEXT NOT NULL REFERENCES spot_check_draws (id),
    item_id TEXT NOT NULL REFERENCES redemption_items (id),
    tickets INTEGER NOT NULL,
    risks TEXT NOT NULL,
    draw_key TEXT NOT NULL,
    sampled BOOLEAN NOT NULL,
    PRIMARY KEY (draw_id, item_id)
);
CREATE TABLE spot_checks (
    id TEXT NOT NULL PRIMARY KEY,
    draw_id TEXT NOT NULL REFERENCES spot_check_draws (id),
    item_id TEXT NOT NULL UNIQUE REFERENCES redemption_items (id),
    firm_id TEXT NOT NULL REFERENCES firms (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    status TEXT NOT NULL,
    answer_by TIMESTAMP NOT NULL,
    delivered BOOLEAN,
    firm_note TEXT,
    answered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX spot_checks_firm_idx ON spot_checks (firm_id, status);
CREATE INDEX spot_checks_due_idx ON spot_checks (status, answer_by);
CREATE TABLE findings (
    id TEXT NOT NULL PRIMARY KEY,
    check_id TEXT NOT NULL UNIQUE REFERENCES spot_checks (id),
    item_id TEXT NOT NULL REFERENCES redemption_items (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    opened_because TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_statement TEXT,
    outcome TEXT,
    corrected_fen BIGINT,
    reason TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP,
    opened_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX findings_item_idx ON findings (item_id, status);
CREATE INDEX findings_provider_idx ON findings (provider_id, outcome);
