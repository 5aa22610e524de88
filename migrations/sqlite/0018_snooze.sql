-- Snooze: a pending ticket comes back to open at snoozed_until, or at the
-- customer's next reply, whichever comes first. Few tickets are snoozed at
-- a time: the index holds only those, in id order (the Snoozed folder).
ALTER TABLE tickets ADD COLUMN snoozed_until TEXT;
CREATE INDEX tickets_snoozed ON tickets (id) WHERE snoozed_until IS NOT NULL;
