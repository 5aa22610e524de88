-- Mail in and out (issue 3): where a poller moves mail it could not ingest,
-- and the token buckets that rate-limit automatic answers per recipient.

ALTER TABLE email_domains ADD COLUMN imap_quarantine TEXT;

CREATE TABLE auto_reply_buckets (
    address    TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    updated_at TEXT NOT NULL
);

-- Tickets opened from a mailbox whose acknowledgement is not yet queued:
-- written in the ingest transaction, removed in the one that queues the
-- acknowledgement (or decides against it), so a crash in between neither
-- loses nor repeats it.
CREATE TABLE pending_acks (
    ticket_id  INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
