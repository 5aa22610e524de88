//! Opening an IMAP session: TCP, greeting, TLS (implicit or STARTTLS) and
//! authentication (LOGIN, or AUTHENTICATE PLAIN when LOGIN is disabled or
//! refused). Every error names the step and the server, never the password.
use super::{Conn, LoginRefused};
use crate::domain::{ImapSettings, TlsMode};
use crate::inbound::tls::{MaybeTls, TlsConfig};
use anyhow::{Context, anyhow, bail};
use async_imap::imap_proto::{Capability, Outcome, Response, ResponseCode, Status};
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufStream};
use tokio::net::TcpStream;

type Client = async_imap::Client<Conn>;
pub(super) type Session = async_imap::Session<Conn>;

/// Reads arrive through a buffer this big: fewer syscalls on big fetches.
const READ_BUFFER: usize = 64 * 1024;
/// async-imap writes a command in four pieces and then flushes: buffer them
/// into one packet.
const WRITE_BUFFER: usize = 8 * 1024;

/// Connects and logs in; the session is in the authenticated state. Also
/// the server's greeting, in its words.
pub(super) async fn open(
    settings: &ImapSettings,
    tls: &TlsConfig,
    limit: Duration,
    server: &str,
) -> anyhow::Result<(Session, String)> {
    let host = settings.host.as_str();
    let tcp = within(limit, TcpStream::connect((host, settings.port)))
        .await
        .with_context(|| format!("connecting to {server}"))?;
    tcp.set_nodelay(true)
        .with_context(|| format!("connecting to {server}"))?;
    let stream = match settings.tls {
        TlsMode::Tls => within(limit, tls.handshake(host, tcp))
            .await
            .with_context(|| format!("TLS handshake with {server}"))?,
        TlsMode::None | TlsMode::Starttls => MaybeTls::Plain(tcp),
    };
    let mut client = new_client(stream);
    let (mut offered, greeted) = greeting(&mut client, limit)
        .await
        .with_context(|| format!("reading the greeting of {server}"))?;
    if settings.tls == TlsMode::Starttls {
        client = starttls(client, offered, host, tls, limit)
            .await
            .with_context(|| format!("STARTTLS with {server}"))?;
        // What was offered in plain text no longer counts (RFC 3501 6.2.1).
        offered = None;
    }
    let offered = match offered {
        Some(names) => names,
        None => raw_command(&mut client, "pd2", "CAPABILITY", limit)
            .await
            .with_context(|| format!("asking {server} for its capabilities"))?,
    };
    let offered = Offered::from_names(&offered, settings.tls != TlsMode::None);
    let session = authenticate(client, settings, server, &offered, limit).await?;
    Ok((session, greeted))
}

fn new_client(stream: MaybeTls) -> Client {
    let buffered = BufStream::with_capacity(READ_BUFFER, WRITE_BUFFER, stream);
    Client::new(buffered)
}

/// The capabilities in an untagged OK greeting, if it lists them, and its
/// text ("Dovecot ready.").
async fn greeting(
    client: &mut Client,
    limit: Duration,
) -> anyhow::Result<(Option<Vec<String>>, String)> {
    let response = within(limit, client.read_response())
        .await?
        .ok_or_else(|| anyhow!("the server closed the connection without a greeting"))?;
    match response.parsed() {
        Response::Data {
            status: Status::Ok,
            outcome,
        } => {
            let caps = match &outcome.code {
                Some(ResponseCode::Capabilities(caps)) => Some(names(caps)),
                _ => None,
            };
            let text = outcome.information.as_deref().unwrap_or("").trim();
            Ok((caps, text.chars().take(200).collect()))
        }
        Response::Data {
            status: Status::Bye,
            outcome,
        } => bail!("the server refused the connection: {}", words(outcome)),
        Response::Data {
            status: Status::PreAuth,
            ..
        } => bail!("the server greeted with PREAUTH (no login), which is not supported"),
        other => bail!("unexpected greeting: {other:?}"),
    }
}

async fn starttls(
    mut client: Client,
    offered: Option<Vec<String>>,
    host: &str,
    tls: &TlsConfig,
    limit: Duration,
) -> anyhow::Result<Client> {
    let offered = match offered {
        Some(names) => names,
        None => raw_command(&mut client, "pd0", "CAPABILITY", limit).await?,
    };
    if !offered.iter().any(|c| c == "STARTTLS") {
        bail!("the server does not offer STARTTLS (use tls = \"tls\" or \"none\")");
    }
    raw_command(&mut client, "pd1", "STARTTLS", limit).await?;
    // Dropping the client's buffers also drops anything the server sent
    // after its OK: no plain-text response is carried into the TLS session.
    let MaybeTls::Plain(tcp) = client.into_inner().into_inner() else {
        bail!("the connection is already TLS");
    };
    let stream = within(limit, tls.handshake(host, tcp))
        .await
        .context("TLS handshake")?;
    Ok(new_client(stream))
}

/// A command before login, which async-imap's `Client` cannot send with a
/// tag of its own: written raw with `tag`, answered through the parser.
/// Returns the capabilities seen in the answer.
async fn raw_command(
    client: &mut Client,
    tag: &str,
    command: &str,
    limit: Duration,
) -> anyhow::Result<Vec<String>> {
    let line = format!("{tag} {command}\r\n");
    let stream = client.get_mut();
    within(limit, async {
        stream.write_all(line.as_bytes()).await?;
        stream.flush().await
    })
    .await?;
    let mut caps = Vec::new();
    loop {
        let response = within(limit, client.read_response())
            .await?
            .ok_or_else(|| anyhow!("the server closed the connection"))?;
        match response.parsed() {
            Response::Capabilities(list) => caps = names(list),
            Response::Done {
                tag: done,
                status,
                outcome,
            } if done.0 == tag => {
                if *status != Status::Ok {
                    bail!("{command} refused: {}", words(outcome));
                }
                if let Some(ResponseCode::Capabilities(list)) = &outcome.code {
                    caps = names(list);
                }
                return Ok(caps);
            }
            _ => {}
        }
    }
}

/// What matters for logging in.
struct Offered {
    login_disabled: bool,
    auth_plain: bool,
    /// Whether the connection is TLS (for the hint in an error).
    secure: bool,
}

impl Offered {
    fn from_names(names: &[String], secure: bool) -> Self {
        let has = |name: &str| names.iter().any(|c| c == name);
        Self {
            login_disabled: has("LOGINDISABLED"),
            auth_plain: has("AUTH=PLAIN"),
            secure,
        }
    }
}

async fn authenticate(
    client: Client,
    settings: &ImapSettings,
    server: &str,
    offered: &Offered,
    limit: Duration,
) -> anyhow::Result<Session> {
    let user = settings.username.as_str();
    let password = settings.password.expose();
    let refused = |words: String| {
        let (user, server) = (user.to_string(), server.to_string());
        anyhow::Error::new(LoginRefused {
            user,
            server,
            words,
        })
    };
    let logging_in = || format!("logging in as {user} at {server}");
    let (client, login_refusal) = if offered.login_disabled {
        if !offered.auth_plain {
            let hint = if offered.secure { "" } else { " (try TLS)" };
            bail!(
                "{server} disables LOGIN and offers no AUTH=PLAIN{hint}: cannot log in as {user}"
            );
        }
        (client, None)
    } else {
        let Ok(answer) = tokio::time::timeout(limit, client.login(user, password)).await else {
            return Err(anyhow!("no answer within {limit:?}").context(logging_in()));
        };
        match answer {
            Ok(session) => return Ok(session),
            Err((error, back)) => match refusal(&error) {
                Some(words) if offered.auth_plain => (back, Some(words)),
                Some(words) => return Err(refused(words)),
                None => return Err(anyhow::Error::new(error).context(logging_in())),
            },
        }
    };
    let plain = Plain { user, password };
    let Ok(answer) = tokio::time::timeout(limit, client.authenticate("PLAIN", plain)).await else {
        return Err(anyhow!("no answer within {limit:?}").context(logging_in()));
    };
    match answer {
        Ok(session) => Ok(session),
        Err((error, _)) => match refusal(&error) {
            Some(words) => Err(refused(login_refusal.unwrap_or(words))),
            None => Err(anyhow::Error::new(error).context(logging_in())),
        },
    }
}

/// SASL PLAIN (RFC 4616): authorization identity empty, then user and password.
struct Plain<'a> {
    user: &'a str,
    password: &'a str,
}

impl async_imap::Authenticator for Plain<'_> {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        let mut response = Vec::with_capacity(self.user.len() + self.password.len() + 2);
        response.push(0);
        response.extend_from_slice(self.user.as_bytes());
        response.push(0);
        response.extend_from_slice(self.password.as_bytes());
        response
    }
}

/// The server's words when it answered NO or BAD; None for other failures.
fn refusal(error: &async_imap::error::Error) -> Option<String> {
    match error {
        async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text) => {
            Some(server_words(text))
        }
        _ => None,
    }
}

/// async-imap renders a NO or BAD as `code: Some(Alert), info: Some("text")`
/// (Debug of both); this gives back `[ALERT] text`, or the input if it is
/// not in that shape.
fn server_words(rendered: &str) -> String {
    let Some((code, info)) = rendered
        .strip_prefix("code: ")
        .and_then(|rest| rest.split_once(", info: "))
    else {
        return rendered.to_string();
    };
    let text = info
        .strip_prefix("Some(\"")
        .and_then(|t| t.strip_suffix("\")"))
        .map(unescape_debug)
        .unwrap_or_default();
    match code.strip_prefix("Some(").and_then(|c| c.strip_suffix(')')) {
        Some(code) => format!("[{}] {text}", code.to_ascii_uppercase()),
        None if text.is_empty() => rendered.to_string(),
        None => text,
    }
}

/// Undoes `{:?}` escaping of a string well enough for an error message.
fn unescape_debug(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'r' | 't') => out.push(' '),
            Some('u') => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                out.push('?');
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Capability names in upper case, `AUTH=` mechanisms included.
pub(super) fn names(caps: &[Capability<'_>]) -> Vec<String> {
    let name = |c: &Capability<'_>| match c {
        Capability::Imap4rev1 => "IMAP4REV1".to_string(),
        Capability::Auth(mechanism) => format!("AUTH={}", mechanism.to_ascii_uppercase()),
        Capability::Atom(atom) => atom.to_ascii_uppercase(),
    };
    caps.iter().map(name).collect()
}

/// A status response as the server put it: `[CODE] text`.
pub(super) fn words(outcome: &Outcome<'_>) -> String {
    let text = outcome.information.as_deref().unwrap_or("").trim();
    let Some(code) = &outcome.code else {
        return text.to_string();
    };
    let code = match code {
        ResponseCode::TryCreate => "TRYCREATE".to_string(),
        ResponseCode::Alert => "ALERT".to_string(),
        ResponseCode::Parse => "PARSE".to_string(),
        ResponseCode::ReadOnly => "READ-ONLY".to_string(),
        ResponseCode::ReadWrite => "READ-WRITE".to_string(),
        other => format!("{other:?}").to_ascii_uppercase(),
    };
    format!("[{code}] {text}")
}

/// `future`, or "no answer within …" once `limit` has passed.
pub(super) async fn within<T, E>(
    limit: Duration,
    future: impl Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    E: Into<anyhow::Error>,
{
    match tokio::time::timeout(limit, future).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err(anyhow!("no answer within {limit:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_imap_refusals_read_as_the_servers_words() {
        let cases = [
            (
                r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#,
                "[AUTHENTICATIONFAILED] Authentication failed.",
            ),
            (
                r#"code: Some(Alert), info: Some("Say \"hi\" \\ there")"#,
                r#"[ALERT] Say "hi" \ there"#,
            ),
            ("code: None, info: None", "code: None, info: None"),
            ("something else", "something else"),
        ];
        for (rendered, want) in cases {
            assert_eq!(server_words(rendered), want, "{rendered}");
        }
    }

    #[test]
    fn plain_puts_user_and_password_after_nul_bytes() {
        use async_imap::Authenticator;
        let mut plain = Plain {
            user: "u@example.com",
            password: "pw",
        };
        assert_eq!(plain.process(b""), b"\0u@example.com\0pw");
    }
}
