-- Where a ticket came from: `email`, or the channel of the conversation
-- that opened it (a chatbot flow through `POST tickets`), the external id
-- of that conversation, and what the flow knew (a JSON object of key →
-- text shown to agents).
ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
ALTER TABLE tickets ADD COLUMN linked_conversation TEXT;
ALTER TABLE tickets ADD COLUMN context TEXT NOT NULL DEFAULT '{}';
CREATE INDEX tickets_channel ON tickets (channel);
CREATE INDEX tickets_linked ON tickets (linked_conversation);
