-- A contact's address may change now (`PATCH contacts/{id}`), so the
-- promise of 0013 (the text a trigger gives to delete a ticket's search
-- entry is the text that was indexed) is kept by moving the entries of the
-- contact's tickets along with the address, in the same statement.
CREATE TRIGGER contact_email_text AFTER UPDATE OF email ON contacts
    WHEN old.email <> new.email BEGIN
    INSERT INTO ticket_text (ticket_text, rowid, text)
        SELECT 'delete', id << 32, subject || char(10) || old.email
        FROM tickets WHERE requester_id = new.id;
    INSERT INTO ticket_text (rowid, text)
        SELECT id << 32, subject || char(10) || new.email
        FROM tickets WHERE requester_id = new.id;
END;
