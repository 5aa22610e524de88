-- Ids are never reused. SQLite gives a new row max(id) + 1, so deleting the
-- newest ticket, message or outbox row handed its id to the next one, and a
-- webhook, a CSV or a bookmark naming the old id pointed at another
-- customer. AUTOINCREMENT keeps the highest id ever given in
-- sqlite_sequence. SQLite cannot add it to a table, so each table is
-- rebuilt (https://sqlite.org/lang_altertable.html#otheralter): copy,
-- drop, rename (migrations run with foreign keys off, so dropping a
-- parent cascades nothing: Store::migrate checks them after), then
-- the table's own indexes and triggers again, as they stand before this.
-- Dropping a table fires no triggers, so the search index and the kept
-- counts stay as they are. PostgreSQL identities never reuse ids.
PRAGMA legacy_alter_table = ON;

-- tickets
CREATE TABLE tickets_new (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    short_id          TEXT NOT NULL UNIQUE,
    subject           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'pending', 'overdue', 'resolved')),
    priority          TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    requester_id      INTEGER NOT NULL REFERENCES contacts(id),
    from_domain       TEXT NOT NULL,
    email_domain_id   INTEGER REFERENCES email_domains(id) ON DELETE SET NULL,
    assignee_id       INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    topic_id          INTEGER REFERENCES topics(id) ON DELETE SET NULL,
    description       TEXT NOT NULL DEFAULT '',
    created_by        INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    resolved_at       TEXT,
    due_at            TEXT,
    last_message_at   TEXT NOT NULL
);
INSERT INTO tickets_new SELECT * FROM tickets;
DROP TABLE tickets;
ALTER TABLE tickets_new RENAME TO tickets;
CREATE INDEX tickets_assignee ON tickets (assignee_id);
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_created_by ON tickets (created_by);
CREATE INDEX tickets_due ON tickets (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX tickets_due_order ON tickets ((due_at IS NULL), due_at);
CREATE INDEX tickets_due_order_desc ON tickets ((due_at IS NOT NULL), due_at);
CREATE INDEX tickets_from_domain ON tickets (from_domain);
CREATE INDEX tickets_priority ON tickets (priority);
CREATE INDEX tickets_priority_order ON tickets (
    (CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END),
    updated_at
);
CREATE INDEX tickets_requester ON tickets (requester_id);
CREATE INDEX tickets_status ON tickets (status);
CREATE INDEX tickets_status_assignee ON tickets (status, assignee_id, updated_at);
CREATE INDEX tickets_topic ON tickets (topic_id);
CREATE INDEX tickets_updated ON tickets (updated_at);
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1
        WHERE status = old.status AND assignee_id = COALESCE(old.assignee_id, 0) AND priority = old.priority
          AND topic_id = COALESCE(old.topic_id, 0) AND created_by = COALESCE(old.created_by, 0);
END;
CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (status, assignee_id, priority, topic_id, created_by, n)
        VALUES (new.status, COALESCE(new.assignee_id, 0), new.priority, COALESCE(new.topic_id, 0), COALESCE(new.created_by, 0), 1)
        ON CONFLICT (status, assignee_id, priority, topic_id, created_by) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, assignee_id, priority, topic_id, created_by ON tickets
    WHEN old.status IS NOT new.status OR old.assignee_id IS NOT new.assignee_id OR old.priority IS NOT new.priority
      OR old.topic_id IS NOT new.topic_id OR old.created_by IS NOT new.created_by BEGIN
    UPDATE ticket_counts SET n = n - 1
        WHERE status = old.status AND assignee_id = COALESCE(old.assignee_id, 0) AND priority = old.priority
          AND topic_id = COALESCE(old.topic_id, 0) AND created_by = COALESCE(old.created_by, 0);
    INSERT INTO ticket_counts (status, assignee_id, priority, topic_id, created_by, n)
        VALUES (new.status, COALESCE(new.assignee_id, 0), new.priority, COALESCE(new.topic_id, 0), COALESCE(new.created_by, 0), 1)
        ON CONFLICT (status, assignee_id, priority, topic_id, created_by) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_text_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text) VALUES ('delete', old.id << 32, old.subject);
END;
CREATE TRIGGER ticket_text_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_text (rowid, text) VALUES (new.id << 32, new.subject);
END;
CREATE TRIGGER ticket_text_update AFTER UPDATE OF subject ON tickets BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text) VALUES ('delete', old.id << 32, old.subject);
    INSERT INTO ticket_text (rowid, text) VALUES (new.id << 32, new.subject);
END;

-- messages
CREATE TABLE messages_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    direction       TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    message_id      TEXT NOT NULL UNIQUE,
    in_reply_to     TEXT,
    refs            TEXT NOT NULL DEFAULT '',
    from_address    TEXT NOT NULL,
    from_name       TEXT,
    to_addrs        TEXT NOT NULL DEFAULT '[]',
    cc_addrs        TEXT NOT NULL DEFAULT '[]',
    subject         TEXT NOT NULL,
    -- The whole text (HTML-only mail converted). HTML and attachments are
    -- read from the raw source in message_sources, never stored twice.
    body_text       TEXT NOT NULL,
    -- The new text without quoted history; NULL when it is the whole text.
    reply_text      TEXT,
    auto_kind       TEXT,
    author_id       INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    delivery_status TEXT NOT NULL CHECK (delivery_status IN ('received', 'queued', 'sent', 'retrying', 'failed')),
    delivery_error  TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL
);
INSERT INTO messages_new SELECT * FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_ticket ON messages (ticket_id, id);
CREATE TRIGGER message_text_delete AFTER DELETE ON messages BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text)
        VALUES ('delete', (old.ticket_id << 32) + 1 + old.id % 4294967295, old.body_text);
END;
CREATE TRIGGER message_text_insert AFTER INSERT ON messages BEGIN
    INSERT INTO ticket_text (rowid, text)
        VALUES ((new.ticket_id << 32) + 1 + new.id % 4294967295, new.body_text);
END;
CREATE TRIGGER message_text_update AFTER UPDATE OF body_text, ticket_id ON messages BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text)
        VALUES ('delete', (old.ticket_id << 32) + 1 + old.id % 4294967295, old.body_text);
    INSERT INTO ticket_text (rowid, text)
        VALUES ((new.ticket_id << 32) + 1 + new.id % 4294967295, new.body_text);
END;

-- outbox
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    email_domain_id INTEGER REFERENCES email_domains(id) ON DELETE SET NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'retrying', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until    TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
INSERT INTO outbox_new SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
PRAGMA legacy_alter_table = OFF;
