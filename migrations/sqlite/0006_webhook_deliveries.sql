-- Webhooks: deliveries are rows, so a restart
-- loses none, and the dispatcher's place in ticket_events is persisted, so
-- no event is fanned out twice or skipped.
ALTER TABLE webhooks ADD COLUMN updated_at TEXT;

-- One POST of one event to one webhook; `payload` is the exact body that
-- is signed and sent on every attempt.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL,
    ticket_id       INTEGER,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'retrying', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until    TEXT,
    last_error      TEXT,
    response_code   INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    delivered_at    TEXT,
    UNIQUE (webhook_id, event_id, event)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- How far a background worker has read a log table (by id).
CREATE TABLE worker_cursors (
    name       TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
-- Webhooks hear of events from now on, not of the history before them.
INSERT INTO worker_cursors (name, position, updated_at)
SELECT 'webhooks', COALESCE(MAX(id), 0), strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM ticket_events;
