//! An SMTP receiver that accepts and drops every message, counting them: the
//! far end for outbound benchmarks, where delivery into a maildir (~200 msg/s)
//! would be the thing measured.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use tempfile::TempDir;

use super::process::{Slot, free_ports, greets, launch, lock, on_fresh_ports, stop};
use super::{PYTHON, write_relay};

/// `smtp_relay.py --discard` on a free port of 127.0.0.1: every message is
/// answered `250` at once and thrown away. Stopped when dropped.
pub struct SmtpSink {
    dir: TempDir,
    port: u16,
    process: Slot,
}

impl SmtpSink {
    /// Starts the sink (~0.2 s) and waits until it greets.
    pub fn start() -> Result<SmtpSink> {
        on_fresh_ports(SmtpSink::start_once)
    }

    fn start_once() -> Result<SmtpSink> {
        let dir = tempfile::Builder::new().prefix("smtpsink-").tempdir();
        let dir = dir.context("create the SMTP sink's temp dir")?;
        let [port] = free_ports()?;
        let sink = SmtpSink {
            dir,
            port,
            process: Slot::default(),
        };
        let relay = write_relay(sink.dir())?;
        let count = sink.count_file();
        fs::write(&count, "").context("create the SMTP sink's count file")?;
        let mut command = Command::new(PYTHON);
        command
            .arg(relay)
            .args(["--discard", "--listen", &port.to_string()]);
        command.arg("--count-file").arg(count);
        let ready = || greets(port, "220");
        launch(&sink.process, command, &sink.dir().join("smtp.log"), ready)?;
        Ok(sink)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The sink's temp dir: `smtp.log`, `received` (a Message-ID per line).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// How many messages the sink has answered `250` so far.
    pub fn received(&self) -> Result<u64> {
        Ok(self.received_ids()?.len() as u64)
    }

    /// The Message-ID of every message answered `250` so far, in order of
    /// arrival, repeats included (`-` for a message without one).
    pub fn received_ids(&self) -> Result<Vec<String>> {
        let ids = fs::read_to_string(self.count_file());
        let ids = ids.context("mail stack: read the SMTP sink's count")?;
        Ok(ids.lines().map(str::to_owned).collect())
    }

    fn count_file(&self) -> PathBuf {
        self.dir().join("received")
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        stop(lock(&self.process).take(), "-KILL");
    }
}
