-- Reading tickets: keyword search over subjects and message text, and the
-- indexes the ticket list filters, sorts and counts with.

-- Search. External-content FTS5 indexes (the text is not stored twice),
-- kept current by the triggers below. No per-document sizes (columnsize=0):
-- results are ordered by the list's sort, never ranked, and the ingest path
-- is spared a write per message.
CREATE VIRTUAL TABLE ticket_search USING fts5(
    subject,
    content = 'tickets', content_rowid = 'id',
    columnsize = 0, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE message_search USING fts5(
    body_text,
    content = 'messages', content_rowid = 'id',
    columnsize = 0, tokenize = 'unicode61 remove_diacritics 2'
);
-- Merge 16 segments at a time rather than 4: a quarter less ingest time
-- for a few more segments to read per search.
INSERT INTO message_search (message_search, rank) VALUES ('automerge', 16);
INSERT INTO ticket_search (ticket_search) VALUES ('rebuild');
INSERT INTO message_search (message_search) VALUES ('rebuild');

CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search (rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, subject) VALUES ('delete', old.id, old.subject);
END;
-- Only a new subject touches the index (replies update tickets constantly).
CREATE TRIGGER ticket_search_update AFTER UPDATE OF subject ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, subject) VALUES ('delete', old.id, old.subject);
    INSERT INTO ticket_search (rowid, subject) VALUES (new.id, new.subject);
END;

CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_search (rowid, body_text) VALUES (new.id, new.body_text);
END;
CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, body_text) VALUES ('delete', old.id, old.body_text);
END;
CREATE TRIGGER message_search_update AFTER UPDATE OF body_text ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, body_text) VALUES ('delete', old.id, old.body_text);
    INSERT INTO message_search (rowid, body_text) VALUES (new.id, new.body_text);
END;

-- The default order (most recently updated first) over any filter.
CREATE INDEX tickets_updated ON tickets (updated_at);
-- Creation order (append-only, so cheap to keep).
CREATE INDEX tickets_created ON tickets (created_at);
-- One status, an agent's tickets ("mine") or unassigned ones, in ticket id
-- order: ranges that intersect with others by merging.
CREATE INDEX tickets_status ON tickets (status);
CREATE INDEX tickets_assignee ON tickets (assignee_id);

-- Search hits are messages; their tickets are read from this narrow index
-- instead of the wide message rows.
CREATE INDEX messages_owner ON messages (id, ticket_id);

-- The tickets with a team, tag or field value, in ticket id order and
-- without a visit to the table, so that several intersect by merging.
DROP INDEX ticket_teams_team;
CREATE INDEX ticket_teams_team ON ticket_teams (team_id, ticket_id);
DROP INDEX ticket_tags_tag;
CREATE INDEX ticket_tags_tag ON ticket_tags (tag_id, ticket_id);
DROP INDEX ticket_field_values_field;
CREATE INDEX ticket_field_values_field ON ticket_field_values (field_id, value, ticket_id);

-- How many tickets have each status and assignee (0: unassigned), kept by
-- triggers, so the totals of the common lists (all, by status, mine,
-- unassigned) are read, not counted.
CREATE TABLE ticket_counts (
    status      TEXT NOT NULL,
    assignee_id INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (status, assignee_id)
) WITHOUT ROWID;
INSERT INTO ticket_counts (status, assignee_id, n)
    SELECT status, COALESCE(assignee_id, 0), COUNT(*) FROM tickets GROUP BY 1, 2;

CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (status, assignee_id, n) VALUES (new.status, COALESCE(new.assignee_id, 0), 1)
        ON CONFLICT (status, assignee_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1
        WHERE status = old.status AND assignee_id = COALESCE(old.assignee_id, 0);
END;
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, assignee_id ON tickets
    WHEN old.status IS NOT new.status OR old.assignee_id IS NOT new.assignee_id BEGIN
    UPDATE ticket_counts SET n = n - 1
        WHERE status = old.status AND assignee_id = COALESCE(old.assignee_id, 0);
    INSERT INTO ticket_counts (status, assignee_id, n) VALUES (new.status, COALESCE(new.assignee_id, 0), 1)
        ON CONFLICT (status, assignee_id) DO UPDATE SET n = n + 1;
END;

-- How many tickets each team, tag and field value has, kept by triggers:
-- the list reads them to choose how to combine its filters.
CREATE TABLE ticket_set_sizes (
    kind  TEXT NOT NULL CHECK (kind IN ('team', 'tag', 'field')),
    ref   INTEGER NOT NULL,
    value TEXT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (kind, ref, value)
) WITHOUT ROWID;
INSERT INTO ticket_set_sizes (kind, ref, value, n)
    SELECT 'team', team_id, '', COUNT(*) FROM ticket_teams GROUP BY team_id;
INSERT INTO ticket_set_sizes (kind, ref, value, n)
    SELECT 'tag', tag_id, '', COUNT(*) FROM ticket_tags GROUP BY tag_id;
INSERT INTO ticket_set_sizes (kind, ref, value, n)
    SELECT 'field', field_id, value, COUNT(*) FROM ticket_field_values GROUP BY field_id, value;

CREATE TRIGGER ticket_teams_size_insert AFTER INSERT ON ticket_teams BEGIN
    INSERT INTO ticket_set_sizes (kind, ref, value, n) VALUES ('team', new.team_id, '', 1)
        ON CONFLICT (kind, ref, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_teams_size_delete AFTER DELETE ON ticket_teams BEGIN
    UPDATE ticket_set_sizes SET n = n - 1 WHERE kind = 'team' AND ref = old.team_id AND value = '';
END;
CREATE TRIGGER ticket_tags_size_insert AFTER INSERT ON ticket_tags BEGIN
    INSERT INTO ticket_set_sizes (kind, ref, value, n) VALUES ('tag', new.tag_id, '', 1)
        ON CONFLICT (kind, ref, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_tags_size_delete AFTER DELETE ON ticket_tags BEGIN
    UPDATE ticket_set_sizes SET n = n - 1 WHERE kind = 'tag' AND ref = old.tag_id AND value = '';
END;
CREATE TRIGGER ticket_fields_size_insert AFTER INSERT ON ticket_field_values BEGIN
    INSERT INTO ticket_set_sizes (kind, ref, value, n) VALUES ('field', new.field_id, new.value, 1)
        ON CONFLICT (kind, ref, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_fields_size_delete AFTER DELETE ON ticket_field_values BEGIN
    UPDATE ticket_set_sizes SET n = n - 1
        WHERE kind = 'field' AND ref = old.field_id AND value = old.value;
END;
CREATE TRIGGER ticket_fields_size_update AFTER UPDATE OF field_id, value ON ticket_field_values
    WHEN old.field_id IS NOT new.field_id OR old.value IS NOT new.value BEGIN
    UPDATE ticket_set_sizes SET n = n - 1
        WHERE kind = 'field' AND ref = old.field_id AND value = old.value;
    INSERT INTO ticket_set_sizes (kind, ref, value, n) VALUES ('field', new.field_id, new.value, 1)
        ON CONFLICT (kind, ref, value) DO UPDATE SET n = n + 1;
END;
