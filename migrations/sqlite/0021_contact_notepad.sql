-- Who last changed a contact's notepad, and when (shown beside it).
ALTER TABLE contacts ADD COLUMN notepad_updated_by INTEGER REFERENCES agents(id) ON DELETE SET NULL;
ALTER TABLE contacts ADD COLUMN notepad_updated_at TEXT;
-- Contacts by a custom field's value (`GET contacts?field.<key>=`).
CREATE INDEX contact_field_values_field ON contact_field_values (field_id, value);
