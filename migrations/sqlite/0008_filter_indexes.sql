-- The list's remaining filters as index ranges in ticket id order, so
-- `priority=urgent`, `topic=3|none` or `created_by=7|none` are arms like a
-- status (see store/ticket_arms.rs) instead of a scan of every ticket.
-- The topic and creator indexes also serve deleting a topic or an agent,
-- which clears the column on their tickets.
CREATE INDEX tickets_priority ON tickets (priority);
CREATE INDEX tickets_topic ON tickets (topic_id);
CREATE INDEX tickets_created_by ON tickets (created_by);

-- The kept counts (0003) also by priority, topic and creator (0: none), so
-- every filter on a ticket's own columns but the requester domain has its
-- total read, not counted, and sizes its arm exactly.
DROP TRIGGER ticket_counts_insert;
DROP TRIGGER ticket_counts_delete;
DROP TRIGGER ticket_counts_update;
DROP TABLE ticket_counts;
CREATE TABLE ticket_counts (
    status      TEXT NOT NULL,
    assignee_id INTEGER NOT NULL,
    priority    TEXT NOT NULL,
    topic_id    INTEGER NOT NULL,
    created_by  INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (status, assignee_id, priority, topic_id, created_by)
) WITHOUT ROWID;
INSERT INTO ticket_counts (status, assignee_id, priority, topic_id, created_by, n)
    SELECT status, COALESCE(assignee_id, 0), priority, COALESCE(topic_id, 0), COALESCE(created_by, 0), COUNT(*)
    FROM tickets GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (status, assignee_id, priority, topic_id, created_by, n)
        VALUES (new.status, COALESCE(new.assignee_id, 0), new.priority, COALESCE(new.topic_id, 0), COALESCE(new.created_by, 0), 1)
        ON CONFLICT (status, assignee_id, priority, topic_id, created_by) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1
        WHERE status = old.status AND assignee_id = COALESCE(old.assignee_id, 0) AND priority = old.priority
          AND topic_id = COALESCE(old.topic_id, 0) AND created_by = COALESCE(old.created_by, 0);
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
