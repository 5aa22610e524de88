-- The whole Postdesk domain. Portable SQL: the PostgreSQL migration mirrors
-- this file with its own id and time types. Times are RFC 3339 UTC text
-- written by the application (no database-side defaults for times).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE agents (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    signature  TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE team_members (
    team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, agent_id)
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    agent_id     INTEGER REFERENCES agents(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);

CREATE TABLE email_domains (
    id              INTEGER PRIMARY KEY,
    address         TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL DEFAULT '',
    imap_host       TEXT,
    imap_port       INTEGER,
    imap_tls        TEXT NOT NULL DEFAULT 'tls' CHECK (imap_tls IN ('none', 'starttls', 'tls')),
    imap_username   TEXT,
    imap_password   TEXT,
    imap_folder     TEXT NOT NULL DEFAULT 'INBOX',
    imap_after      TEXT NOT NULL DEFAULT 'seen',
    smtp_host       TEXT,
    smtp_port       INTEGER,
    smtp_tls        TEXT NOT NULL DEFAULT 'starttls' CHECK (smtp_tls IN ('none', 'starttls', 'tls')),
    smtp_username   TEXT,
    smtp_password   TEXT,
    default_team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    last_poll_at    TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- IMAP sync state and the poll lease (one instance polls a mailbox at a time).
CREATE TABLE mailbox_sync (
    email_domain_id INTEGER PRIMARY KEY REFERENCES email_domains(id) ON DELETE CASCADE,
    folder          TEXT NOT NULL,
    uidvalidity     INTEGER,
    last_uid        INTEGER NOT NULL DEFAULT 0,
    lease_owner     TEXT,
    lease_until     TEXT
);

CREATE TABLE topics (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
INSERT INTO topics (name, created_at) VALUES ('General', '1970-01-01T00:00:00+00:00');

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    tag_group  TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE custom_fields (
    id         INTEGER PRIMARY KEY,
    scope      TEXT NOT NULL DEFAULT 'ticket' CHECK (scope IN ('ticket', 'contact')),
    key        TEXT NOT NULL,
    label      TEXT NOT NULL,
    field_type TEXT NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'select', 'checkbox')),
    options    TEXT NOT NULL DEFAULT '[]',
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (scope, key)
);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT,
    from_domain TEXT NOT NULL,
    notepad     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE contact_field_values (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    field_id   INTEGER NOT NULL REFERENCES custom_fields(id) ON DELETE CASCADE,
    value      TEXT NOT NULL,
    PRIMARY KEY (contact_id, field_id)
);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
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
CREATE INDEX tickets_status_assignee ON tickets (status, assignee_id, updated_at);
CREATE INDEX tickets_requester ON tickets (requester_id);
CREATE INDEX tickets_from_domain ON tickets (from_domain);
CREATE INDEX tickets_due ON tickets (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE ticket_teams (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    team_id   INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, team_id)
);
CREATE INDEX ticket_teams_team ON ticket_teams (team_id);

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, tag_id)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag_id);

CREATE TABLE ticket_field_values (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    field_id  INTEGER NOT NULL REFERENCES custom_fields(id) ON DELETE CASCADE,
    value     TEXT NOT NULL,
    PRIMARY KEY (ticket_id, field_id)
);
CREATE INDEX ticket_field_values_field ON ticket_field_values (field_id, value);

-- Everyone copied on a ticket's mail. With the senders of its inbound
-- messages, they are the people a subject tag threads for.
CREATE TABLE ticket_participants (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    email     TEXT NOT NULL,
    PRIMARY KEY (ticket_id, email)
);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
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
CREATE INDEX messages_ticket ON messages (ticket_id, id);

-- The raw source of every stored message, kept apart so thread reads stay small.
CREATE TABLE message_sources (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    raw        BLOB NOT NULL
);

-- Attachment bytes, stored once by content hash.
CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY,
    size   INTEGER NOT NULL,
    data   BLOB NOT NULL
);

CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY,
    message_id     INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    blob_sha256    TEXT REFERENCES attachment_blobs(sha256),
    filename       TEXT,
    content_type   TEXT NOT NULL,
    size           INTEGER NOT NULL,
    content_id     TEXT,
    inline         BOOLEAN NOT NULL DEFAULT FALSE,
    omitted_reason TEXT
);
CREATE INDEX attachments_message ON attachments (message_id);

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    body       TEXT NOT NULL,
    colour     TEXT NOT NULL DEFAULT 'yellow',
    edited     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX notes_ticket ON notes (ticket_id);

-- Every change to a ticket: who (agent id, or NULL for the customer/system
-- with actor saying which), what (kind + JSON data), when.
CREATE TABLE ticket_events (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    actor      TEXT NOT NULL,
    agent_id   INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE templates (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    subject    TEXT,
    body       TEXT NOT NULL,
    body_html  TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE bans (
    id         INTEGER PRIMARY KEY,
    pattern    TEXT NOT NULL UNIQUE,
    reason     TEXT NOT NULL DEFAULT '',
    expires_at TEXT,
    hits       INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
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
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL DEFAULT '[]',
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TEXT NOT NULL
);

-- One row per input handed to the pipeline, whatever became of it.
-- source_key identifies the input itself (imap:DOMAIN:UIDVALIDITY:UID or
-- sha256:HASH) so re-fetching or re-importing it is recognised.
CREATE TABLE ingest_records (
    id                INTEGER PRIMARY KEY,
    source            TEXT NOT NULL,
    source_key        TEXT NOT NULL UNIQUE,
    email_domain_id   INTEGER REFERENCES email_domains(id) ON DELETE SET NULL,
    uidvalidity       INTEGER,
    uid               INTEGER,
    message_id        TEXT,
    outcome           TEXT NOT NULL CHECK (outcome IN ('created', 'appended', 'duplicate', 'banned', 'dropped', 'bounce', 'quarantined')),
    reason            TEXT,
    ticket_id         INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
    stored_message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    raw               BLOB,
    created_at        TEXT NOT NULL
);
CREATE INDEX ingest_records_outcome ON ingest_records (outcome, id);
