use crate::mailstack::SUPPORT;
use postdesk::domain::{EmailAddress, Mailbox};
use postdesk::ingest::{Incoming, Ingested, Ingestor, Limits, Source};
use postdesk::store::Store;
use postdesk::store::messages::{Outbound, insert_outbound};
use postdesk::store::outbox;
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

/// The ticket `raw` opens when imported into `store` (as `postdesk import`
/// would).
pub async fn imported_ticket(store: &Store, raw: Vec<u8>) -> i64 {
    let ingestor = Ingestor::new(store.clone(), Limits::default())
        .await
        .expect("ingestor");
    let out = ingestor
        .ingest(vec![Incoming {
            source: Source::Import,
            raw,
        }])
        .await
        .expect("ingest");
    out[0].ticket_id.expect("a ticket")
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

/// Stores a reply on `ticket_id` to `to` and queues it, in one transaction, as the reply
/// service does; returns the message row's id. `tag` makes its Message-ID
/// `<tag@postdesk.example.com>`; `SUPPORT` sends it.
pub async fn queue_reply(
    store: &Store,
    ticket_id: i64,
    domain_id: i64,
    to: &str,
    tag: &str,
) -> i64 {
    let message_id = format!("{tag}@postdesk.example.com");
    let raw = format!(
        "From: Example Support <{SUPPORT}>\r\nTo: {to}\r\nSubject: Re: Pedido [#{tag}]\r\n\
         Message-ID: <{message_id}>\r\nDate: Mon, 3 Mar 2025 12:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nWe are on it.\r\n"
    );
    let reply = Outbound {
        ticket_id,
        message_id,
        in_reply_to: None,
        references: Vec::new(),
        from_address: SUPPORT.into(),
        from_name: Some("Example Support".into()),
        to: vec![Mailbox {
            address: EmailAddress::parse(to).unwrap(),
            name: None,
        }],
        cc: Vec::new(),
        subject: format!("Re: Pedido [#{tag}]"),
        body_text: "We are on it.".into(),
        auto_kind: None,
        author_id: None,
    };
    let now = postdesk::store::now();
    let mut tx = store.begin_write().await.unwrap();
    let id = insert_outbound(&mut tx, &reply, now).await.unwrap();
    let send = outbox::ToSend {
        message: id,
        email_domain_id: Some(domain_id),
        raw: raw.as_bytes(),
        hold: None,
    };
    outbox::enqueue_all(&mut tx, &[send], now).await.unwrap();
    tx.commit().await.unwrap();
    id
}
