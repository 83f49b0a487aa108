-- The gateway's store (and the demo's resend log), SQLite.

-- One row per resend that goes upstream, written (and synced) before the
-- request leaves, completed with the registrar's answer. A row with neither
-- `upstream_status` nor `error` is a resend whose outcome is unknown: the
-- process died (or is still waiting) after asking the registrar.
CREATE TABLE IF NOT EXISTS resends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,      -- RFC 3339 UTC, before the upstream call
    session TEXT NOT NULL,         -- the demo's session hash; `token` in the gateway
    registrant TEXT NOT NULL,      -- the demo's registrant; the token's `sub` in the gateway
    provider TEXT NOT NULL,        -- dna | namecom | openprovider
    contact TEXT NOT NULL,         -- the contact id (registry key, or the token's contact `id`)
    email TEXT NOT NULL,
    domains TEXT NOT NULL,         -- JSON array
    operation TEXT NOT NULL,       -- restart, start, resend, ResendContactVerificationNotice
    idempotency_key TEXT,
    upstream_status INTEGER,       -- the registrar's HTTP status
    upstream_body TEXT,            -- the registrar's body, credentials redacted
    error TEXT,                    -- why no answer came (timeout, connection failed, ...)
    answered_at TEXT
);
CREATE INDEX IF NOT EXISTS resends_created_at ON resends (created_at);

-- A resend intent: (provider, contact, key) is claimed before anything goes
-- upstream; a retry gets the stored answer, or `pending` while the first is
-- still running.
CREATE TABLE IF NOT EXISTS intents (
    provider TEXT NOT NULL,
    contact TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,     -- what was asked (operation), to refuse a key reused differently
    state TEXT NOT NULL,           -- pending | done
    status INTEGER,
    content_type TEXT,
    body BLOB,
    headers TEXT,                  -- JSON object of forwarded headers
    created_at TEXT NOT NULL,
    PRIMARY KEY (provider, contact, idempotency_key)
);

-- Events counted for rate limits and cooldowns: `bucket` names what is
-- counted (`contact:namecom:c-77`, `account:namecom`).
CREATE TABLE IF NOT EXISTS rate_events (
    bucket TEXT NOT NULL,
    at TEXT NOT NULL,              -- RFC 3339 UTC
    until TEXT                     -- for a cooldown: when the next is allowed
);
CREATE INDEX IF NOT EXISTS rate_events_bucket_at ON rate_events (bucket, at);

-- Small shared values (Openprovider's token).
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The mirror of name.com's unverified list.
CREATE TABLE IF NOT EXISTS namecom_contacts (
    verification_id INTEGER PRIMARY KEY,
    email TEXT,                    -- NULL when only a webhook told of it
    email_lc TEXT,
    create_date TEXT,
    verify_by TEXT,
    domains TEXT NOT NULL,         -- JSON array
    scan INTEGER NOT NULL          -- the scan that last saw it (a webhook: the next scan)
);
CREATE INDEX IF NOT EXISTS namecom_contacts_email ON namecom_contacts (email_lc);

CREATE TABLE IF NOT EXISTS namecom_scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    completed_at TEXT,
    pages INTEGER NOT NULL DEFAULT 0,
    contacts INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
