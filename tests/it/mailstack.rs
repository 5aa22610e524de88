//! A real mail stack for integration tests: Dovecot (IMAP and LMTP, maildir,
//! passwd-file users) behind `tests/mailstack/smtp_relay.py`, an SMTP receiver
//! that delivers over LMTP before it answers, so "250" means "in the mailbox".
//! Config, maildirs, logs and sockets live under one temp dir; every port is a
//! free one on 127.0.0.1. See tests/mailstack/README.md.
//!
//! The API blocks (start ~0.1–0.3 s, Dovecot's clean stop ~1.1 s): from async
//! tests, call it where blocking a runtime thread for that long is fine.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub const SUPPORT: &str = "support@example.com";
pub const SUPPORT_PASSWORD: &str = "support-secret";
pub const CUSTOMER: &str = "customer@example.net";
pub const CUSTOMER_PASSWORD: &str = "customer-secret";

const DOVECOT: &str = "/usr/sbin/dovecot";
/// Debian's python3-aiosmtpd is installed for this Python, not for others on PATH.
const PYTHON: &str = "/usr/bin/python3";
const RELAY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mailstack/smtp_relay.py");
const PACKAGES: &str = "dovecot-imapd dovecot-lmtpd python3-aiosmtpd";
/// How long a start, a stop or one network read may take.
const DEADLINE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(5);
/// Uid and gid of Debian's `mail` user: as root, Dovecot won't store mail as root.
const MAIL_ID: u32 = 8;

pub struct MailStack {
    dir: tempfile::TempDir,
    imap_port: u16,
    lmtp_port: u16,
    smtp_port: u16,
    dovecot: Slot,
    smtp: Slot,
}

/// A server process, while it runs.
type Slot = Mutex<Option<Child>>;

impl MailStack {
    /// Starts Dovecot and the SMTP receiver with the users [`SUPPORT`] and
    /// [`CUSTOMER`]; panics with the tail of the failing server's log.
    pub fn start() -> MailStack {
        let dir = tempfile::Builder::new().prefix("mailstack-").tempdir();
        let [imap_port, lmtp_port, smtp_port] = free_ports();
        let stack = MailStack {
            dir: dir.expect("create the mail stack's temp dir"),
            imap_port,
            lmtp_port,
            smtp_port,
            dovecot: Slot::default(),
            smtp: Slot::default(),
        };
        stack.write_config().expect("write the Dovecot config");
        stack.add_user(SUPPORT, SUPPORT_PASSWORD);
        stack.add_user(CUSTOMER, CUSTOMER_PASSWORD);
        stack.start_dovecot();
        stack.start_smtp();
        stack
    }

    pub fn imap_port(&self) -> u16 {
        self.imap_port
    }

    pub fn smtp_port(&self) -> u16 {
        self.smtp_port
    }

    /// Adds a mailbox. Dovecot rereads the users file, so this works while it runs.
    pub fn add_user(&self, address: &str, password: &str) {
        let bad = |s: &str| s.is_empty() || s.contains([':', '\n', '\r']);
        assert!(!bad(address) && !bad(password), "unusable user {address:?}");
        let line = format!("{address}:{{PLAIN}}{password}::::::\n");
        let mut users = append(&self.path("users"));
        users.write_all(line.as_bytes()).expect("add a user");
    }

    pub fn start_dovecot(&self) {
        let mut command = Command::new(DOVECOT);
        command.arg("-F").arg("-c").arg(self.path("dovecot.conf"));
        let ready = || greets(self.imap_port, "* OK") && greets(self.lmtp_port, "220");
        self.launch(&self.dovecot, command, "dovecot.log", ready);
    }

    /// A clean shutdown (SIGTERM, then waits until Dovecot has exited and its
    /// ports are closed); the mailboxes stay for the next start.
    pub fn stop_dovecot(&self) {
        stop(lock(&self.dovecot).take(), "-TERM");
        wait_closed(&[self.imap_port, self.lmtp_port]);
    }

    pub fn start_smtp(&self) {
        let (smtp, lmtp) = (self.smtp_port.to_string(), self.lmtp_port.to_string());
        let mut command = Command::new(PYTHON);
        command.args([RELAY, "--listen", &smtp, "--lmtp", &lmtp, "--fail-file"]);
        command.arg(self.path("smtp-fail"));
        let ready = || greets(self.smtp_port, "220");
        self.launch(&self.smtp, command, "smtp.log", ready);
    }

    /// Kills the SMTP receiver: connections are refused until `start_smtp`.
    pub fn stop_smtp(&self) {
        stop(lock(&self.smtp).take(), "-KILL");
        wait_closed(&[self.smtp_port]);
    }

    /// From now on SMTP answers `command` ("MAIL", "RCPT" or "DATA") with
    /// `reply`, e.g. ("DATA", "451 4.3.0 Try again later"), until `heal_smtp`.
    pub fn fail_smtp(&self, command: &str, reply: &str) {
        let temp = self.path("smtp-fail.new");
        fs::write(&temp, format!("{command} {reply}\n")).expect("write smtp-fail");
        fs::rename(temp, self.path("smtp-fail")).expect("rename smtp-fail");
    }

    pub fn heal_smtp(&self) {
        let _ = fs::remove_file(self.path("smtp-fail"));
    }

    /// Sends one message over SMTP: Ok(last reply) or Err(the failing reply).
    pub fn send(&self, from: &str, to: &str, message: &str) -> Result<String, String> {
        let mut smtp = Client::connect(self.smtp_port);
        let steps = [
            (String::new(), '2'),
            ("EHLO tests.example".into(), '2'),
            (format!("MAIL FROM:<{from}>"), '2'),
            (format!("RCPT TO:<{to}>"), '2'),
            ("DATA".into(), '3'),
            (format!("{}\r\n.", message.replace("\n.", "\n..")), '2'),
        ];
        let mut reply = String::new();
        for (command, expected) in steps {
            if !command.is_empty() {
                smtp.send(&command);
            }
            reply = smtp.smtp_reply();
            if !reply.starts_with(expected) {
                break;
            }
        }
        smtp.send("QUIT");
        if reply.starts_with('2') {
            Ok(reply)
        } else {
            Err(reply)
        }
    }

    /// A user's whole INBOX over IMAP, as the server printed it.
    pub fn inbox(&self, address: &str, password: &str) -> String {
        let mut imap = Client::connect(self.imap_port);
        imap.read_line();
        imap.imap("a1", &format!("LOGIN \"{address}\" \"{password}\""));
        imap.imap("a2", "SELECT INBOX");
        let fetched = imap.imap("a3", "UID FETCH 1:* BODY.PEEK[]");
        imap.imap("a4", "LOGOUT");
        fetched
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write_config(&self) -> std::io::Result<()> {
        let dir = self.dir.path();
        let me = fs::metadata("/proc/self")?;
        let (uid, gid, run_as, chroot) = if me.uid() == 0 {
            make_traversable(dir)?;
            (MAIL_ID, MAIL_ID, String::new(), "")
        } else {
            let (user, group) = (id("-un")?, id("-gn")?);
            let run_as = format!(
                "default_internal_user = {user}\ndefault_login_user = {user}\n\
                 default_internal_group = {group}"
            );
            (me.uid(), me.gid(), run_as, "chroot =")
        };
        for sub in ["mail", "run", "state"] {
            fs::create_dir(dir.join(sub))?;
        }
        std::os::unix::fs::chown(dir.join("mail"), Some(uid), Some(gid))?;
        let conf = DOVECOT_CONF
            .replace("@RUN_AS@", &run_as)
            .replace("@CHROOT@", chroot)
            .replace("@DIR@", &dir.display().to_string())
            .replace("@UID@", &uid.to_string())
            .replace("@GID@", &gid.to_string())
            .replace("@IMAP@", &self.imap_port.to_string())
            .replace("@LMTP@", &self.lmtp_port.to_string());
        fs::write(dir.join("dovecot.conf"), conf)
    }

    /// Runs `command` (output appended to `log`) unless it runs already, and
    /// waits until `ready`; panics with the log's tail if it exits or hangs.
    fn launch(&self, slot: &Slot, mut command: Command, log: &str, ready: impl Fn() -> bool) {
        let mut slot = lock(slot);
        if slot.is_some() {
            return;
        }
        let out = append(&self.path(log));
        let err = out.try_clone().expect("clone a log file");
        let spawned = command.stdin(Stdio::null()).stdout(out).stderr(err).spawn();
        let program = command.get_program().display();
        let child = slot.insert(spawned.unwrap_or_else(|e| {
            panic!("mail stack: cannot run {program}: {e} (apt-get install {PACKAGES})")
        }));
        let deadline = Instant::now() + DEADLINE;
        let problem = loop {
            match child.try_wait() {
                _ if ready() => return,
                Ok(Some(status)) => break format!("exited ({status})"),
                Err(e) => break format!("cannot be waited for: {e}"),
                Ok(None) if Instant::now() > deadline => {
                    break format!("not ready in {DEADLINE:?}");
                }
                Ok(None) => sleep(POLL),
            }
        };
        let text = fs::read_to_string(self.path(log)).unwrap_or_default();
        let tail = text.lines().rev().take(40).collect::<Vec<_>>();
        let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
        panic!("mail stack: {program} {problem}\n--- tail of {log} ---\n{tail}");
    }
}

impl Drop for MailStack {
    fn drop(&mut self) {
        stop(lock(&self.smtp).take(), "-KILL");
        stop(lock(&self.dovecot).take(), "-TERM");
    }
}

const DOVECOT_CONF: &str = r#"# Written by tests/it/mailstack.rs for one test's mail stack.
base_dir = @DIR@/run
state_dir = @DIR@/state
log_path = @DIR@/dovecot.log
log_timestamp = "%H:%M:%S.%{usecs} "
auth_verbose = yes
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
mail_fsync = never
mail_location = maildir:~/Maildir
mail_max_userip_connections = 1000
first_valid_uid = @UID@
# Without stats, a stop takes ~1.1 s, not up to 6 s.
stats_writer_socket_path =
@RUN_AS@
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u @DIR@/users
}
userdb {
  driver = passwd-file
  args = username_format=%u @DIR@/users
  default_fields = uid=@UID@ gid=@GID@ home=@DIR@/mail/%d/%n
}
service imap-login {
  @CHROOT@
  inet_listener imap {
    port = @IMAP@
  }
}
service lmtp {
  inet_listener lmtp {
    port = @LMTP@
  }
}
service anvil {
  @CHROOT@
  # Nobody may connect to it: that turns the failed-login penalty off.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
"#;

/// The current user's or group's name (`id -un`, `id -gn`).
fn id(flag: &str) -> std::io::Result<String> {
    let out = Command::new("id").arg(flag).output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn lock(child: &Slot) -> MutexGuard<'_, Option<Child>> {
    child.lock().unwrap_or_else(|e| e.into_inner())
}

fn append(path: &Path) -> File {
    let file = OpenOptions::new().create(true).append(true).open(path);
    file.unwrap_or_else(|e| panic!("mail stack: open {}: {e}", path.display()))
}

/// Distinct free ports: all bound at once, then released.
fn free_ports<const N: usize>() -> [u16; N] {
    let bind = |_| TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let listeners: Vec<TcpListener> = (0..N).map(bind).collect();
    std::array::from_fn(|i| listeners[i].local_addr().expect("a bound port").port())
}

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Whether something on `port` greets with a line starting with `prefix`.
fn greets(port: u16, prefix: &str) -> bool {
    let timeout = Duration::from_millis(500);
    let Ok(stream) = TcpStream::connect_timeout(&local(port), timeout) else {
        return false;
    };
    let mut line = String::new();
    let read = stream.set_read_timeout(Some(timeout));
    read.is_ok() && BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with(prefix)
}

fn is_open(port: u16) -> bool {
    TcpStream::connect(local(port)).is_ok()
}

fn wait_closed(ports: &[u16]) {
    let deadline = Instant::now() + DEADLINE;
    while ports.iter().any(|&port| is_open(port)) {
        assert!(Instant::now() < deadline, "ports {ports:?} stay open");
        sleep(POLL);
    }
}

/// Signals the process and waits until it has exited and is reaped (so no
/// zombie is left), with SIGKILL after the deadline. Never panics: Drop uses it.
fn stop(child: Option<Child>, signal: &str) {
    let Some(mut child) = child else { return };
    let pid = child.id().to_string();
    let _ = Command::new("kill").args([signal, &pid]).status();
    let deadline = Instant::now() + DEADLINE;
    while let Ok(None) = child.try_wait() {
        if Instant::now() > deadline {
            eprintln!("mail stack: pid {pid} ignored {signal}; killing it");
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        sleep(POLL);
    }
}

/// Dovecot's unprivileged processes must reach the temp dir: chmod go+x it and its parents.
fn make_traversable(dir: &Path) -> std::io::Result<()> {
    for dir in dir.ancestors() {
        let mode = fs::metadata(dir)?.permissions().mode();
        if mode & 0o011 != 0o011 {
            fs::set_permissions(dir, Permissions::from_mode(mode | 0o011))?;
        }
    }
    Ok(())
}

/// A line-based client: just enough SMTP and IMAP for tests.
struct Client(BufReader<TcpStream>);

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(local(port)).expect("connect to the mail stack");
        let timeout = stream.set_read_timeout(Some(DEADLINE));
        timeout.expect("set a read timeout");
        Client(BufReader::new(stream))
    }

    fn send(&mut self, line: &str) {
        let sent = self.0.get_mut().write_all(format!("{line}\r\n").as_bytes());
        sent.expect("write to the mail stack");
    }

    fn read_line(&mut self) -> String {
        let mut line = Vec::new();
        match self.0.read_until(b'\n', &mut line) {
            Ok(n) if n > 0 => String::from_utf8_lossy(&line).into_owned(),
            outcome => panic!("mail stack: connection closed or stuck: {outcome:?}"),
        }
    }

    /// One SMTP reply, one line or more: its last line.
    fn smtp_reply(&mut self) -> String {
        loop {
            let line = self.read_line();
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_string();
            }
        }
    }

    /// Sends an IMAP command; everything up to its tagged reply, which must be OK.
    fn imap(&mut self, tag: &str, command: &str) -> String {
        self.send(&format!("{tag} {command}"));
        let mut text = String::new();
        loop {
            let line = self.read_line();
            text.push_str(&line);
            if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                assert!(status.starts_with("OK"), "IMAP {command:?}: {status}");
                return text;
            }
        }
    }
}

/// A message from the customer to support.
fn message(id: &str, body: &str) -> String {
    let headers = format!("From: {CUSTOMER}\r\nTo: {SUPPORT}\r\nSubject: Help\r\n");
    format!("{headers}Message-ID: <{id}>\r\n\r\n{body}\r\n")
}

#[test]
fn mail_sent_over_smtp_is_in_the_recipients_imap_inbox() {
    let stack = MailStack::start();
    let mail = message("first@example.net", "It smokes.\r\n.dot");
    let reply = stack.send(CUSTOMER, SUPPORT, &mail).expect("delivered");
    assert!(reply.starts_with("250 "), "{reply}");
    let inbox = stack.inbox(SUPPORT, SUPPORT_PASSWORD);
    assert!(inbox.contains("Message-ID: <first@example.net>"), "{inbox}");
    assert!(inbox.contains("\r\n\r\nIt smokes.\r\n.dot\r\n"), "{inbox}");
}

#[test]
fn an_unknown_recipient_gets_the_servers_5xx_words() {
    let stack = MailStack::start();
    let mail = message("lost@example.net", "Hello?");
    let reply = stack
        .send(CUSTOMER, "nobody@example.com", &mail)
        .unwrap_err();
    assert!(reply.starts_with("550 5.1.1 "), "{reply}");
    assert!(
        reply.contains("nobody@example.com> User doesn't exist"),
        "{reply}"
    );
}

#[test]
fn smtp_can_be_stopped_and_started_again_on_the_same_port() {
    let stack = MailStack::start();
    stack.stop_smtp();
    assert!(!is_open(stack.smtp_port()), "SMTP is still up");
    stack.start_smtp();
    let mail = message("again@example.net", "Back up");
    stack.send(CUSTOMER, SUPPORT, &mail).expect("delivered");
    let inbox = stack.inbox(SUPPORT, SUPPORT_PASSWORD);
    assert!(inbox.contains("Message-ID: <again@example.net>"), "{inbox}");
}

#[test]
fn smtp_answers_a_temporary_failure_when_told_to() {
    let stack = MailStack::start();
    let mail = message("later@example.net", "Retry me");
    stack.fail_smtp("DATA", "451 4.3.0 Try again later");
    let refused = stack.send(CUSTOMER, SUPPORT, &mail);
    assert_eq!(refused.unwrap_err(), "451 4.3.0 Try again later");
    stack.heal_smtp();
    stack.send(CUSTOMER, SUPPORT, &mail).expect("delivered");
    let inbox = stack.inbox(SUPPORT, SUPPORT_PASSWORD);
    assert_eq!(inbox.matches("<later@example.net>").count(), 1, "{inbox}");
}

#[test]
fn dovecot_can_be_restarted_and_keeps_the_mailbox() {
    let stack = MailStack::start();
    stack.add_user("sales@example.com", "sales-secret");
    let mail = message("kept@example.net", "Hi");
    stack
        .send(CUSTOMER, "sales@example.com", &mail)
        .expect("delivered");
    stack.stop_dovecot();
    assert!(!is_open(stack.imap_port()), "IMAP is still up");
    let down = stack.send(CUSTOMER, SUPPORT, &mail).unwrap_err();
    assert!(down.starts_with("451 4.4.1 "), "{down}");
    stack.start_dovecot();
    let inbox = stack.inbox("sales@example.com", "sales-secret");
    assert!(inbox.contains("Message-ID: <kept@example.net>"), "{inbox}");
}
