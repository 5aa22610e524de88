//! A real mail system on loopback, for tests, benchmarks and `postdesk demo`:
//! [`MailStack`] runs Dovecot behind an SMTP receiver, [`SmtpSink`] an SMTP
//! receiver that discards. Everything lives under one temp dir and listens on
//! free ports of 127.0.0.1.
//!
//! - **Dovecot 2.3**: IMAP (plaintext LOGIN) and LMTP, maildir storage, users
//!   in a passwd-file with plaintext passwords ([`SUPPORT`] and [`CUSTOMER`]
//!   to begin with; `add_user` adds more, even while it runs). Failed logins
//!   are not penalized; they are answered within 0.5 s.
//! - **`smtp_relay.py`** (embedded, written into the temp dir): an SMTP
//!   receiver (Debian's aiosmtpd) that relays MAIL, RCPT and DATA to Dovecot
//!   over LMTP before it answers. "250" after DATA means "already in the
//!   mailbox", and Dovecot's refusals come back unchanged (`550 5.1.1
//!   <nobody@example.com> User doesn't exist: ...`). With Dovecot down it
//!   answers `451 4.4.1`.
//!
//! The ports are picked at start (`imap_port()`, `smtp_port()`); a restart
//! (`stop_smtp`/`start_smtp`, `stop_dovecot`/`start_dovecot`) keeps them.
//! `fail_smtp("RCPT", "451 4.7.1 Try later")` makes SMTP refuse that command
//! until `heal_smtp()`. Start takes ~0.1–0.3 s (~0.2 s more with TLS, for the
//! certificates); Dovecot's clean stop ~1.1 s, so dropping a stack takes that
//! long too. The API blocks: from async code, call it where blocking a
//! runtime thread that long is fine (or use `spawn_blocking`).
//!
//! With [`Options::tls`], `openssl` makes a CA ([`MailStack::ca_pem_path`])
//! and a server certificate for `localhost` and `127.0.0.1` signed by it;
//! IMAP and SMTP offer STARTTLS on their plain ports (plaintext still
//! allowed), and IMAPS and SMTPS listen on `imaps_port()` and `smtps_port()`.
//!
//! For benchmarks: [`SmtpSink`] answers every message `250` and drops it
//! (~1,500–2,700 msg/s on one connection), `deliver_maildir` preloads a
//! mailbox by writing files (10,000 mails in 0.4–2.5 s, ~8 s by APPEND), and
//! `reset_uidvalidity` makes Dovecot renumber a mailbox as after an index
//! loss. `folder` and `imap` let a test look at any folder, flags included.
//!
//! Packages (Debian 12): `apt-get install -y dovecot-imapd dovecot-lmtpd
//! python3-aiosmtpd` (`openssl` comes with `dovecot-core`).
//!
//! # Temp dir
//!
//! ```text
//! dovecot.conf  users  dovecot.log  smtp.log  smtp_relay.py  smtp-fail (while failing)
//! mail/DOMAIN/USER/Maildir/   run/ (base_dir, sockets, master.pid)   state/
//! tls/ (with TLS: ca.pem, server.pem, server.key, openssl.cnf)
//! ```
//!
//! As root, mail is stored as the `mail` user (uid 8) and the temp dir and its
//! parents are made traversable (go+x). As another user, Dovecot runs wholly as
//! that user.
//!
//! # By hand
//!
//! Write DIR/dovecot.conf from `DOVECOT_CONF` in `src/devstack/dovecot.rs`
//! (fill in the `@...@` placeholders), a DIR/users line per user
//! (`support@example.com:{PLAIN}secret::::::`), `mkdir DIR/mail DIR/run
//! DIR/state` (as root: `chown 8:8 DIR/mail`, `chmod go+x DIR`), then:
//!
//! ```text
//! /usr/sbin/dovecot -F -c DIR/dovecot.conf &      # IMAP and LMTP ports from the config
//! /usr/bin/python3 src/devstack/smtp_relay.py --listen 2525 --lmtp LMTP_PORT \
//!     --fail-file DIR/smtp-fail &
//! echo 'DATA 451 4.3.0 Try again later' > DIR/smtp-fail   # refuse DATA ...
//! rm DIR/smtp-fail                                        # ... and stop refusing
//! ```
//!
//! Stop Dovecot with `kill -TERM PID` (it has exited once `wait` returns, not
//! when `kill -0` fails: a zombie still answers it), the relay with any signal.
//! Call the relay with `/usr/bin/python3`: aiosmtpd is not installed for another
//! `python3` that may come first on PATH.

mod client;
pub mod cpu;
mod dovecot;
mod maildir;
mod process;
mod sink;
pub mod tls;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

pub use client::SmtpRefused;
pub use sink::SmtpSink;

use dovecot::{DovecotPorts, MailOwner};
use process::{
    Slot, append, free_ports, greets, is_open, launch, lock, on_fresh_ports, stop, wait_closed,
};
use tls::TlsFiles;

pub const SUPPORT: &str = "support@example.com";
pub const SUPPORT_PASSWORD: &str = "support-secret";
pub const CUSTOMER: &str = "customer@example.net";
pub const CUSTOMER_PASSWORD: &str = "customer-secret";

const DOVECOT: &str = "/usr/sbin/dovecot";
/// Debian's python3-aiosmtpd is installed for this Python, not for others on PATH.
const PYTHON: &str = "/usr/bin/python3";
const RELAY: &str = include_str!("smtp_relay.py");

/// How a [`MailStack`] is set up; `Options::default()` is what `start` uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// STARTTLS on IMAP and SMTP, plus IMAPS and SMTPS listeners, with a
    /// certificate signed by a CA of the stack's own.
    pub tls: bool,
}

/// Dovecot and the SMTP receiver in front of it; stopped when dropped.
pub struct MailStack {
    dir: TempDir,
    owner: MailOwner,
    imap_port: u16,
    imaps_port: u16,
    lmtp_port: u16,
    smtp_port: u16,
    smtps_port: u16,
    tls: Option<TlsFiles>,
    dovecot: Slot,
    smtp: Slot,
}

impl MailStack {
    /// Starts Dovecot and the SMTP receiver, without TLS, with the users
    /// [`SUPPORT`] and [`CUSTOMER`]; fails with the tail of the failing
    /// server's log.
    pub fn start() -> Result<MailStack> {
        MailStack::start_with(Options::default())
    }

    /// Like [`MailStack::start`], set up as `options` say. The ports are
    /// free when chosen but are bound only when the servers start, so
    /// another process may take one in between: then it starts again on
    /// new ports, a few times.
    pub fn start_with(options: Options) -> Result<MailStack> {
        on_fresh_ports(|| MailStack::start_once(options))
    }

    fn start_once(options: Options) -> Result<MailStack> {
        let dir = tempfile::Builder::new().prefix("mailstack-").tempdir();
        let dir = dir.context("mail stack: create the temp dir")?;
        let [imap_port, imaps_port, lmtp_port, smtp_port, smtps_port] = free_ports()?;
        let tls = match options.tls {
            true => Some(tls::generate(&dir.path().join("tls"))?),
            false => None,
        };
        let stack = MailStack {
            owner: MailOwner::of_this_process()?,
            dir,
            imap_port,
            imaps_port,
            lmtp_port,
            smtp_port,
            smtps_port,
            tls,
            dovecot: Slot::default(),
            smtp: Slot::default(),
        };
        let ports = DovecotPorts {
            imap: imap_port,
            imaps: stack.imaps_port().unwrap_or(0),
            lmtp: lmtp_port,
        };
        dovecot::write_config(stack.dir(), stack.owner, ports, stack.tls.as_ref())
            .context("mail stack: write the Dovecot config")?;
        write_relay(stack.dir())?;
        stack.add_user(SUPPORT, SUPPORT_PASSWORD)?;
        stack.add_user(CUSTOMER, CUSTOMER_PASSWORD)?;
        stack.start_dovecot()?;
        stack.start_smtp()?;
        Ok(stack)
    }

    /// The temp dir holding config, logs and mailboxes (see the module docs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A `postdesk.toml` for a gateway on this stack: one email domain,
    /// `address`, reading its mailbox over plain IMAP and sending through
    /// the SMTP receiver. `top` is more TOML placed before the email domain
    /// (top-level keys first, then sections).
    pub fn gateway_config(
        &self,
        database_url: &str,
        address: &str,
        password: &str,
        top: &str,
    ) -> String {
        format!(
            r#"database_url = "{database_url}"
{top}

[[email_domain]]
address = "{address}"
name = "Example Support"
default_team = "Support"

[email_domain.imap]
host = "127.0.0.1"
port = {imap}
tls = "none"
username = "{address}"
password = "{password}"

[email_domain.smtp]
host = "127.0.0.1"
port = {smtp}
tls = "none"
"#,
            imap = self.imap_port,
            smtp = self.smtp_port,
        )
    }

    pub fn imap_port(&self) -> u16 {
        self.imap_port
    }

    pub fn smtp_port(&self) -> u16 {
        self.smtp_port
    }

    /// The implicit-TLS IMAP port, if started with TLS.
    pub fn imaps_port(&self) -> Option<u16> {
        self.tls.as_ref().map(|_| self.imaps_port)
    }

    /// The implicit-TLS SMTP port, if started with TLS.
    pub fn smtps_port(&self) -> Option<u16> {
        self.tls.as_ref().map(|_| self.smtps_port)
    }

    /// The CA certificate (PEM) the servers' certificate chains to, if started
    /// with TLS: the one certificate a client needs to trust.
    pub fn ca_pem_path(&self) -> Option<&Path> {
        self.tls.as_ref().map(|tls| tls.ca.as_path())
    }

    /// Adds a mailbox. Dovecot rereads the users file, so this works while it runs.
    pub fn add_user(&self, address: &str, password: &str) -> Result<()> {
        let bad = |s: &str| s.is_empty() || s.contains([':', '\n', '\r']);
        if bad(address) || bad(password) || !address.contains('@') {
            bail!("mail stack: unusable user {address:?} or password");
        }
        let line = format!("{address}:{{PLAIN}}{password}::::::\n");
        let mut users = append(&self.path("users"))?;
        users
            .write_all(line.as_bytes())
            .context("mail stack: add a user")
    }

    /// Starts Dovecot unless it runs; waits until IMAP and LMTP greet.
    pub fn start_dovecot(&self) -> Result<()> {
        let mut command = Command::new(DOVECOT);
        command.arg("-F").arg("-c").arg(self.path("dovecot.conf"));
        let imaps = self.imaps_port();
        let ready = || {
            greets(self.imap_port, "* OK")
                && greets(self.lmtp_port, "220")
                && imaps.is_none_or(is_open)
        };
        launch(&self.dovecot, command, &self.path("dovecot.log"), ready)
    }

    /// CPU time Dovecot has used so far: its master and every process it
    /// started, living or ended. `None` when it is not running.
    pub fn dovecot_cpu(&self) -> Option<std::time::Duration> {
        let pid = lock(&self.dovecot).as_ref()?.id();
        cpu::process_tree(pid)
    }

    /// A clean shutdown (SIGTERM, then waits until Dovecot has exited and its
    /// ports are closed); the mailboxes stay for the next start.
    pub fn stop_dovecot(&self) -> Result<()> {
        stop(lock(&self.dovecot).take(), "-TERM");
        let mut ports = vec![self.imap_port, self.lmtp_port];
        ports.extend(self.imaps_port());
        wait_closed(&ports)
    }

    /// Starts the SMTP receiver unless it runs; waits until it greets.
    pub fn start_smtp(&self) -> Result<()> {
        let (smtp, lmtp) = (self.smtp_port.to_string(), self.lmtp_port.to_string());
        let mut command = Command::new(PYTHON);
        command.arg(self.path("smtp_relay.py"));
        command.args(["--listen", &smtp, "--lmtp", &lmtp, "--fail-file"]);
        command.arg(self.path("smtp-fail"));
        if let Some(tls) = &self.tls {
            command
                .arg("--tls-cert")
                .arg(&tls.cert)
                .arg("--tls-key")
                .arg(&tls.key);
            command.args(["--tls-listen", &self.smtps_port.to_string()]);
        }
        let ready = || greets(self.smtp_port, "220");
        launch(&self.smtp, command, &self.path("smtp.log"), ready)
    }

    /// Kills the SMTP receiver: connections are refused until `start_smtp`.
    pub fn stop_smtp(&self) -> Result<()> {
        stop(lock(&self.smtp).take(), "-KILL");
        let mut ports = vec![self.smtp_port];
        ports.extend(self.smtps_port());
        wait_closed(&ports)
    }

    /// From now on SMTP answers `command` ("MAIL", "RCPT" or "DATA") with
    /// `reply`, e.g. ("DATA", "451 4.3.0 Try again later"), until `heal_smtp`.
    pub fn fail_smtp(&self, command: &str, reply: &str) -> Result<()> {
        let temp = self.path("smtp-fail.new");
        fs::write(&temp, format!("{command} {reply}\n")).context("write smtp-fail")?;
        fs::rename(temp, self.path("smtp-fail")).context("rename smtp-fail")
    }

    /// SMTP relays every command again.
    pub fn heal_smtp(&self) -> Result<()> {
        match fs::remove_file(self.path("smtp-fail")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).context("delete smtp-fail")
            }
            _ => Ok(()),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }
}

impl Drop for MailStack {
    fn drop(&mut self) {
        stop(lock(&self.smtp).take(), "-KILL");
        stop(lock(&self.dovecot).take(), "-TERM");
    }
}

/// Writes the embedded `smtp_relay.py` into `dir`; returns its path.
fn write_relay(dir: &Path) -> Result<PathBuf> {
    let path = dir.join("smtp_relay.py");
    fs::write(&path, RELAY).context("mail stack: write smtp_relay.py")?;
    Ok(path)
}
