//! A line-based client, just enough SMTP and IMAP to put mail into the stack
//! and look at mailboxes, and the `MailStack` methods built on it.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use anyhow::{Context, Result, anyhow, bail};

use super::MailStack;
use super::process::{DEADLINE, local};

/// The SMTP receiver refused a message: its reply, e.g. `451 4.3.0 Try again
/// later`. `send` fails with this (find it with `downcast_ref`) when the
/// server answered; other errors mean it could not be reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpRefused(pub String);

impl fmt::Display for SmtpRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SmtpRefused {}

impl MailStack {
    /// Sends one message over SMTP and returns the final reply (`250 ...`).
    /// A refusal is an [`SmtpRefused`] error holding the server's reply.
    pub fn send(&self, from: &str, to: &str, message: &str) -> Result<String> {
        let context = || format!("mail stack: SMTP to port {}", self.smtp_port);
        let mut smtp = Client::connect(self.smtp_port).with_context(context)?;
        let outcome = transaction(&mut smtp, from, to, message).with_context(context)?;
        let _ = smtp.send("QUIT");
        outcome.map_err(|refused| anyhow!(refused))
    }

    /// A user's whole INBOX over IMAP, as the server printed it: see [`MailStack::folder`].
    pub fn inbox(&self, address: &str, password: &str) -> Result<String> {
        self.folder(address, password, "INBOX")
    }

    /// Every message of a folder with its flags, as the server printed the
    /// answer to `UID FETCH 1:* (FLAGS BODY.PEEK[])` (the folder is opened
    /// read-only, so nothing changes, and new mail shows `\Recent` among its
    /// flags until someone SELECTs it); an empty string for an empty folder.
    pub fn folder(&self, address: &str, password: &str, folder: &str) -> Result<String> {
        self.session(address, password, |imap| {
            let examined = imap.command(&format!("EXAMINE {}", quote(folder)))?;
            if exists(&examined) == Some(0) {
                return Ok(String::new());
            }
            imap.command("UID FETCH 1:* (FLAGS BODY.PEEK[])")
        })
    }

    /// Creates a folder, e.g. `Archive`; one that exists already is fine.
    pub fn create_folder(&self, address: &str, password: &str, folder: &str) -> Result<()> {
        self.session(address, password, |imap| {
            let (text, status) = imap.command_status(&format!("CREATE {}", quote(folder)))?;
            match status.starts_with("OK") || status.contains("[ALREADYEXISTS]") {
                true => Ok(()),
                false => bail!("IMAP CREATE {folder:?}: {}", text.trim_end()),
            }
        })
    }

    /// Logs in and runs IMAP `commands`, each of which must be answered OK
    /// (e.g. `["SELECT INBOX", "UID SEARCH ALL"]`; no literals in them);
    /// returns what the server printed in answer, tagged lines included.
    pub fn imap(&self, address: &str, password: &str, commands: &[&str]) -> Result<String> {
        self.session(address, password, |imap| {
            let mut text = String::new();
            for command in commands {
                text.push_str(&imap.command(command)?);
            }
            Ok(text)
        })
    }

    /// Runs `work` in an IMAP session logged in as `address`.
    fn session<T>(
        &self,
        address: &str,
        password: &str,
        work: impl FnOnce(&mut Client) -> Result<T>,
    ) -> Result<T> {
        let outcome = Client::connect(self.imap_port).and_then(|mut imap| {
            imap.response()?;
            imap.command(&format!("LOGIN {} {}", quote(address), quote(password)))?;
            let outcome = work(&mut imap)?;
            imap.command("LOGOUT")?;
            Ok(outcome)
        });
        outcome.with_context(|| format!("mail stack: IMAP on port {} as {address}", self.imap_port))
    }
}

/// One SMTP transaction: Ok(Ok(last reply)) if accepted, Ok(Err(reply)) if refused.
fn transaction(
    smtp: &mut Client,
    from: &str,
    to: &str,
    message: &str,
) -> Result<Result<String, SmtpRefused>> {
    let steps = [
        (String::new(), '2'),
        ("EHLO devstack.example".into(), '2'),
        (format!("MAIL FROM:<{from}>"), '2'),
        (format!("RCPT TO:<{to}>"), '2'),
        ("DATA".into(), '3'),
        (format!("{}.", dot_stuffed(message)), '2'),
    ];
    let mut reply = String::new();
    for (command, expected) in steps {
        if !command.is_empty() {
            smtp.send(&command)?;
        }
        reply = smtp.smtp_reply()?;
        if !reply.starts_with(expected) {
            return Ok(Err(SmtpRefused(reply)));
        }
    }
    Ok(Ok(reply))
}

/// The message as DATA carries it: CRLF line ends (bare LF files are
/// common), leading dots doubled, ending in CRLF.
fn dot_stuffed(message: &str) -> String {
    let crlf = message.replace("\r\n", "\n").replace('\n', "\r\n");
    let mut data = crlf.replace("\n.", "\n..");
    if data.starts_with('.') {
        data.insert(0, '.');
    }
    if !data.ends_with('\n') {
        data.push_str("\r\n");
    }
    data
}

/// An IMAP quoted string.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The `* N EXISTS` count in a SELECT or EXAMINE answer.
fn exists(text: &str) -> Option<u32> {
    let count = |line: &str| {
        line.strip_prefix("* ")?
            .strip_suffix(" EXISTS")?
            .parse()
            .ok()
    };
    text.lines().find_map(count)
}

pub(super) struct Client {
    stream: BufReader<TcpStream>,
    tags: u32,
}

impl Client {
    pub(super) fn connect(port: u16) -> Result<Client> {
        let stream = TcpStream::connect(local(port)).context("connect")?;
        stream
            .set_read_timeout(Some(DEADLINE))
            .context("set a read timeout")?;
        Ok(Client {
            stream: BufReader::new(stream),
            tags: 0,
        })
    }

    pub(super) fn send(&mut self, line: &str) -> Result<()> {
        let sent = self
            .stream
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes());
        sent.context("write to the server")
    }

    fn read_line(&mut self) -> Result<Vec<u8>> {
        let mut line = Vec::new();
        match self.stream.read_until(b'\n', &mut line) {
            Ok(n) if n > 0 => Ok(line),
            Ok(_) => bail!("the server closed the connection"),
            Err(e) => Err(e).context("read from the server"),
        }
    }

    /// One SMTP reply, one line or more: its last line.
    pub(super) fn smtp_reply(&mut self) -> Result<String> {
        loop {
            let line = self.read_line()?;
            if line.get(3) != Some(&b'-') {
                return Ok(String::from_utf8_lossy(&line).trim_end().to_string());
            }
        }
    }

    /// One IMAP response, with its literals (`{N}` then N bytes) read whole,
    /// so a message line can't pass for a tagged reply.
    fn response(&mut self) -> Result<String> {
        let mut response = Vec::new();
        loop {
            let line = self.read_line()?;
            response.extend_from_slice(&line);
            let Some(size) = literal_size(&line) else {
                return Ok(String::from_utf8_lossy(&response).into_owned());
            };
            let start = response.len();
            response.resize(start + size, 0);
            let literal = self.stream.read_exact(&mut response[start..]);
            literal.context("read a literal from the server")?;
        }
    }

    /// Sends a command; what the server printed up to and with its tagged
    /// reply, and that reply's status (`OK ...`, `NO ...`, `BAD ...`).
    fn command_status(&mut self, command: &str) -> Result<(String, String)> {
        self.tags += 1;
        let tag = format!("d{} ", self.tags);
        self.send(&format!("{tag}{command}"))?;
        let mut text = String::new();
        loop {
            let response = self.response()?;
            text.push_str(&response);
            if let Some(status) = response.strip_prefix(&tag) {
                return Ok((text, status.trim_end().to_string()));
            }
        }
    }

    /// Sends a command, which must be answered OK; what the server printed.
    fn command(&mut self, command: &str) -> Result<String> {
        let (text, status) = self.command_status(command)?;
        let verb = command.split(' ').next().unwrap_or(command);
        match status.starts_with("OK") {
            true => Ok(text),
            false => bail!("IMAP {verb}: {status}"),
        }
    }
}

/// N if the line ends with an IMAP literal's announcement `{N}`.
fn literal_size(line: &[u8]) -> Option<usize> {
    let line = line
        .strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))?;
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|&b| b == b'{')?;
    std::str::from_utf8(&line[open + 1..]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing_doubles_leading_dots_and_ends_in_crlf() {
        assert_eq!(dot_stuffed(".a\r\n.b"), "..a\r\n..b\r\n");
        assert_eq!(dot_stuffed("a\r\n"), "a\r\n");
    }

    #[test]
    fn literal_sizes_are_read_from_the_end_of_a_line() {
        assert_eq!(literal_size(b"* 1 FETCH (BODY[] {42}\r\n"), Some(42));
        assert_eq!(literal_size(b"* 1 FETCH (FLAGS ())\r\n"), None);
        assert_eq!(literal_size(b"{x}\r\n"), None);
    }

    #[test]
    fn exists_is_found_among_the_select_lines() {
        let text = "* FLAGS (\\Seen)\r\n* 3 EXISTS\r\n* 0 RECENT\r\nd2 OK done\r\n";
        assert_eq!(exists(text), Some(3));
        assert_eq!(exists("d2 OK done\r\n"), None);
    }
}
