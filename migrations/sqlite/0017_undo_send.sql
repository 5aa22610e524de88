-- Undo send: an agent's reply waits in the outbox (next_attempt_at) for the
-- undo window; while it waits, undo_text holds what the agent wrote (the
-- text before the signature), so taking it back returns it to the composer.
ALTER TABLE outbox ADD COLUMN undo_text TEXT;
