//! A running gateway for end-to-end tests: the real mail stack (Dovecot +
//! SMTP receiver), a temp SQLite file and `serve`'s pollers and sender,
//! in-process, configured through the same TOML a user writes.
use crate::mailstack::{CUSTOMER, CUSTOMER_PASSWORD, MailStack, SUPPORT, SUPPORT_PASSWORD};
use postdesk::commands::serve::{self, Running};
use postdesk::config::Config;
use postdesk::domain::{AfterAction, ImapSettings, Secret, TlsMode};
use postdesk::inbound::imap::ImapSession;
use postdesk::inbound::tls::TlsConfig;
use postdesk::store::Store;
use std::future::Future;
use std::time::{Duration, Instant};

pub struct Gateway {
    _dir: tempfile::TempDir,
    pub config: Config,
    pub running: Option<Running>,
}

/// The config file of one gateway instance on `stack`: quick polls and
/// retries; `extra` is more top-level TOML (keys, then sections).
pub fn config_text(
    stack: &MailStack,
    db: &str,
    address: &str,
    password: &str,
    extra: &str,
) -> String {
    let top = format!(
        "listen = \"127.0.0.1:0\"\npoll_interval = 1\n{extra}\n\n[outbound]\nretry_base_secs = 0.2\nundo_secs = 0"
    );
    stack.gateway_config(db, address, password, &top)
}

impl Gateway {
    /// A gateway for SUPPORT; `extra` is more TOML (top-level sections).
    pub async fn start(stack: &MailStack, extra: &str) -> Gateway {
        Self::start_for(stack, SUPPORT, SUPPORT_PASSWORD, extra, "").await
    }

    /// A gateway whose agents' replies wait `secs` to be taken back
    /// (`outbound.undo_secs`; the others send at once).
    pub async fn start_with_undo(stack: &MailStack, extra: &str, secs: u64) -> Gateway {
        Self::start_edited(stack, SUPPORT, SUPPORT_PASSWORD, extra, |text| {
            text.replace("undo_secs = 0", &format!("undo_secs = {secs}"))
        })
        .await
    }

    /// `imap_extra` goes into the `[email_domain.imap]` section.
    pub async fn start_for(
        stack: &MailStack,
        address: &str,
        password: &str,
        extra: &str,
        imap_extra: &str,
    ) -> Gateway {
        Self::start_edited(stack, address, password, extra, |text| {
            if imap_extra.is_empty() {
                return text;
            }
            text.replace(
                "\n[email_domain.smtp]",
                &format!("{imap_extra}\n\n[email_domain.smtp]"),
            )
        })
        .await
    }

    /// A gateway on the config [`config_text`] writes, changed by `edit`.
    async fn start_edited(
        stack: &MailStack,
        address: &str,
        password: &str,
        extra: &str,
        edit: impl FnOnce(String) -> String,
    ) -> Gateway {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = format!("sqlite://{}", dir.path().join("gateway.db").display());
        let text = edit(config_text(stack, &db, address, password, extra));
        let config = Config::parse(&text, &[]).expect("test config");
        let running = serve::start(&config).await.expect("start the gateway");
        Gateway {
            _dir: dir,
            config,
            running: Some(running),
        }
    }

    pub fn store(&self) -> &Store {
        &self.running.as_ref().expect("running").store
    }

    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    pub async fn restart(&mut self) {
        self.stop().await;
        self.running = Some(
            serve::start(&self.config)
                .await
                .expect("restart the gateway"),
        );
    }

    pub async fn ticket_count(&self) -> i64 {
        self.store().count("tickets").await.expect("count")
    }
}

/// Polls `check` every 20 ms until it gives Some, or panics after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every message in a user's folder, raw, read over IMAP.
pub async fn mailbox(stack: &MailStack, user: &str, password: &str, folder: &str) -> Vec<Vec<u8>> {
    let settings = ImapSettings {
        host: "127.0.0.1".into(),
        port: stack.imap_port(),
        tls: TlsMode::None,
        username: user.into(),
        password: Secret::new(password),
        folder: folder.into(),
        after: AfterAction::Seen,
        quarantine_folder: None,
    };
    let tls = TlsConfig::webpki().expect("tls config");
    let mut s = ImapSession::connect(&settings, &tls, Duration::from_secs(10))
        .await
        .expect("connect as the mailbox's user");
    s.select(folder).await.expect("select");
    let uids = s.new_uids(0).await.expect("search");
    let got = s.fetch(&uids).await.expect("fetch");
    let _ = s.logout().await;
    got.into_iter().map(|(_, raw)| raw).collect()
}

pub async fn customer_inbox(stack: &MailStack) -> Vec<Vec<u8>> {
    mailbox(stack, CUSTOMER, CUSTOMER_PASSWORD, "INBOX").await
}

/// A header's raw value (unfolded) in a raw message.
pub fn header(raw: &[u8], name: &str) -> Option<String> {
    let msg = mail_parser::MessageParser::default().parse(raw)?;
    let value = msg.header_raw(name)?;
    Some(
        value
            .replace("\r\n", "")
            .replace('\n', "")
            .trim()
            .to_string(),
    )
}

/// A plain mail from the customer to support.
pub fn customer_mail(message_id: &str, subject: &str, body: &str, extra_headers: &str) -> String {
    format!(
        "From: Carla Customer <{CUSTOMER}>\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n{extra_headers}\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

pub const SECOND: Duration = Duration::from_secs(1);

pub fn stack() -> MailStack {
    MailStack::start().expect("mail stack")
}

pub async fn only_ticket(gw: &Gateway) -> postdesk::store::tickets::TicketRow {
    let tickets = gw.store().tickets().await.unwrap();
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    tickets.into_iter().next().unwrap()
}

pub async fn wait_tickets(gw: &Gateway, n: i64, limit: Duration) {
    eventually(&format!("{n} tickets"), limit, || async {
        (gw.ticket_count().await >= n).then_some(())
    })
    .await;
}

/// The acknowledgement in the customer's INBOX (waits for it).
pub async fn acknowledgement(stack: &MailStack) -> Vec<u8> {
    let inbox = eventually("the acknowledgement", 10 * SECOND, || async {
        let inbox = customer_inbox(stack).await;
        (!inbox.is_empty()).then_some(inbox)
    })
    .await;
    assert_eq!(inbox.len(), 1, "one acknowledgement");
    inbox.into_iter().next().unwrap()
}
