-- Email outbox and job runs. Kept identical to the other backend's migration of the
-- same name.

-- One row per email, written in the same transaction as the change that causes it,
-- already rendered (a template error fails that transaction). The dispatcher job sends
-- due rows through lettre; a row is leased to one dispatch run at a time.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    -- The template (claim_succeeded, voucher_expiring, ...).
    kind TEXT NOT NULL,
    locale TEXT NOT NULL,
    to_address TEXT NOT NULL,
    to_name TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Makes an email once-only where the cause may be seen twice (expiry reminders).
    dedupe_key TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- The dispatch run holding the row, and until when.
    locked_by TEXT,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    failed_at TIMESTAMP,
    CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'sent', 'failed')),
    CONSTRAINT outbox_attempts_check CHECK (attempts >= 0),
    CONSTRAINT outbox_sent_check CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CONSTRAINT outbox_failed_check CHECK ((status = 'failed') = (failed_at IS NOT NULL)),
    CONSTRAINT outbox_lock_check CHECK ((locked_by IS NULL) = (locked_until IS NULL))
);
-- Partial: the emails without a key (most; every claim writes one) cost no entry here.
CREATE UNIQUE INDEX outbox_dedupe_key_key ON outbox (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
-- Lists go newest first by id (UUIDv7: creation order), so no index on created_at.

-- One row per (job, time slot): the first process to insert it runs the slot.
CREATE TABLE job_runs (
    id TEXT PRIMARY KEY NOT NULL,
    job TEXT NOT NULL,
    slot TIMESTAMP NOT NULL,
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    -- 1 for the first run of the slot; a failed or interrupted slot run again by hand counts up.
    attempt INTEGER NOT NULL,
    -- host:pid:process id of the server or command that ran it.
    runner TEXT NOT NULL,
    requested_by TEXT REFERENCES users (id),
    started_at TIMESTAMP NOT NULL,
    heartbeat_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    duration_ms BIGINT,
    -- How many things the run did (emails sent, reminders written, lotteries drawn, ...).
    items BIGINT NOT NULL,
    detail TEXT,
    CONSTRAINT job_runs_job_slot_key UNIQUE (job, slot),
    CONSTRAINT job_runs_origin_check CHECK (origin IN ('schedule', 'manual')),
    CONSTRAINT job_runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    CONSTRAINT job_runs_finished_check CHECK ((status = 'running') = (finished_at IS NULL)),
    CONSTRAINT job_runs_attempt_check CHECK (attempt >= 1 AND items >= 0)
);
CREATE INDEX job_runs_started_idx ON job_runs (started_at);
CREATE INDEX job_runs_status_idx ON job_runs (status, heartbeat_at);
