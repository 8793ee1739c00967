-- Single-use links sent by email: a password reset (30 minutes) or, later, a contact
-- address to verify. Only the token's SHA-256 is kept; the link holds the token. A request
-- naming no account is kept too (no user, already used): requests are limited per address.
CREATE TABLE email_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    user_id TEXT REFERENCES users (id),
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    requested_from TEXT NOT NULL,
    requested_by TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    CONSTRAINT email_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id, purpose, created_at);
CREATE INDEX email_tokens_addr_idx ON email_tokens (requested_from, created_at);
-- An account locked by failed sign-ins is unlocked by an administrator or by a
-- completed password reset: failures before the latest unlock no longer count.
CREATE TABLE account_unlocks (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    unlocked_at TIMESTAMP NOT NULL,
    unlocked_by TEXT,
    reason TEXT NOT NULL
);
CREATE INDEX account_unlocks_username_idx ON account_unlocks (username, unlocked_at);
