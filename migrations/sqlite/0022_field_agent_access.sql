-- What agents may do with a custom field: edit it, only see it, or not
-- see it at all (admins always see and edit every field).
ALTER TABLE custom_fields ADD COLUMN agent_access TEXT NOT NULL DEFAULT 'edit'
    CHECK (agent_access IN ('edit', 'view', 'hidden'));
