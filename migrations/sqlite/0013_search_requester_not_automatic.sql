-- Search finds a ticket by its requester's address and no longer by our
-- own automatic mail (every acknowledgement made "automatic" match every
-- ticket). A ticket's entry in ticket_text (rowid ticket_id << 32) is now
-- its subject and its requester's address; a contact's address never
-- changes and a contact with tickets cannot be deleted, so the text a
-- trigger gives to delete an entry is the text that was indexed. Outbound
-- automatic messages (auto_kind set) are not indexed at all.

-- Out of the index: the automatic messages we sent.
INSERT INTO ticket_text (ticket_text, rowid, text)
    SELECT 'delete', (ticket_id << 32) + 1 + id % 4294967295, body_text
    FROM messages WHERE direction = 'outbound' AND auto_kind IS NOT NULL;

-- Each ticket's entry again, with the requester's address.
INSERT INTO ticket_text (ticket_text, rowid, text)
    SELECT 'delete', id << 32, subject FROM tickets;
INSERT INTO ticket_text (rowid, text)
    SELECT t.id << 32, t.subject || char(10) || c.email
    FROM tickets t JOIN contacts c ON c.id = t.requester_id;

DROP TRIGGER ticket_text_insert;
DROP TRIGGER ticket_text_delete;
DROP TRIGGER ticket_text_update;
CREATE TRIGGER ticket_text_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_text (rowid, text) VALUES (new.id << 32,
        new.subject || char(10) || (SELECT email FROM contacts WHERE id = new.requester_id));
END;
CREATE TRIGGER ticket_text_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text) VALUES ('delete', old.id << 32,
        old.subject || char(10) || (SELECT email FROM contacts WHERE id = old.requester_id));
END;
CREATE TRIGGER ticket_text_update AFTER UPDATE OF subject, requester_id ON tickets BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text) VALUES ('delete', old.id << 32,
        old.subject || char(10) || (SELECT email FROM contacts WHERE id = old.requester_id));
    INSERT INTO ticket_text (rowid, text) VALUES (new.id << 32,
        new.subject || char(10) || (SELECT email FROM contacts WHERE id = new.requester_id));
END;

DROP TRIGGER message_text_insert;
DROP TRIGGER message_text_delete;
DROP TRIGGER message_text_update;
CREATE TRIGGER message_text_insert AFTER INSERT ON messages
    WHEN new.direction = 'inbound' OR new.auto_kind IS NULL BEGIN
    INSERT INTO ticket_text (rowid, text)
        VALUES ((new.ticket_id << 32) + 1 + new.id % 4294967295, new.body_text);
END;
CREATE TRIGGER message_text_delete AFTER DELETE ON messages
    WHEN old.direction = 'inbound' OR old.auto_kind IS NULL BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text)
        VALUES ('delete', (old.ticket_id << 32) + 1 + old.id % 4294967295, old.body_text);
END;
-- A message moved to another ticket is found under its new one.
CREATE TRIGGER message_text_update AFTER UPDATE OF body_text, ticket_id ON messages
    WHEN old.direction = 'inbound' OR old.auto_kind IS NULL BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text)
        VALUES ('delete', (old.ticket_id << 32) + 1 + old.id % 4294967295, old.body_text);
    INSERT INTO ticket_text (rowid, text)
        VALUES ((new.ticket_id << 32) + 1 + new.id % 4294967295, new.body_text);
END;
