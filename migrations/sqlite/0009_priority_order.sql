-- Sorting by priority (most urgent first, then most recently updated)
-- walks this index instead of sorting every matching ticket. The
-- expression is the list's own (store/ticket_list.rs, PRIORITY_RANK)
-- character for character, so SQLite sees the ORDER BY in it.
CREATE INDEX tickets_priority_order ON tickets (
    (CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END),
    updated_at
);
