-- Staff bulk resends in `serve`: planned by the registrar's limits when
-- staff ask, sent one by one by whichever instance takes the next due row,
-- kept across restarts and seen by every staff browser.
CREATE TABLE IF NOT EXISTS resend_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    contact TEXT NOT NULL,         -- the staff endpoints' id (name.com's verification id, else the email)
    operation TEXT NOT NULL,
    idempotency_key TEXT NOT NULL, -- one intent per row: a retry never sends twice
    due_at TEXT NOT NULL,          -- RFC 3339 UTC
    state TEXT NOT NULL,           -- waiting | sending | sent | failed | done
    detail TEXT,                   -- why it did not go (the registrar's words, or the gateway's)
    staff TEXT NOT NULL,           -- who asked (the token's sub)
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resend_queue_due ON resend_queue (state, due_at);
CREATE INDEX IF NOT EXISTS resend_queue_contact ON resend_queue (provider, contact);
