-- Deleting tickets (admin): SQLite looks up the child rows of every deleted
-- parent row through the child's foreign key column, scanning the whole
-- table where no index covers it. These three make deleting a ticket cost
-- its own rows rather than a scan of all ingest records (per ticket and per
-- message) and of all attachments (per attachment blob let go).
CREATE INDEX ingest_records_ticket ON ingest_records (ticket_id);
CREATE INDEX ingest_records_stored_message ON ingest_records (stored_message_id);
CREATE INDEX attachments_blob ON attachments (blob_sha256);
