-- Who may be copied on a ticket's mail. People the requester or an active
-- participant brings are `active`; whoever else a mail brings (a stranger
-- who found a Message-ID, and the people they copy) waits as `pending`
-- until an agent accepts them. Rows from before this were all copied: active.
ALTER TABLE ticket_participants ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'pending'));
ALTER TABLE ticket_participants ADD COLUMN name TEXT;
