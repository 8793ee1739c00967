-- Lottery allocation (摇号): firms register interest before the opening; at the opening
-- a seeded draw orders them and vouchers go out in that order while the budget lasts.
-- Kept identical to the other backend's migration of the same name.

-- One row per lottery batch, written with the batch. The seed stays secret until the
-- draw; its SHA-256 is public from the start, so nobody can choose the seed afterwards.
CREATE TABLE lotteries (
    batch_id TEXT PRIMARY KEY NOT NULL REFERENCES batches (id),
    seed TEXT NOT NULL,
    seed_hash TEXT NOT NULL,
    -- Set by the draw, all together.
    entrants_digest TEXT,
    entrants INTEGER,
    winners INTEGER,
    drawn_at TIMESTAMP,
    drawn_by TEXT REFERENCES users (id),
    CONSTRAINT lotteries_seed_check CHECK (length(seed) = 64 AND length(seed_hash) = 64),
    CONSTRAINT lotteries_drawn_check CHECK (
        (drawn_at IS NULL AND entrants_digest IS NULL AND entrants IS NULL AND winners IS NULL)
        OR (drawn_at IS NOT NULL AND entrants_digest IS NOT NULL AND entrants >= 0
            AND winners >= 0 AND winners <= entrants))
);

CREATE TABLE lottery_entries (
    batch_id TEXT NOT NULL REFERENCES batches (id),
    firm_id TEXT NOT NULL REFERENCES firms (id),
    -- The firm's public identifier: what the published draw lists and hashes.
    credit_code TEXT NOT NULL,
    user_id TEXT REFERENCES users (id),
    face_value_fen BIGINT NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- Set by the draw.
    draw_key TEXT,
    draw_rank INTEGER,
    outcome TEXT,
    voucher_id TEXT REFERENCES vouchers (id),
    PRIMARY KEY (batch_id, firm_id),
    CONSTRAINT lottery_entries_rank_key UNIQUE (batch_id, draw_rank),
    CONSTRAINT lottery_entries_voucher_key UNIQUE (voucher_id),
    CONSTRAINT lottery_entries_face_check CHECK (face_value_fen > 0),
    CONSTRAINT lottery_entries_drawn_check CHECK (
        (draw_rank IS NULL AND draw_key IS NULL AND outcome IS NULL AND voucher_id IS NULL)
        OR (draw_rank >= 1 AND draw_key IS NOT NULL AND outcome IS NOT NULL
            AND (voucher_id IS NULL) = (outcome <> 'won')))
);
CREATE INDEX lottery_entries_firm_idx ON lottery_entries (firm_id);
