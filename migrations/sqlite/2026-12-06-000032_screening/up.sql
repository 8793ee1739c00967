-- Screening lists (名单筛查): the register of entries on dishonesty and abnormal-operation
-- lists, as the latest applied import has it. An import is previewed first (its rows
-- kept with it) and applied whole; an entry not in an applied import leaves the register
-- (removed_at), so the history of what was on the list stays. A firm, provider or space
-- whose credit code is on an entry in force is held, unless a reviewer cleared that
-- entry for it as a false match.
CREATE TABLE screening_imports (
    id TEXT NOT NULL PRIMARY KEY,
    file_name TEXT NOT NULL,
    -- The parsed rows, as JSON: what applying writes.
    entries TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    -- pending → applied | discarded | superseded (another import applied first).
    status TEXT NOT NULL,
    -- The import the register stood at when this one was previewed (none: empty).
    base_import_id TEXT,
    added_count INTEGER NOT NULL,
    removed_count INTEGER NOT NULL,
    changed_count INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    CONSTRAINT screening_imports_status_check
        CHECK (status IN ('pending', 'applied', 'discarded', 'superseded')),
    CONSTRAINT screening_imports_decided_check
        CHECK ((status = 'pending') = (decided_at IS NULL)),
    CONSTRAINT screening_imports_counts_check
        CHECK (row_count >= 0 AND added_count >= 0 AND removed_count >= 0 AND changed_count >= 0)
);
CREATE INDEX screening_imports_status_idx ON screening_imports (status, decided_at);
CREATE TABLE screening_entries (
    id TEXT NOT NULL PRIMARY KEY,
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    list_type TEXT NOT NULL,
    listed_on DATE NOT NULL,
    until_on DATE,
    source TEXT NOT NULL,
    added_by_import TEXT NOT NULL REFERENCES screening_imports (id),
    added_at TIMESTAMP NOT NULL,
    removed_by_import TEXT REFERENCES screening_imports (id),
    removed_at TIMESTAMP,
    CONSTRAINT screening_entries_removed_check
        CHECK ((removed_at IS NULL) = (removed_by_import IS NULL)),
    CONSTRAINT screening_entries_dates_check
        CHECK (until_on IS NULL OR until_on >= listed_on)
);
CREATE INDEX screening_entries_code_idx ON screening_entries (credit_code, removed_at);
CREATE TABLE screening_clearances (
    id TEXT NOT NULL PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES screening_entries (id),
    party_kind TEXT NOT NULL,
    party_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    cleared_by TEXT NOT NULL,
    cleared_at TIMESTAMP NOT NULL,
    CONSTRAINT screening_clearances_once UNIQUE (entry_id, party_kind, party_id)
);
