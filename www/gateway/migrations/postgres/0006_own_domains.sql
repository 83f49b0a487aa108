-- name.com's terms for resellers who send their own verification emails:
-- the email and verification logs are kept "for the duration of the domain
-- registration and for at least two (2) years thereafter". So the gateway
-- learns when each logged domain's registration ends: a daily scan of the
-- account's domains (`GET /core/v1/domains`) records, for every domain an
-- own-verification row names, its `expireDate`, or the first complete scan
-- that no longer listed it (confirmed by a scan a day or more later).
-- Unknown means keep: a domain never seen here holds its rows.
CREATE TABLE IF NOT EXISTS own_domains (
    domain TEXT PRIMARY KEY,               -- lower case
    expire_at TEXT,                        -- RFC 3339 UTC: the last listing's expireDate
    seen_at TEXT,                          -- the last complete scan that listed it
    missing_since TEXT,                    -- the first complete scan since that did not
    missing_confirmed INTEGER NOT NULL DEFAULT 0 -- 1: a scan a day or more later missed it too
);
