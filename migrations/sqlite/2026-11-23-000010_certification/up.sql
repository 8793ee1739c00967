-- Certification of carriers (孵化器、众创空间认定/备案): applications with their figures and
-- the rule engine's evaluation as they were on the day, and the certifications granted.
-- Kept identical to the other backend's migration of the same name.

CREATE TABLE certification_applications (
    id TEXT PRIMARY KEY NOT NULL,
    space_id TEXT NOT NULL REFERENCES spaces (id),
    scheme TEXT NOT NULL,
    -- The scheme, the figures and the evaluation as they were when filed (JSON).
    scheme_snapshot TEXT NOT NULL,
    figures TEXT NOT NULL,
    evaluation TEXT NOT NULL,
    eligible BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    submitted_by TEXT REFERENCES users (id),
    submitted_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_reason TEXT,
    CONSTRAINT certification_applications_status_check CHECK (status IN ('submitted', 'certified', 'refused', 'withdrawn')),
    CONSTRAINT certification_applications_refused_check CHECK (status <> 'refused' OR decision_reason IS NOT NULL),
    -- Only an application that meets every criterion is certified.
    CONSTRAINT certification_applications_certified_check CHECK (status <> 'certified' OR eligible)
);
-- One open application per space and scheme.
CREATE UNIQUE INDEX certification_applications_open_key ON certification_applications (space_id, scheme) WHERE status = 'submitted';
CREATE INDEX certification_applications_status_idx ON certification_applications (status, submitted_at);
CREATE INDEX certification_applications_space_idx ON certification_applications (space_id);

CREATE TABLE certifications (
    id TEXT PRIMARY KEY NOT NULL,
    space_id TEXT NOT NULL REFERENCES spaces (id),
    scheme TEXT NOT NULL,
    level TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES certification_applications (id),
    certified_on DATE NOT NULL,
    -- Where the scheme limits it; otherwise valid until revoked.
    valid_until DATE,
    status TEXT NOT NULL,
    revoked_on DATE,
    revoke_reason TEXT,
    revoked_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT certifications_application_key UNIQUE (application_id),
    CONSTRAINT certifications_level_check CHECK (level IN ('national', 'provincial', 'municipal')),
    CONSTRAINT certifications_status_check CHECK (status IN ('active', 'revoked', 'expired')),
    CONSTRAINT certifications_revoked_check CHECK ((status = 'revoked') = (revoked_on IS NOT NULL AND revoke_reason IS NOT NULL)),
    CONSTRAINT certifications_dates_check CHECK ((valid_until IS NULL OR valid_until > certified_on)
        AND (revoked_on IS NULL OR revoked_on >= certified_on))
);
-- One certification in force per space and scheme.
CREATE UNIQUE INDEX certifications_active_key ON certifications (space_id, scheme) WHERE status = 'active';
CREATE INDEX certifications_space_idx ON certifications (space_id);
