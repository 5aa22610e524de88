-- Keyword search keyed by ticket. One contentless FTS5 index holds each
-- ticket's subject and the text of each of its messages, under a rowid
-- that starts with the ticket's id: ticket_id << 32 for the subject,
-- (ticket_id << 32) + 1 + message_id % 4294967295 for a message. A match
-- then names its ticket (rowid >> 32) without reading anything else, in
-- ticket id order, so the matching tickets of a common word are counted
-- and intersected with the list's other filters without a lookup per
-- message. (Ticket ids must stay below 2^31; message ids of one ticket
-- must not differ by a multiple of 2^32 - 1.)
--
-- Contentless: the text is not stored a third time. The triggers delete an
-- entry by giving its old text, as FTS5 requires.
DROP TRIGGER ticket_search_insert;
DROP TRIGGER ticket_search_delete;
DROP TRIGGER ticket_search_update;
DROP TRIGGER message_search_insert;
DROP TRIGGER message_search_delete;
DROP TRIGGER message_search_update;
DROP TABLE ticket_search;
DROP TABLE message_search;
-- Only search read message ids into tickets through it.
DROP INDEX messages_owner;

CREATE VIRTUAL TABLE ticket_text USING fts5(
    text,
    content = '', columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Merge 16 segments at a time rather than 4 (see 0003).
INSERT INTO ticket_text (ticket_text, rank) VALUES ('automerge', 16);
INSERT INTO ticket_text (rowid, text) SELECT id << 32, subject FROM tickets;
INSERT INTO ticket_text (rowid, text)
    SELECT (ticket_id << 32) + 1 + id % 4294967295, body_text FROM messages;

CREATE TRIGGER ticket_text_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_text (rowid, text) VALUES (new.id << 32, new.subject);
END;
CREATE TRIGGER ticket_text_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text) VALUES ('delete', old.id << 32, old.subject);
END;
-- Only a new subject touches the index (replies update tickets constantly).
CREATE TRIGGER ticket_text_update AFTER UPDATE OF subject ON tickets BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text) VALUES ('delete', old.id << 32, old.subject);
    INSERT INTO ticket_text (rowid, text) VALUES (new.id << 32, new.subject);
END;

CREATE TRIGGER message_text_insert AFTER INSERT ON messages BEGIN
    INSERT INTO ticket_text (rowid, text)
        VALUES ((new.ticket_id << 32) + 1 + new.id % 4294967295, new.body_text);
END;
CREATE TRIGGER message_text_delete AFTER DELETE ON messages BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text)
        VALUES ('delete', (old.ticket_id << 32) + 1 + old.id % 4294967295, old.body_text);
END;
-- A message moved to another ticket is found under its new one.
CREATE TRIGGER message_text_update AFTER UPDATE OF body_text, ticket_id ON messages BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text)
        VALUES ('delete', (old.ticket_id << 32) + 1 + old.id % 4294967295, old.body_text);
    INSERT INTO ticket_text (rowid, text)
        VALUES ((new.ticket_id << 32) + 1 + new.id % 4294967295, new.body_text);
END;
