-- A half-written reply or note, one per agent and ticket, saved as the
-- agent types so that it survives a reload, leaving the page and another
-- browser; gone once the agent sends a reply or adds a note there.
CREATE TABLE drafts (
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    agent_id   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    mode       TEXT NOT NULL CHECK (mode IN ('reply', 'note')),
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, agent_id)
);
CREATE INDEX drafts_agent ON drafts (agent_id);
