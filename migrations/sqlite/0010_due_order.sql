-- Sorting by due time, soonest first (tickets without one last), walks
-- this index instead of sorting every matching ticket. The expressions are
-- the list's own ORDER BY (store/ticket_list.rs). The partial index on
-- due_at (0001) stays for the SLA task's overdue scan.
CREATE INDEX tickets_due_order ON tickets ((due_at IS NULL), due_at);
