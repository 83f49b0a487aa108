-- Webhook deliveries already applied, by the SHA-256 of their signed body:
-- name.com signs neither the timestamp nor the nonce, so a captured
-- delivery could be sent again at any time; a repeat is answered without
-- effect. Kept a week (far longer than the accepted age window).
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    digest TEXT PRIMARY KEY,
    received_at TEXT NOT NULL      -- RFC 3339 UTC
);
