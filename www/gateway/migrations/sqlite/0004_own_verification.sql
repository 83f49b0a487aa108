-- name.com resellers who verify their registrants themselves
-- (`[namecom.own_verification]`): the ICANN emails sent, each send
-- attempt, and each verification, kept `retention_days` after the contact
-- leaves name.com's unverified list (`left_at`).

-- One row per email: recorded before it is sent, once per contact and
-- stage (initial, reminder-7, reminder-2, suspension, resend-<key>).
CREATE TABLE IF NOT EXISTS own_emails (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    verification_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    template TEXT NOT NULL,        -- <language>/<template>, e.g. de/reminder
    recipient TEXT NOT NULL,
    domains TEXT NOT NULL,         -- JSON array
    subject TEXT NOT NULL DEFAULT '',
    variables TEXT NOT NULL DEFAULT '{}', -- JSON: what the template was rendered with (the link's secret left out)
    link_expires_at TEXT NOT NULL, -- RFC 3339 UTC: verifyBy (or now) + grace
    state TEXT NOT NULL,           -- sending | accepted | retry | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    left_at TEXT,
    UNIQUE (verification_id, stage)
);
CREATE INDEX IF NOT EXISTS own_emails_retry ON own_emails (state, next_attempt_at);

-- Every hand-over to the relay: accepted (the relay's reply) or not (why).
CREATE TABLE IF NOT EXISTS own_email_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email_id INTEGER NOT NULL REFERENCES own_emails (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    event TEXT NOT NULL,           -- accepted | refused | failed
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS own_email_events_at ON own_email_events (at);

-- One row per verification confirmed through a link (Verify Contact).
CREATE TABLE IF NOT EXISTS own_verifications (
    verification_id INTEGER PRIMARY KEY,
    email_id INTEGER NOT NULL,     -- the email whose link was confirmed
    method TEXT NOT NULL,          -- email
    address TEXT NOT NULL,
    domains TEXT NOT NULL,         -- JSON array
    idempotency_key TEXT NOT NULL,
    state TEXT NOT NULL,           -- confirming | verified | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    upstream_status INTEGER,
    detail TEXT,
    requested_at TEXT NOT NULL,
    verified_at TEXT,
    updated_at TEXT NOT NULL,
    left_at TEXT
);
CREATE INDEX IF NOT EXISTS own_verifications_due ON own_verifications (state, next_attempt_at);

-- The language a contact's emails are written in, when the panel's token
-- named one.
CREATE TABLE IF NOT EXISTS own_languages (
    email_lc TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
