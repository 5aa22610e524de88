//! IDLE (RFC 2177) on an [`ImapSession`], written on async-imap's
//! `run_command` and `read_response` rather than its `Handle`: a `Handle`
//! takes the session and gives it back only on a clean DONE, its timeout
//! restarts on every `* OK Still here`, and a closed connection looks like
//! a manual interrupt there.
use super::ImapSession;
use super::connect::{self, words};
use anyhow::{Context, bail};
use async_imap::imap_proto::Response;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleOutcome {
    /// The server reported a change (new, expunged or changed messages).
    NewData,
    /// Nothing happened before the timeout.
    Timeout,
    /// The stop future completed.
    Stopped,
}

impl ImapSession {
    /// Waits in IDLE until the server reports a change, `timeout` passes
    /// (use less than 29 minutes, RFC 2177) or `stop` completes; then ends
    /// IDLE, so the session is ready for the next command. Returns NewData
    /// at once if an EXISTS arrived since the last `new_uids`.
    #[tracing::instrument(level = "debug", skip_all, fields(server = %self.server))]
    pub async fn idle(
        &mut self,
        timeout: Duration,
        stop: impl Future<Output = ()>,
    ) -> anyhow::Result<IdleOutcome> {
        let outcome = self.idle_inner(timeout, stop).await;
        outcome.with_context(|| format!("IDLE for {}", self.server))
    }

    async fn idle_inner(
        &mut self,
        timeout: Duration,
        stop: impl Future<Output = ()>,
    ) -> anyhow::Result<IdleOutcome> {
        if !self.capabilities.idle {
            bail!("the server does not offer IDLE: poll instead");
        }
        if self.saw_exists {
            return Ok(IdleOutcome::NewData);
        }
        let tag = self.send("IDLE").await?;
        let mut news = false;
        loop {
            let read = tokio::time::timeout(self.timeout, self.session.read_response()).await;
            let response = self.timed(read)?;
            match response.parsed() {
                Response::Continue(_) => break,
                Response::Done {
                    tag: t, outcome, ..
                } if *t == tag => {
                    bail!("refused: {}", words(outcome));
                }
                other => news |= self.note(other),
            }
        }
        let outcome = match news {
            true => IdleOutcome::NewData,
            false => self.wait_in_idle(timeout, stop).await?,
        };
        let sent = connect::within(self.timeout, self.session.run_command_untagged("DONE")).await;
        if let Err(e) = sent {
            return Err(self.broke(format!("ending IDLE: {e:#}")));
        }
        let done = self.finish(&tag, |_| false).await?;
        match done.ok {
            true => Ok(outcome),
            false => bail!("refused: {}", done.words),
        }
    }

    async fn wait_in_idle(
        &mut self,
        timeout: Duration,
        stop: impl Future<Output = ()>,
    ) -> anyhow::Result<IdleOutcome> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut stop = std::pin::pin!(stop);
        loop {
            // Cancelling a read loses nothing: async-imap keeps what it has
            // read in its own buffer.
            let read = tokio::select! {
                biased;
                () = &mut stop => return Ok(IdleOutcome::Stopped),
                () = tokio::time::sleep_until(deadline) => return Ok(IdleOutcome::Timeout),
                read = self.session.read_response() => read,
            };
            let response = self.received(read)?;
            if self.note(response.parsed()) {
                return Ok(IdleOutcome::NewData);
            }
        }
    }
}
