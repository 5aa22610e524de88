//! Starting, watching and stopping the stack's server processes, and the
//! loopback port checks that tell whether they are up.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How long a start, a stop or one network read may take.
pub(super) const DEADLINE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(5);
/// The Debian packages the stack runs.
pub(super) const PACKAGES: &str = "dovecot-imapd dovecot-lmtpd python3-aiosmtpd openssl";

/// A server process, while it runs.
pub(super) type Slot = Mutex<Option<Child>>;

pub(super) fn lock(slot: &Slot) -> MutexGuard<'_, Option<Child>> {
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `command` (its output appended to `log`) unless it runs already, and
/// waits until `ready`; if it exits or hangs, stops it and fails with the
/// tail of the log.
pub(super) fn launch(
    slot: &Slot,
    mut command: Command,
    log: &Path,
    ready: impl Fn() -> bool,
) -> Result<()> {
    let mut slot = lock(slot);
    if slot.is_some() {
        return Ok(());
    }
    let out = append(log)?;
    let err = out.try_clone().context("clone a log file handle")?;
    let program = command.get_program().display().to_string();
    let spawned = command.stdin(Stdio::null()).stdout(out).stderr(err).spawn();
    let mut child = spawned.with_context(|| {
        format!("mail stack: cannot run {program} (apt-get install {PACKAGES})")
    })?;
    let deadline = Instant::now() + DEADLINE;
    let problem = loop {
        match child.try_wait() {
            _ if ready() => {
                *slot = Some(child);
                return Ok(());
            }
            Ok(Some(status)) => break format!("exited ({status})"),
            Err(e) => break format!("cannot be waited for: {e}"),
            Ok(None) if Instant::now() > deadline => break format!("not ready in {DEADLINE:?}"),
            Ok(None) => sleep(POLL),
        }
    };
    stop(Some(child), "-KILL");
    bail!("mail stack: {program} {problem}\n{}", log_tail(log))
}

/// The last lines of a server's log, to explain why it failed.
pub(super) fn log_tail(log: &Path) -> String {
    let text = fs::read_to_string(log).unwrap_or_default();
    let tail = text.lines().rev().take(40).collect::<Vec<_>>();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    let name = log.file_name().unwrap_or_default().display();
    format!("--- tail of {name} ---\n{tail}")
}

/// Signals the process and waits until it has exited and is reaped (so no
/// zombie is left), with SIGKILL after the deadline. Never panics: Drop uses it.
pub(super) fn stop(child: Option<Child>, signal: &str) {
    let Some(mut child) = child else { return };
    let pid = child.id().to_string();
    if signal == "-KILL" {
        let _ = child.kill();
    } else {
        let _ = Command::new("kill").args([signal, &pid]).status();
    }
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

pub(super) fn append(path: &Path) -> Result<File> {
    let file = OpenOptions::new().create(true).append(true).open(path);
    file.with_context(|| format!("mail stack: open {}", path.display()))
}

/// Distinct free ports: all bound at once, then released.
pub(super) fn free_ports<const N: usize>() -> Result<[u16; N]> {
    let mut ports = [0; N];
    let mut listeners = Vec::with_capacity(N);
    for port in &mut ports {
        let listener = TcpListener::bind(local(0)).context("bind a free port")?;
        *port = listener.local_addr().context("a bound port")?.port();
        listeners.push(listener);
    }
    Ok(ports)
}

/// What Dovecot and Python log when a port they are to listen on is taken.
const PORT_TAKEN: &str = "Address already in use";

/// Runs `start` (which picks its ports with [`free_ports`]) until it does
/// not fail for a port taken between being picked and being bound (by
/// another process: the ports are free only when picked), a few times.
pub(super) fn on_fresh_ports<T>(mut start: impl FnMut() -> Result<T>) -> Result<T> {
    const ATTEMPTS: usize = 5;
    let mut attempt = 1;
    loop {
        match start() {
            Err(e) if attempt < ATTEMPTS && format!("{e:#}").contains(PORT_TAKEN) => {
                tracing::warn!(
                    attempt,
                    "a port was taken before the server bound it; again"
                );
                attempt += 1;
            }
            started => return started,
        }
    }
}

pub(super) fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// Whether something on `port` greets with a line starting with `prefix`.
pub(super) fn greets(port: u16, prefix: &str) -> bool {
    let timeout = Duration::from_millis(500);
    let Ok(stream) = TcpStream::connect_timeout(&local(port), timeout) else {
        return false;
    };
    let mut line = String::new();
    let read = stream.set_read_timeout(Some(timeout));
    read.is_ok() && BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with(prefix)
}

pub(super) fn is_open(port: u16) -> bool {
    TcpStream::connect(local(port)).is_ok()
}

pub(super) fn wait_closed(ports: &[u16]) -> Result<()> {
    let deadline = Instant::now() + DEADLINE;
    while ports.iter().any(|&port| is_open(port)) {
        if Instant::now() > deadline {
            bail!("mail stack: ports {ports:?} stay open {DEADLINE:?} after a stop");
        }
        sleep(POLL);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_is_tried_again_only_while_a_port_was_taken() {
        let taken =
            || anyhow::anyhow!("dovecot exited\n--- log ---\nlisten: Address already in use");
        let mut calls = 0;
        let got = on_fresh_ports(|| {
            calls += 1;
            if calls < 3 { Err(taken()) } else { Ok(calls) }
        });
        assert_eq!(got.unwrap(), 3);
        let mut calls = 0;
        let other = on_fresh_ports(|| -> Result<()> {
            calls += 1;
            Err(anyhow::anyhow!("no such file"))
        });
        assert!(other.is_err());
        assert_eq!(calls, 1);
        let mut calls = 0;
        let always = on_fresh_ports(|| -> Result<()> {
            calls += 1;
            Err(taken())
        });
        assert!(always.is_err());
        assert_eq!(calls, 5);
    }
}
