//! Secrets at rest: mailbox passwords and webhook secrets are sealed under
//! a key kept outside the database, and the database file is its owner's.
use crate::support::postdesk_cli;
use postdesk::domain::{
    AfterAction, EmailAddress, EmailDomain, ImapSettings, Secret, SmtpSettings, TlsMode,
};
use postdesk::store::Store;
use postdesk::store::webhooks::NewWebhook;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const IMAP_SECRET: &str = "imap-password-in-the-clear";
const SMTP_SECRET: &str = "smtp-password-in-the-clear";
const HOOK_SECRET: &str = "whsec_webhook-secret-in-the-clear";

fn domain() -> EmailDomain {
    EmailDomain {
        id: 0,
        address: EmailAddress::parse("support@example.com").unwrap(),
        name: "Support".into(),
        imap: Some(ImapSettings {
            host: "imap.example.com".into(),
            port: 993,
            tls: TlsMode::Tls,
            username: "support".into(),
            password: Secret::new(IMAP_SECRET),
            folder: "INBOX".into(),
            after: AfterAction::Seen,
            quarantine_folder: None,
        }),
        smtp: Some(SmtpSettings {
            host: "smtp.example.com".into(),
            port: 587,
            tls: TlsMode::Starttls,
            username: Some("support".into()),
            password: Some(Secret::new(SMTP_SECRET)),
        }),
        default_team_id: None,
        enabled: false,
    }
}

async fn with_secrets(store: &Store) -> i64 {
    let id = store.insert_email_domain(&domain()).await.unwrap();
    let hook = NewWebhook {
        url: "https://hooks.example.com/".into(),
        secret: HOOK_SECRET.into(),
        events: Vec::new(),
        enabled: false,
    };
    store.create_webhook(&hook).await.unwrap();
    id
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every byte SQLite has written for the database, write-ahead log included.
fn on_disk(db: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).unwrap();
    let wal = db.with_extension("db-wal");
    bytes.extend(std::fs::read(wal).unwrap_or_default());
    bytes
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn mailbox_and_webhook_secrets_never_reach_the_disk_in_the_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let store = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    assert_eq!(mode(&db), 0o600, "the database is its owner's");
    assert_eq!(
        mode(&dir.path().join("p.db.key")),
        0o600,
        "and so is the key"
    );

    let id = with_secrets(&store).await;
    let bytes = on_disk(&db);
    for secret in [IMAP_SECRET, SMTP_SECRET, HOOK_SECRET] {
        assert!(!contains(&bytes, secret), "{secret} is on disk");
    }
    let stored: (String, String) =
        sqlx::query_as("SELECT imap_password, smtp_password FROM email_domains")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(stored.0.starts_with("sealed:v1:") && stored.1.starts_with("sealed:v1:"));

    let read = store.email_domain(id).await.unwrap().unwrap();
    assert_eq!(read.imap.unwrap().password.expose(), IMAP_SECRET);
    assert_eq!(read.smtp.unwrap().password.unwrap().expose(), SMTP_SECRET);
    assert_eq!(store.webhooks().await.unwrap()[0].secret, HOOK_SECRET);
}

#[tokio::test]
async fn secrets_stored_in_the_clear_are_sealed_when_the_database_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let store = Store::open(&url).await.unwrap();
    let id = with_secrets(&store).await;
    sqlx::query("UPDATE email_domains SET imap_password = $1")
        .bind(IMAP_SECRET)
        .execute(store.writer())
        .await
        .unwrap();
    sqlx::query("UPDATE webhooks SET secret = $1")
        .bind(HOOK_SECRET)
        .execute(store.writer())
        .await
        .unwrap();
    assert_eq!(
        store
            .email_domain(id)
            .await
            .unwrap()
            .unwrap()
            .imap
            .unwrap()
            .password
            .expose(),
        IMAP_SECRET,
        "a clear value still reads"
    );

    let reopened = Store::open(&url).await.unwrap();
    let (imap, hook): (String, String) =
        sqlx::query_as("SELECT imap_password, (SELECT secret FROM webhooks) FROM email_domains")
            .fetch_one(reopened.pool())
            .await
            .unwrap();
    assert!(imap.starts_with("sealed:v1:"), "{imap}");
    assert!(hook.starts_with("sealed:v1:"), "{hook}");
    let read = reopened.email_domain(id).await.unwrap().unwrap();
    assert_eq!(read.imap.unwrap().password.expose(), IMAP_SECRET);
    assert_eq!(reopened.webhooks().await.unwrap()[0].secret, HOOK_SECRET);
}

#[tokio::test]
async fn a_lost_key_file_stops_the_database_opening_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    with_secrets(&Store::open(&url).await.unwrap()).await;
    std::fs::remove_file(dir.path().join("p.db.key")).unwrap();
    let err = Store::open(&url).await.unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.contains("p.db.key") && err.contains("not the one"),
        "{err}"
    );
}

/// `POSTDESK_SECRET_KEY` takes the place of the key file; another key is
/// refused by name.
#[test]
fn the_key_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let key = "0f".repeat(32);
    let run = |key: &str| {
        postdesk_cli(
            &["migrate"],
            &[
                ("POSTDESK_DATABASE_URL", &url),
                ("POSTDESK_SECRET_KEY", key),
            ],
        )
    };
    let out = run(&key);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("p.db.key").exists(), "no key file then");
    assert!(run(&key).status.success(), "the same key again");
    let out = run(&"1e".repeat(32));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("POSTDESK_SECRET_KEY") && stderr.contains("not the one"),
        "{stderr}"
    );
    let out = run("short");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("64 hex"));
}
