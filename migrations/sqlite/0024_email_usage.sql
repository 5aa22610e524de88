-- Emails in and out per email domain per day (UTC), kept by triggers as
-- mail is received (every mail fetched from the domain's mailbox but a
-- duplicate) and sent (every message its outbox delivered), so the usage
-- page, `GET usage` and /metrics read a few rows. No foreign key: a
-- deleted domain's usage stays.
CREATE TABLE email_usage (
    email_domain_id INTEGER NOT NULL,
    day             TEXT NOT NULL,
    emails_in       INTEGER NOT NULL DEFAULT 0,
    emails_out      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (email_domain_id, day)
);

INSERT INTO email_usage (email_domain_id, day, emails_in)
    SELECT email_domain_id, substr(created_at, 1, 10), COUNT(*) FROM ingest_records
    WHERE email_domain_id IS NOT NULL AND outcome <> 'duplicate'
    GROUP BY 1, 2;
INSERT INTO email_usage (email_domain_id, day, emails_out)
    SELECT * FROM (
        SELECT email_domain_id, substr(updated_at, 1, 10) AS day, COUNT(*) AS n FROM outbox
        WHERE status = 'sent' AND email_domain_id IS NOT NULL GROUP BY 1, 2
    ) WHERE true
    ON CONFLICT (email_domain_id, day) DO UPDATE SET emails_out = excluded.emails_out;

CREATE TRIGGER email_usage_in AFTER INSERT ON ingest_records
WHEN new.email_domain_id IS NOT NULL AND new.outcome <> 'duplicate'
BEGIN
    INSERT INTO email_usage (email_domain_id, day, emails_in)
    VALUES (new.email_domain_id, substr(new.created_at, 1, 10), 1)
    ON CONFLICT (email_domain_id, day) DO UPDATE SET emails_in = emails_in + 1;
END;

CREATE TRIGGER email_usage_out AFTER UPDATE OF status ON outbox
WHEN new.status = 'sent' AND old.status <> 'sent' AND new.email_domain_id IS NOT NULL
BEGIN
    INSERT INTO email_usage (email_domain_id, day, emails_out)
    VALUES (new.email_domain_id, substr(new.updated_at, 1, 10), 1)
    ON CONFLICT (email_domain_id, day) DO UPDATE SET emails_out = emails_out + 1;
END;
