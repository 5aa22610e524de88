-- Mail in and out (issue 3): where a poller moves mail it could not ingest,
-- and the token buckets that rate-limit automatic answers per recipient.

ALTER TABLE email_domains ADD COLUMN imap_quarantine TEXT;

CREATE TABLE auto_reply_buckets (
    address    TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    updated_at TEXT NOT NULL
);
