-- Invitations: an agent added by an admin gets a link by mail to choose
-- their password. Only the link token's keyed hash is kept; a new
-- invitation replaces the agent's earlier one, using it deletes it.
CREATE TABLE agent_invites (
    id          INTEGER PRIMARY KEY,
    agent_id    INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX agent_invites_agent ON agent_invites (agent_id);
