//! One IMAP connection for the poller: log in, select a folder, find new
//! UIDs, fetch raw messages without marking them \Seen, act on them after
//! they are stored, and IDLE until the server reports something.
//!
//! async-imap parses the responses and owns the session; the commands are
//! sent here with `run_command` and their responses read one by one, so
//! every unsolicited EXISTS is seen (async-imap's own channel for them holds
//! 100 and drops the rest), a fetch copies each body once, and errors carry
//! the server's words (`[TRYCREATE] Mailbox doesn't exist: Archive`).
use crate::domain::{AfterAction, ImapSettings};
use crate::inbound::tls::{MaybeTls, TlsConfig};
use crate::inbound::uid_set::{MAX_SET_LEN, uid_sets};
use anyhow::{Context, anyhow, bail};
use async_imap::imap_proto::{
    AttributeValue, MailboxDatum, RequestId, Response, ResponseCode, Status,
};
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufStream};

mod connect;
mod idle;

use connect::{Session, words};
pub use idle::IdleOutcome;

/// The byte stream under the session.
pub(crate) type Conn = BufStream<MaybeTls>;

/// The server refused the user name or password (not a network problem):
/// retrying will not help until the settings change.
#[derive(Debug, thiserror::Error)]
#[error("login refused for {user} by {server}: {words}")]
pub struct LoginRefused {
    pub user: String,
    pub server: String,
    /// The server's answer, e.g. `[AUTHENTICATIONFAILED] Authentication failed.`
    pub words: String,
}

/// What the server offers that changes how the poller works.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// RFC 2177: wait for new mail without polling.
    pub idle: bool,
    /// RFC 6851: UID MOVE.
    pub move_: bool,
    /// RFC 4315: UID EXPUNGE (expunge only our own messages).
    pub uidplus: bool,
}

/// A selected folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selected {
    pub uidvalidity: u32,
    pub uid_next: Option<u32>,
    pub exists: u32,
}

/// An authenticated IMAP connection. After an IO error or a timeout every
/// call fails at once: connect again.
pub struct ImapSession {
    session: Session,
    capabilities: Capabilities,
    /// How long one read or write may take.
    timeout: Duration,
    /// `user on host:port`, for errors.
    server: String,
    /// An EXISTS arrived since the last `new_uids` (or `select`).
    saw_exists: bool,
    /// The text of a `* BYE`, to explain a closed connection.
    bye: Option<String>,
    /// Why the connection can no longer be used.
    broken: Option<String>,
    /// The server's greeting, in its words.
    greeting: String,
}

/// The tagged end of a command.
struct Done {
    ok: bool,
    try_create: bool,
    words: String,
}

impl ImapSession {
    /// Connects, secures the connection as `settings.tls` says and logs in.
    /// `timeout` bounds each step (and later each read or write).
    #[tracing::instrument(level = "debug", skip_all, fields(host = %settings.host, port = settings.port))]
    pub async fn connect(
        settings: &ImapSettings,
        tls: &TlsConfig,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let server = format!("{}:{}", settings.host, settings.port);
        let (session, greeting) = connect::open(settings, tls, timeout, &server).await?;
        let mut this = Self {
            session,
            capabilities: Capabilities::default(),
            timeout,
            server: format!("{} on {server}", settings.username),
            saw_exists: false,
            bye: None,
            broken: None,
            greeting,
        };
        let mut names = Vec::new();
        let done = this
            .run("CAPABILITY", |r| match r {
                Response::Capabilities(list) => {
                    names = connect::names(list);
                    true
                }
                _ => false,
            })
            .await?;
        this.check(done, "CAPABILITY")?;
        let has = |name: &str| names.iter().any(|c| c == name);
        this.capabilities = Capabilities {
            idle: has("IDLE"),
            move_: has("MOVE"),
            uidplus: has("UIDPLUS"),
        };
        tracing::debug!(capabilities = ?this.capabilities, "logged in");
        Ok(this)
    }

    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// `user on host:port`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// What the server said when it greeted ("Dovecot ready.").
    pub fn greeting(&self) -> &str {
        &self.greeting
    }

    /// Uses only those of the server's capabilities that are also in
    /// `allowed`: a way around a server whose IDLE or MOVE misbehaves.
    pub fn restrict(&mut self, allowed: &Capabilities) {
        let c = &mut self.capabilities;
        c.idle &= allowed.idle;
        c.move_ &= allowed.move_;
        c.uidplus &= allowed.uidplus;
    }

    pub async fn select(&mut self, folder: &str) -> anyhow::Result<Selected> {
        let command = format!("SELECT {}", quote(folder)?);
        let (mut uidvalidity, mut uid_next, mut exists) = (None, None, 0);
        let done = self
            .run(&command, |r| match r {
                Response::Data {
                    status: Status::Ok,
                    outcome,
                } => match outcome.code {
                    Some(ResponseCode::UidValidity(v)) => {
                        uidvalidity = Some(v);
                        true
                    }
                    Some(ResponseCode::UidNext(n)) => {
                        uid_next = Some(n);
                        true
                    }
                    _ => false,
                },
                Response::MailboxData(MailboxDatum::Exists(n)) => {
                    exists = *n;
                    true
                }
                _ => false,
            })
            .await?;
        self.check(done, &command)?;
        self.saw_exists = false;
        let uidvalidity = uidvalidity
            .ok_or_else(|| anyhow!("{} gave no UIDVALIDITY for {folder:?}", self.server))?;
        Ok(Selected {
            uidvalidity,
            uid_next,
            exists,
        })
    }

    /// The UIDs above `after_uid` in the selected folder, ascending.
    pub async fn new_uids(&mut self, after_uid: u32) -> anyhow::Result<Vec<u32>> {
        let Some(first) = after_uid.checked_add(1) else {
            return Ok(Vec::new());
        };
        // Dovecot takes note of new mail at the end of a command, not
        // before a SEARCH: a NOOP first lets the search see mail delivered
        // since the last command. (Pipelined, Dovecot answers the SEARCH
        // before the NOOP: it has to be one after the other.)
        let done = self.run("NOOP", |_| false).await?;
        self.check(done, "NOOP")?;
        // The search sees every message announced so far.
        self.saw_exists = false;
        let command = format!("UID SEARCH UID {first}:*");
        let mut uids = Vec::new();
        let done = self
            .run(&command, |r| match r {
                Response::MailboxData(MailboxDatum::Search(found)) => {
                    // `n:*` also matches the last message when its UID < n.
                    uids.extend(found.iter().copied().filter(|&uid| uid > after_uid));
                    true
                }
                _ => false,
            })
            .await?;
        self.check(done, &command)?;
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// The size in bytes (RFC822.SIZE) of each message with these UIDs, in
    /// the server's order; UIDs that no longer exist are left out.
    pub async fn sizes(&mut self, uids: &[u32]) -> anyhow::Result<Vec<(u32, u32)>> {
        let mut sizes = Vec::with_capacity(uids.len());
        for set in uid_sets(uids, MAX_SET_LEN) {
            let command = format!("UID FETCH {set} (UID RFC822.SIZE)");
            let done = self
                .run(&command, |r| match uid_size(r) {
                    Some(pair) => {
                        sizes.push(pair);
                        true
                    }
                    None => false,
                })
                .await?;
            self.check(done, &command)?;
        }
        Ok(sizes)
    }

    /// The raw messages with these UIDs, in the server's order; UIDs that no
    /// longer exist are left out. Never sets \Seen.
    pub async fn fetch(&mut self, uids: &[u32]) -> anyhow::Result<Vec<(u32, Vec<u8>)>> {
        let mut messages = Vec::with_capacity(uids.len());
        self.fetch_with(uids, |uid, body| messages.push((uid, body.to_vec())))
            .await?;
        Ok(messages)
    }

    /// Like [`Self::fetch`], but hands each message to `each` as it arrives,
    /// without copying it; returns how many there were.
    pub async fn fetch_with(
        &mut self,
        uids: &[u32],
        mut each: impl FnMut(u32, &[u8]),
    ) -> anyhow::Result<usize> {
        let mut count = 0;
        for set in uid_sets(uids, MAX_SET_LEN) {
            let command = format!("UID FETCH {set} (UID BODY.PEEK[])");
            let done = self
                .run(&command, |r| match whole_body(r) {
                    Some((uid, body)) => {
                        each(uid, body);
                        count += 1;
                        true
                    }
                    None => false,
                })
                .await?;
            self.check(done, &command)?;
        }
        Ok(count)
    }

    /// Only the header section of each message (`BODY.PEEK[HEADER]`), for
    /// mail too large to fetch whole. Never sets \Seen.
    pub async fn fetch_headers(&mut self, uids: &[u32]) -> anyhow::Result<Vec<(u32, Vec<u8>)>> {
        let mut messages = Vec::with_capacity(uids.len());
        for set in uid_sets(uids, MAX_SET_LEN) {
            let command = format!("UID FETCH {set} (UID BODY.PEEK[HEADER])");
            let done = self
                .run(&command, |r| match any_section(r) {
                    Some((uid, header)) => {
                        messages.push((uid, header.to_vec()));
                        true
                    }
                    None => false,
                })
                .await?;
            self.check(done, &command)?;
        }
        Ok(messages)
    }

    /// Flags the messages \Seen.
    pub async fn mark_seen(&mut self, uids: &[u32]) -> anyhow::Result<()> {
        for set in uid_sets(uids, MAX_SET_LEN) {
            self.add_flag(&set, "\\Seen").await?;
        }
        Ok(())
    }

    /// Moves the messages to `folder`, creating it if the server says it
    /// does not exist (`[TRYCREATE]`).
    pub async fn move_to(&mut self, uids: &[u32], folder: &str) -> anyhow::Result<()> {
        let mailbox = quote(folder)?;
        for set in uid_sets(uids, MAX_SET_LEN) {
            if self.capabilities.move_ {
                self.run_creating(&format!("UID MOVE {set} {mailbox}"), &mailbox)
                    .await?;
            } else {
                self.run_creating(&format!("UID COPY {set} {mailbox}"), &mailbox)
                    .await?;
                self.add_flag(&set, "\\Deleted").await?;
                self.expunge(&set).await?;
            }
        }
        Ok(())
    }

    /// Flags the messages \Deleted and expunges them (only them where the
    /// server offers UIDPLUS; without it, EXPUNGE removes every message
    /// flagged \Deleted in the folder).
    pub async fn delete(&mut self, uids: &[u32]) -> anyhow::Result<()> {
        for set in uid_sets(uids, MAX_SET_LEN) {
            self.add_flag(&set, "\\Deleted").await?;
            self.expunge(&set).await?;
        }
        Ok(())
    }

    /// Does what `after` says with the messages.
    pub async fn apply(&mut self, uids: &[u32], after: &AfterAction) -> anyhow::Result<()> {
        match after {
            AfterAction::Seen => self.mark_seen(uids).await,
            AfterAction::Move(folder) => self.move_to(uids, folder).await,
            AfterAction::Delete => self.delete(uids).await,
        }
    }

    /// Says goodbye and closes the connection.
    pub async fn logout(mut self) -> anyhow::Result<()> {
        let done = self.run("LOGOUT", |_| false).await?;
        self.check(done, "LOGOUT")?;
        // The server closes too; a failed shutdown changes nothing.
        let _ = self.session.get_mut().shutdown().await;
        Ok(())
    }

    async fn add_flag(&mut self, set: &str, flag: &str) -> anyhow::Result<()> {
        let command = format!("UID STORE {set} +FLAGS.SILENT ({flag})");
        let done = self.run(&command, |_| false).await?;
        self.check(done, &command)
    }

    async fn expunge(&mut self, set: &str) -> anyhow::Result<()> {
        let command = match self.capabilities.uidplus {
            true => format!("UID EXPUNGE {set}"),
            false => "EXPUNGE".to_string(),
        };
        let done = self.run(&command, |_| false).await?;
        self.check(done, &command)
    }

    /// Runs a COPY or MOVE; on `[TRYCREATE]` creates `mailbox` and retries.
    async fn run_creating(&mut self, command: &str, mailbox: &str) -> anyhow::Result<()> {
        let done = self.run(command, |_| false).await?;
        if !done.try_create {
            return self.check(done, command);
        }
        let create = format!("CREATE {mailbox}");
        let created = self.run(&create, |_| false).await?;
        self.check(created, &create)?;
        tracing::info!(server = %self.server, %mailbox, "created the folder");
        // So that mail clients list it; it works without.
        let subscribed = self.run(&format!("SUBSCRIBE {mailbox}"), |_| false).await?;
        if !subscribed.ok {
            tracing::debug!(words = %subscribed.words, "could not subscribe to {mailbox}");
        }
        let done = self.run(command, |_| false).await?;
        self.check(done, command)
    }

    /// Sends `command` and reads its responses up to the tagged one; `take`
    /// gets each untagged response and says whether it was the answer.
    async fn run(
        &mut self,
        command: &str,
        take: impl FnMut(&Response<'_>) -> bool,
    ) -> anyhow::Result<Done> {
        let done = async {
            let tag = self.send(command).await?;
            self.finish(&tag, take).await
        };
        let done = done.await;
        done.with_context(|| format!("{} for {}", short(command), self.server))
    }

    async fn send(&mut self, command: &str) -> anyhow::Result<RequestId> {
        if let Some(why) = &self.broken {
            bail!("the connection broke earlier ({why}): connect again");
        }
        match connect::within(self.timeout, self.session.run_command(command)).await {
            Ok(tag) => Ok(tag),
            Err(e) => Err(self.broke(format!("sending {}: {e:#}", short(command)))),
        }
    }

    async fn finish(
        &mut self,
        tag: &RequestId,
        mut take: impl FnMut(&Response<'_>) -> bool,
    ) -> anyhow::Result<Done> {
        loop {
            let read = tokio::time::timeout(self.timeout, self.session.read_response()).await;
            let response = self.timed(read)?;
            let parsed = response.parsed();
            if let Response::Done {
                tag: done,
                status,
                outcome,
            } = parsed
                && done == tag
            {
                return Ok(Done {
                    ok: *status == Status::Ok,
                    try_create: matches!(outcome.code, Some(ResponseCode::TryCreate)),
                    words: words(outcome),
                });
            }
            if !take(parsed) {
                self.note(parsed);
            }
        }
    }

    /// A read bounded by the timeout, as a response or an error. Generic
    /// because async-imap does not export the type of a response.
    fn timed<R>(
        &mut self,
        read: Result<std::io::Result<Option<R>>, tokio::time::error::Elapsed>,
    ) -> anyhow::Result<R> {
        match read {
            Ok(read) => self.received(read),
            Err(_) => Err(self.broke(format!("no answer within {:?}", self.timeout))),
        }
    }

    fn received<R>(&mut self, read: std::io::Result<Option<R>>) -> anyhow::Result<R> {
        match read {
            Ok(Some(response)) => Ok(response),
            Ok(None) => {
                let why = match &self.bye {
                    Some(words) => format!("the server closed the connection: {words}"),
                    None => "the server closed the connection".to_string(),
                };
                Err(self.broke(why))
            }
            Err(e) => Err(self.broke(format!("reading: {e}"))),
        }
    }

    /// Takes note of an untagged response nobody asked for; says whether it
    /// reports a change in the folder.
    fn note(&mut self, response: &Response<'_>) -> bool {
        match response {
            Response::MailboxData(MailboxDatum::Exists(_)) => {
                self.saw_exists = true;
                true
            }
            Response::MailboxData(MailboxDatum::Recent(n)) => *n > 0,
            Response::Expunge(_) | Response::Vanished { .. } | Response::Fetch(..) => true,
            Response::Data {
                status: Status::Bye,
                outcome,
            } => {
                self.bye = Some(words(outcome));
                false
            }
            _ => false,
        }
    }

    fn broke(&mut self, why: String) -> anyhow::Error {
        let error = anyhow!("{why}");
        self.broken = Some(why);
        error
    }

    fn check(&self, done: Done, command: &str) -> anyhow::Result<()> {
        if done.ok {
            return Ok(());
        }
        let (server, words) = (&self.server, &done.words);
        Err(anyhow!("{words}")).with_context(|| format!("{} refused for {server}", short(command)))
    }
}

impl std::fmt::Debug for ImapSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapSession")
            .field("server", &self.server)
            .field("capabilities", &self.capabilities)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

/// The UID and whole body (`BODY[]`) of a FETCH response, if it has both.
fn uid_size(response: &Response<'_>) -> Option<(u32, u32)> {
    let Response::Fetch(_, attributes) = response else {
        return None;
    };
    let (mut uid, mut size) = (None, None);
    for attribute in attributes {
        match attribute {
            AttributeValue::Uid(u) => uid = Some(*u),
            AttributeValue::Rfc822Size(n) => size = Some(*n),
            _ => {}
        }
    }
    Some((uid?, size?))
}

/// The UID and the data of whatever body section a FETCH response carries.
fn any_section<'a>(response: &'a Response<'_>) -> Option<(u32, &'a [u8])> {
    fetched_section(response, false)
}

/// The UID and the whole message (`BODY[]`) of a FETCH response.
fn whole_body<'a>(response: &'a Response<'_>) -> Option<(u32, &'a [u8])> {
    fetched_section(response, true)
}

fn fetched_section<'a>(response: &'a Response<'_>, whole_only: bool) -> Option<(u32, &'a [u8])> {
    let Response::Fetch(_, attributes) = response else {
        return None;
    };
    let (mut uid, mut body) = (None, None);
    for attribute in attributes {
        match attribute {
            AttributeValue::Uid(u) => uid = Some(*u),
            AttributeValue::BodySection {
                section,
                index,
                data: Some(data),
            } if !whole_only || (section.is_none() && index.is_none()) => {
                body = Some(data.as_ref())
            }
            _ => {}
        }
    }
    Some((uid?, body?))
}

/// A folder name as an IMAP quoted string. Only printable ASCII: other
/// names need modified UTF-7 (RFC 3501 5.1.3), which is not done here.
fn quote(folder: &str) -> anyhow::Result<String> {
    if folder.is_empty() {
        bail!("a folder name cannot be empty");
    }
    if let Some(c) = folder
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control())
    {
        bail!("folder name {folder:?} holds {c:?}: only printable ASCII names are supported");
    }
    Ok(format!(
        "\"{}\"",
        folder.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// A command shortened for an error message (UID sets can be long).
fn short(command: &str) -> &str {
    const MAX: usize = 80;
    match command.char_indices().nth(MAX) {
        Some((end, _)) => &command[..end],
        None => command,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_quoted_or_refused() {
        assert_eq!(quote("INBOX").unwrap(), "\"INBOX\"");
        assert_eq!(quote(r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
        for bad in ["", "Entwürfe", "a\r\nb"] {
            assert!(quote(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn long_commands_are_cut_for_messages() {
        let long = format!("UID FETCH {} (UID BODY.PEEK[])", "1,".repeat(100));
        assert_eq!(short(&long).len(), 80);
        assert_eq!(short("SELECT \"INBOX\""), "SELECT \"INBOX\"");
    }
}
