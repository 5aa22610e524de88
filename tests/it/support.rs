use postdesk::ingest::{Incoming, Ingested, Ingestor, Limits, Source};
use postdesk::store::Store;
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).expect("fixture exists")
}

/// A fresh SQLite database in a temp dir, migrated, with an ingestor on it.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub store: Store,
    pub ingestor: Ingestor,
}

impl TestDb {
    pub async fn new() -> Self {
        Self::with_limits(Limits::default()).await
    }

    pub async fn with_limits(limits: Limits) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("open store");
        let ingestor = Ingestor::new(store.clone(), limits)
            .await
            .expect("ingestor");
        Self {
            dir,
            url,
            store,
            ingestor,
        }
    }

    pub async fn ingest(&self, raws: &[Vec<u8>]) -> Vec<Ingested> {
        let inputs = raws
            .iter()
            .map(|raw| Incoming {
                source: Source::Import,
                raw: raw.clone(),
            })
            .collect();
        self.ingestor.ingest(inputs).await.expect("ingest")
    }

    pub async fn ingest_one(&self, raw: &[u8]) -> Ingested {
        self.ingest(&[raw.to_vec()]).await.remove(0)
    }

    pub fn cli(&self, args: &[&str]) -> Output {
        postdesk_cli(args, &[("POSTDESK_DATABASE_URL", &self.url)])
    }
}

pub fn postdesk_cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_postdesk"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run postdesk")
}

/// A minimal plain-text mail.
pub fn mail(
    from: &str,
    subject: &str,
    message_id: &str,
    extra_headers: &str,
    body: &str,
) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@example.com\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n{extra_headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}
