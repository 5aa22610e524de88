-- Sorting by due time walks one of these indexes instead of sorting every
-- matching ticket: soonest first, then latest first, tickets without a
-- due time last either way. Their expressions are the list's own ORDER BY
-- (store/ticket_list.rs); one index cannot serve both, as the "none last"
-- part keeps its direction while the time reverses. The partial index on
-- due_at (0001) stays for the SLA task's overdue scan.
CREATE INDEX tickets_due_order ON tickets ((due_at IS NULL), due_at);
CREATE INDEX tickets_due_order_desc ON tickets ((due_at IS NOT NULL), due_at);
