-- When a ban last refused a mail (the admin page shows it beside the hits).
ALTER TABLE bans ADD COLUMN last_hit_at TEXT;
