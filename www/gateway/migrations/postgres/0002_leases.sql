-- Work one instance does at a time (the name.com scan, Openprovider's
-- login): held by `holder` until `until`, then anyone may take it.
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until TEXT NOT NULL            -- RFC 3339 UTC
);
