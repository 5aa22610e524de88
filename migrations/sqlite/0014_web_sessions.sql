-- Agents log in to the pages with a password (argon2 PHC string; NULL: no
-- password yet) and hold a session in the database, so it survives a
-- restart. A session is known by the SHA-256 of its cookie, never the
-- cookie itself, and carries the CSRF token its forms must send back.
ALTER TABLE agents ADD COLUMN password_hash TEXT;

CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_agent ON web_sessions (agent_id);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- A new password or deactivation ends every session of the agent, whichever
-- path (API, CLI, pages) made the change.
CREATE TRIGGER web_sessions_end AFTER UPDATE OF active, password_hash ON agents
    WHEN new.active = 0 OR new.password_hash IS NOT old.password_hash BEGIN
    DELETE FROM web_sessions WHERE agent_id = new.id;
END;
