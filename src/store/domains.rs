//! Email domains (the identities mail is received on and sent from), their
//! poll status, and the IMAP sync state and lease of their mailboxes.
use super::sealer::{IMAP_PASSWORD, SMTP_PASSWORD, Sealer};
use super::{Modified, Store};
use crate::domain::{
    AfterAction, EmailAddress, EmailDomain, ImapSettings, Secret, SmtpSettings, TlsMode,
};
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

/// An email domain as declared (config file now, the API later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSpec {
    pub address: EmailAddress,
    pub name: String,
    pub imap: Option<ImapSettings>,
    pub smtp: Option<SmtpSettings>,
    /// Team by name; created when missing.
    pub default_team: Option<String>,
    pub enabled: bool,
}

/// Where a mailbox's sync stands: the UIDVALIDITY it was read under and the
/// highest UID stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncState {
    pub uidvalidity: Option<u32>,
    pub last_uid: u32,
}

const COLUMNS: &str = "id, address, name, imap_host, imap_port, imap_tls, imap_username, imap_password, \
     imap_folder, imap_after, imap_quarantine, smtp_host, smtp_port, smtp_tls, smtp_username, \
     smtp_password, default_team_id, enabled";

/// An email domain with what the API shows besides its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRecord {
    pub domain: EmailDomain,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The settings columns in the order [`bind_settings`] binds them ($1..$17).
const SETTINGS: &str = "address, name, imap_host, imap_port, imap_tls, imap_username, imap_password, \
     imap_folder, imap_after, imap_quarantine, smtp_host, smtp_port, smtp_tls, smtp_username, \
     smtp_password, default_team_id, enabled";

impl Store {
    /// Creates or updates each declared email domain (matched by address);
    /// domains not declared are left alone. Returns them as stored.
    pub async fn sync_email_domains(
        &self,
        specs: &[DomainSpec],
    ) -> anyhow::Result<Vec<EmailDomain>> {
        let mut tx = self.begin_write().await?;
        let now = super::now();
        let mut ids = Vec::with_capacity(specs.len());
        for spec in specs {
            let team_id = match &spec.default_team {
                None => None,
                Some(team) => Some(
                    sqlx::query_scalar::<_, i64>(
                        "INSERT INTO teams (name, created_at) VALUES ($1, $2)
                         ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
                    )
                    .bind(team)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .with_context(|| format!("creating team {team:?}"))?,
                ),
            };
            let domain = EmailDomain {
                id: 0,
                address: spec.address.clone(),
                name: spec.name.clone(),
                imap: spec.imap.clone(),
                smtp: spec.smtp.clone(),
                default_team_id: team_id,
                enabled: spec.enabled,
            };
            let sql = format!(
                "INSERT INTO email_domains ({SETTINGS}, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)
                 ON CONFLICT (address) DO UPDATE SET name = excluded.name,
                    imap_host = excluded.imap_host, imap_port = excluded.imap_port,
                    imap_tls = excluded.imap_tls, imap_username = excluded.imap_username,
                    imap_password = excluded.imap_password, imap_folder = excluded.imap_folder,
                    imap_after = excluded.imap_after, imap_quarantine = excluded.imap_quarantine,
                    smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port,
                    smtp_tls = excluded.smtp_tls, smtp_username = excluded.smtp_username,
                    smtp_password = excluded.smtp_password, default_team_id = excluded.default_team_id,
                    enabled = excluded.enabled, updated_at = excluded.updated_at
                 RETURNING id"
            );
            let sealed = sealed(self.sealer(), &domain);
            let row = bind_settings(sqlx::query(&sql), &sealed)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .with_context(|| format!("storing email domain {}", spec.address))?;
            let id: i64 = row.try_get("id")?;
            ids.push(id);
        }
        tx.commit().await?;
        let all = self.email_domains().await?;
        Ok(all.into_iter().filter(|d| ids.contains(&d.id)).collect())
    }

    pub async fn email_domains(&self) -> anyhow::Result<Vec<EmailDomain>> {
        email_domains_on(&mut *self.pool().acquire().await?, self.sealer()).await
    }

    pub async fn email_domain(&self, id: i64) -> anyhow::Result<Option<EmailDomain>> {
        email_domain_on(&mut *self.pool().acquire().await?, id, self.sealer()).await
    }

    /// Every email domain with its poll status, for the API.
    pub async fn email_domain_records(&self) -> anyhow::Result<Vec<DomainRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS}, last_poll_at, last_error, created_at, updated_at
             FROM email_domains ORDER BY id"
        ))
        .fetch_all(self.pool())
        .await
        .context("reading email domains")?;
        rows.iter()
            .map(|r| record_from_row(r, self.sealer()))
            .collect()
    }

    pub async fn email_domain_record(&self, id: i64) -> anyhow::Result<Option<DomainRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, last_poll_at, last_error, created_at, updated_at
             FROM email_domains WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .context("reading an email domain")?;
        row.as_ref()
            .map(|r| record_from_row(r, self.sealer()))
            .transpose()
    }

    /// Stores a new email domain (`domain.id` is ignored); returns its id.
    pub async fn insert_email_domain(&self, domain: &EmailDomain) -> anyhow::Result<i64> {
        let sql = format!(
            "INSERT INTO email_domains ({SETTINGS}, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)
             RETURNING id"
        );
        let sealed = sealed(self.sealer(), domain);
        let row = bind_settings(sqlx::query(&sql), &sealed)
            .bind(super::now())
            .fetch_one(self.writer())
            .await
            .with_context(|| format!("storing email domain {}", domain.address))?;
        Ok(row.try_get("id")?)
    }

    /// Changes email domain `id` by `change`, which is given its current
    /// settings inside the write transaction. Its poll status and sync
    /// state stay.
    pub async fn modify_email_domain<E>(
        &self,
        id: i64,
        change: impl FnOnce(EmailDomain) -> Result<EmailDomain, E>,
    ) -> anyhow::Result<Modified<E>> {
        let sql = format!(
            "UPDATE email_domains SET ({SETTINGS}, updated_at) =
                ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
             WHERE id = $19"
        );
        self.modify(
            async |c| email_domain_on(c, id, self.sealer()).await,
            change,
            async |c, domain: EmailDomain| {
                let sealed = sealed(self.sealer(), &domain);
                bind_settings(sqlx::query(&sql), &sealed)
                    .bind(super::now())
                    .bind(id)
                    .execute(c)
                    .await
                    .with_context(|| format!("updating email domain {}", domain.address))?;
                Ok(())
            },
        )
        .await
    }

    /// False when there was no such email domain. Its tickets stay (their
    /// link becomes NULL); its mailbox sync state goes.
    pub async fn delete_email_domain(&self, id: i64) -> anyhow::Result<bool> {
        let done = sqlx::query("DELETE FROM email_domains WHERE id = $1")
            .bind(id)
            .execute(self.writer())
            .await
            .context("deleting an email domain")?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a poll: `error` None clears the last error.
    pub async fn record_poll(&self, id: i64, error: Option<&str>) -> anyhow::Result<()> {
        sqlx::query("UPDATE email_domains SET last_poll_at = $1, last_error = $2 WHERE id = $3")
            .bind(super::now())
            .bind(error)
            .bind(id)
            .execute(self.writer())
            .await
            .context("recording a poll")?;
        Ok(())
    }

    /// The poll status: (last_poll_at, last_error).
    pub async fn poll_status(
        &self,
        id: i64,
    ) -> anyhow::Result<(Option<DateTime<Utc>>, Option<String>)> {
        sqlx::query_as("SELECT last_poll_at, last_error FROM email_domains WHERE id = $1")
            .bind(id)
            .fetch_one(self.pool())
            .await
            .context("reading poll status")
    }

    /// The sync state of a domain's folder; a different folder starts afresh.
    pub async fn sync_state(&self, domain_id: i64, folder: &str) -> anyhow::Result<SyncState> {
        let row: Option<(String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT folder, uidvalidity, last_uid FROM mailbox_sync WHERE email_domain_id = $1",
        )
        .bind(domain_id)
        .fetch_optional(self.pool())
        .await
        .context("reading mailbox sync state")?;
        Ok(match row {
            Some((f, validity, last)) if f == folder => SyncState {
                uidvalidity: validity.and_then(|v| u32::try_from(v).ok()),
                last_uid: u32::try_from(last).unwrap_or(0),
            },
            _ => SyncState {
                uidvalidity: None,
                last_uid: 0,
            },
        })
    }

    pub async fn save_sync_state(
        &self,
        domain_id: i64,
        folder: &str,
        state: SyncState,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO mailbox_sync (email_domain_id, folder, uidvalidity, last_uid) VALUES ($1, $2, $3, $4)
             ON CONFLICT (email_domain_id) DO UPDATE SET folder = excluded.folder,
                uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid",
        )
        .bind(domain_id)
        .bind(folder)
        .bind(state.uidvalidity.map(i64::from))
        .bind(i64::from(state.last_uid))
        .execute(self.writer())
        .await
        .context("saving mailbox sync state")?;
        Ok(())
    }

    /// Takes or renews the lease on a domain's mailbox for `owner`: true when
    /// this instance may poll it until `now + ttl`.
    pub async fn lease_mailbox(
        &self,
        domain_id: i64,
        folder: &str,
        owner: &str,
        ttl: Duration,
    ) -> anyhow::Result<bool> {
        let now = super::now();
        let taken = sqlx::query(
            "INSERT INTO mailbox_sync (email_domain_id, folder, lease_owner, lease_until) VALUES ($1, $2, $3, $4)
             ON CONFLICT (email_domain_id) DO UPDATE SET lease_owner = excluded.lease_owner,
                lease_until = excluded.lease_until
             WHERE mailbox_sync.lease_owner IS NULL OR mailbox_sync.lease_owner = excluded.lease_owner
                OR mailbox_sync.lease_until < $5",
        )
        .bind(domain_id)
        .bind(folder)
        .bind(owner)
        .bind(now + ttl)
        .bind(now)
        .execute(self.writer())
        .await
        .context("leasing a mailbox")?;
        Ok(taken.rows_affected() == 1)
    }

    /// Gives the lease back (on shutdown) so another instance can take over at once.
    pub async fn release_mailbox(&self, domain_id: i64, owner: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE mailbox_sync SET lease_owner = NULL, lease_until = NULL
             WHERE email_domain_id = $1 AND lease_owner = $2",
        )
        .bind(domain_id)
        .bind(owner)
        .execute(self.writer())
        .await
        .context("releasing a mailbox lease")?;
        Ok(())
    }
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

/// A domain's settings as they are stored: its passwords sealed.
struct Sealed<'d> {
    domain: &'d EmailDomain,
    imap_password: Option<String>,
    smtp_password: Option<String>,
}

fn sealed<'d>(sealer: &Sealer, domain: &'d EmailDomain) -> Sealed<'d> {
    Sealed {
        domain,
        imap_password: (domain.imap.as_ref())
            .map(|i| sealer.seal(IMAP_PASSWORD, i.password.expose())),
        smtp_password: (domain.smtp.as_ref())
            .and_then(|s| s.password.as_ref())
            .map(|p| sealer.seal(SMTP_PASSWORD, p.expose())),
    }
}

/// Binds a domain's settings as $1..$17 in [`SETTINGS`] order.
fn bind_settings<'q>(q: Query<'q>, s: &'q Sealed<'q>) -> Query<'q> {
    let d = s.domain;
    let imap = d.imap.as_ref();
    let smtp = d.smtp.as_ref();
    q.bind(d.address.as_str())
        .bind(d.name.as_str())
        .bind(imap.map(|i| i.host.as_str()))
        .bind(imap.map(|i| i64::from(i.port)))
        .bind(imap.map_or("tls", |i| i.tls.as_str()))
        .bind(imap.map(|i| i.username.as_str()))
        .bind(s.imap_password.as_deref())
        .bind(imap.map_or("INBOX", |i| i.folder.as_str()))
        .bind(imap.map_or("seen".to_string(), |i| i.after.to_setting()))
        .bind(imap.and_then(|i| i.quarantine_folder.as_deref()))
        .bind(smtp.map(|s| s.host.as_str()))
        .bind(smtp.map(|s| i64::from(s.port)))
        .bind(smtp.map_or("starttls", |s| s.tls.as_str()))
        .bind(smtp.and_then(|s| s.username.as_deref()))
        .bind(s.smtp_password.as_deref())
        .bind(d.default_team_id)
        .bind(d.enabled)
}

fn record_from_row(row: &SqliteRow, sealer: &Sealer) -> anyhow::Result<DomainRecord> {
    Ok(DomainRecord {
        domain: domain_from_row(row, sealer)?,
        last_poll_at: row.try_get("last_poll_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn domain_from_row(row: &SqliteRow, sealer: &Sealer) -> anyhow::Result<EmailDomain> {
    let address: String = row.try_get("address")?;
    let bad = |what: &str, e: crate::domain::Invalid| {
        anyhow::anyhow!("email domain {address}: stored {what} is unusable: {e}")
    };
    let port = |v: Option<i64>| v.and_then(|p| u16::try_from(p).ok());
    let imap = match (
        row.try_get::<Option<String>, _>("imap_host")?,
        port(row.try_get("imap_port")?),
    ) {
        (Some(host), Some(port)) => Some(ImapSettings {
            host,
            port,
            tls: TlsMode::parse(&row.try_get::<String, _>("imap_tls")?)
                .map_err(|e| bad("imap tls", e))?,
            username: row
                .try_get::<Option<String>, _>("imap_username")?
                .unwrap_or_default(),
            password: Secret::new(
                row.try_get::<Option<String>, _>("imap_password")?
                    .map(|p| sealer.open(IMAP_PASSWORD, &p))
                    .transpose()?
                    .unwrap_or_default(),
            ),
            folder: row.try_get("imap_folder")?,
            after: AfterAction::parse(&row.try_get::<String, _>("imap_after")?)
                .map_err(|e| bad("imap after", e))?,
            quarantine_folder: row.try_get("imap_quarantine")?,
        }),
        _ => None,
    };
    let smtp = match (
        row.try_get::<Option<String>, _>("smtp_host")?,
        port(row.try_get("smtp_port")?),
    ) {
        (Some(host), Some(port)) => Some(SmtpSettings {
            host,
            port,
            tls: TlsMode::parse(&row.try_get::<String, _>("smtp_tls")?)
                .map_err(|e| bad("smtp tls", e))?,
            username: row.try_get("smtp_username")?,
            password: row
                .try_get::<Option<String>, _>("smtp_password")?
                .map(|p| sealer.open(SMTP_PASSWORD, &p))
                .transpose()?
                .map(Secret::new),
        }),
        _ => None,
    };
    Ok(EmailDomain {
        id: row.try_get("id")?,
        address: EmailAddress::parse(&address).map_err(|e| bad("address", e))?,
        name: row.try_get("name")?,
        imap,
        smtp,
        default_team_id: row.try_get("default_team_id")?,
        enabled: row.try_get("enabled")?,
    })
}

/// Every email domain, read through `conn`.
pub async fn email_domains_on(
    conn: &mut sqlx::SqliteConnection,
    sealer: &Sealer,
) -> anyhow::Result<Vec<EmailDomain>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM email_domains ORDER BY id"))
        .fetch_all(conn)
        .await
        .context("reading email domains")?;
    rows.iter().map(|r| domain_from_row(r, sealer)).collect()
}

async fn email_domain_on(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    sealer: &Sealer,
) -> anyhow::Result<Option<EmailDomain>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM email_domains WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
    .context("reading an email domain")?;
    row.as_ref().map(|r| domain_from_row(r, sealer)).transpose()
}
