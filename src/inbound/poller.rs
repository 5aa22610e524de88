//! One poller per enabled email domain: connect, SELECT, fetch what is new
//! by UID with `BODY.PEEK[]`, hand it to the ingest pipeline, and only after
//! the commit flag/move/delete it on the server; then IDLE (or sleep) and
//! again. Errors end the session, are recorded on the email domain, and the
//! poller reconnects with exponential backoff and jitter. Exactly-once rests
//! on the ingest records: (domain, UIDVALIDITY, UID) and the Message-ID are
//! stored in the transaction that stores the mail, so a crash between fetch
//! and commit re-fetches and a crash after the commit skips.
use super::acker::Acker;
use super::fault;
use super::imap::{IdleOutcome, ImapSession};
use super::tls::TlsConfig;
use crate::domain::{AfterAction, EmailDomain, ImapSettings};
use crate::ingest::{Incoming, Ingested, Ingestor, Outcome, Source, prepare_all};
use crate::service::replies::Replies;
use crate::store::domains::SyncState;
use rand::Rng;
use std::time::Duration;
use tokio::sync::{oneshot, watch};

#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// Between polls when the server offers no IDLE.
    pub poll_interval: Duration,
    /// How long one IDLE lasts before it is renewed (RFC 2177: under 29 min).
    pub idle_timeout: Duration,
    /// Messages per fetch and per ingest transaction, at most.
    pub batch: usize,
    /// Bytes per fetch and per ingest transaction, at most (a larger
    /// message goes alone), so big attachments cannot exhaust memory.
    pub batch_bytes: u64,
    /// A message larger than this is not fetched whole: its header is kept
    /// in a quarantine record with the reason, and it is moved aside.
    pub max_message_bytes: u64,
    /// Bounds each network step.
    pub timeout: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Acknowledgements per sender per hour; None: send none.
    pub acknowledge: Option<u32>,
    /// This instance's name on mailbox leases: stable across restarts of
    /// the same instance, so a restart after a crash resumes at once.
    pub owner: String,
    /// How long a mailbox lease lasts without renewal: another instance
    /// takes over a dead one's mailbox after this. Renewed every half.
    pub lease: Duration,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(25 * 60),
            batch: 2000,
            batch_bytes: 64 * 1024 * 1024,
            max_message_bytes: crate::config::DEFAULT_MAX_MESSAGE_BYTES,
            timeout: Duration::from_secs(60),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            acknowledge: Some(3),
            owner: instance_name(crate::config::DEFAULT_LISTEN),
            lease: Duration::from_secs(120),
        }
    }
}

/// `hostname/listen-address`: two instances on one host cannot listen on
/// the same address, and a restarted instance is recognised as itself.
pub fn instance_name(listen: &str) -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    format!("{}/{listen}", host.trim())
}

/// A batch being stored in the background.
type Storing = tokio::task::JoinHandle<anyhow::Result<Vec<Ingested>>>;

/// Where the mailbox stands: the UIDs up to `settled` are stored and acted
/// on at the server.
struct Progress {
    domain_id: i64,
    folder: String,
    uidvalidity: u32,
    settled: watch::Receiver<u32>,
}

/// Stores a parsed batch once the batch before it has committed, and says
/// so to the batch after it. A batch before it that failed fails this one
/// too (the round ends, and the next round fetches both again). It then
/// remembers the UID up to which mail is stored and acted on, so the next
/// session fetches from there: mail committed but not yet flagged or moved
/// comes again, is recognised as stored, and is acted on then.
async fn store_in_turn(
    ingestor: Ingestor,
    parsing: tokio::task::JoinHandle<Vec<crate::ingest::Prepared>>,
    previous: Option<oneshot::Receiver<()>>,
    progress: Progress,
    committed: oneshot::Sender<()>,
) -> anyhow::Result<Vec<Ingested>> {
    let prepared = parsing.await?;
    if let Some(previous) = previous {
        previous
            .await
            .map_err(|_| anyhow::anyhow!("the batch before this one was not stored"))?;
    }
    let results = ingestor.ingest_prepared(prepared).await?;
    let _ = committed.send(());
    let state = SyncState {
        uidvalidity: Some(progress.uidvalidity),
        last_uid: *progress.settled.borrow(),
    };
    ingestor
        .store()
        .save_sync_state(progress.domain_id, &progress.folder, state)
        .await?;
    Ok(results)
}
type UidResult = (u32, Ingested);

pub struct Poller {
    domain_id: i64,
    ingestor: Ingestor,
    replies: Replies,
    tls: TlsConfig,
    config: PollerConfig,
    shutdown: watch::Receiver<bool>,
    /// Started by [`Poller::run`] when acknowledgements are on.
    acker: Option<Acker>,
}

/// What one sync round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub fetched: usize,
    pub created: usize,
}

impl Poller {
    pub fn new(
        domain_id: i64,
        ingestor: Ingestor,
        replies: Replies,
        tls: TlsConfig,
        config: PollerConfig,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        Self {
            domain_id,
            ingestor,
            replies,
            tls,
            config,
            shutdown,
            acker: None,
        }
    }

    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Waits `d` or until shutdown; true when shutting down.
    async fn pause(&mut self, d: Duration) -> bool {
        let mut rx = self.shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => self.stopping(),
            _ = rx.wait_for(|s| *s) => true,
        }
    }

    /// Runs until shutdown. Never returns early on errors: they are logged,
    /// recorded on the email domain and followed by a reconnect.
    pub async fn run(mut self) {
        let store = self.ingestor.store().clone();
        self.acker = self.config.acknowledge.map(|per_hour| {
            Acker::spawn(
                store.clone(),
                self.replies.clone(),
                self.domain_id,
                per_hour,
                self.shutdown.clone(),
            )
        });
        let mut failures: u32 = 0;
        while !self.stopping() {
            let domain = match store.email_domain(self.domain_id).await {
                Ok(Some(d)) => d,
                Ok(None) => {
                    tracing::info!(domain = self.domain_id, "email domain gone; poller stops");
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "reading the email domain");
                    if self
                        .pause(self.config.backoff_max.min(Duration::from_secs(5)))
                        .await
                    {
                        break;
                    }
                    continue;
                }
            };
            let Some(imap) = domain.imap.clone().filter(|_| domain.enabled) else {
                if self.pause(self.config.poll_interval).await {
                    break;
                }
                continue;
            };
            let lease = chrono::Duration::from_std(self.config.lease)
                .unwrap_or(chrono::Duration::minutes(2));
            match store
                .lease_mailbox(domain.id, &imap.folder, &self.config.owner, lease)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::debug!(domain = %domain.address, "another instance polls this mailbox");
                    if self.pause(self.config.poll_interval).await {
                        break;
                    }
                    continue;
                }
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "leasing the mailbox"),
            }
            match self.session(&domain, &imap).await {
                Ok(()) => failures = 0,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    crate::metrics::poll_error(domain.address.as_str());
                    let message = format!("{e:#}");
                    tracing::warn!(domain = %domain.address, error = %message, failures, "mailbox session failed");
                    if let Err(e) = store.record_poll(domain.id, Some(&message)).await {
                        tracing::error!(error = %format!("{e:#}"), "recording a poll error");
                    }
                    let wait = backoff(self.config.backoff_base, self.config.backoff_max, failures);
                    if self.pause(wait).await {
                        break;
                    }
                }
            }
        }
        if let Err(e) = store
            .release_mailbox(self.domain_id, &self.config.owner)
            .await
        {
            tracing::warn!(error = %format!("{e:#}"), "releasing the mailbox lease");
        }
    }

    /// One connection's life: sync, wait for news, sync again … until an
    /// error or shutdown.
    async fn session(&mut self, domain: &EmailDomain, imap: &ImapSettings) -> anyhow::Result<()> {
        let store = self.ingestor.store().clone();
        let mut session = ImapSession::connect(imap, &self.tls, self.config.timeout).await?;
        tracing::info!(domain = %domain.address, idle = session.capabilities().idle, "mailbox connected");
        loop {
            let round = self.sync(&mut session, domain, imap).await?;
            store.record_poll(domain.id, None).await?;
            if round.fetched > 0 {
                tracing::info!(domain = %domain.address, fetched = round.fetched, created = round.created, "mail stored");
            }
            let lease = chrono::Duration::from_std(self.config.lease)
                .unwrap_or(chrono::Duration::minutes(2));
            if !store
                .lease_mailbox(domain.id, &imap.folder, &self.config.owner, lease)
                .await?
            {
                anyhow::bail!("the mailbox lease passed to another instance");
            }
            if self.stopping() {
                let _ = session.logout().await;
                return Ok(());
            }
            if session.capabilities().idle {
                let mut rx = self.shutdown.clone();
                let stop = async move {
                    let _ = rx.wait_for(|s| *s).await;
                };
                let idle = self.config.idle_timeout.min(self.config.lease / 2);
                match session.idle(idle, stop).await? {
                    IdleOutcome::Stopped => {
                        let _ = session.logout().await;
                        return Ok(());
                    }
                    IdleOutcome::NewData | IdleOutcome::Timeout => {}
                }
            } else if self
                .pause(self.config.poll_interval.min(self.config.lease / 2))
                .await
            {
                let _ = session.logout().await;
                return Ok(());
            }
        }
    }

    /// Fetches and stores everything new in the folder. Fetching the next
    /// batch overlaps storing the previous one.
    pub async fn sync(
        &mut self,
        session: &mut ImapSession,
        domain: &EmailDomain,
        imap: &ImapSettings,
    ) -> anyhow::Result<Round> {
        let store = self.ingestor.store().clone();
        let selected = session.select(&imap.folder).await?;
        let mut state = store.sync_state(domain.id, &imap.folder).await?;
        if state.uidvalidity != Some(selected.uidvalidity) {
            if state.uidvalidity.is_some() {
                tracing::warn!(domain = %domain.address, old = ?state.uidvalidity, new = selected.uidvalidity,
                    "UIDVALIDITY changed: reading the folder again (stored mail is recognised by Message-ID and content)");
            }
            state = SyncState {
                uidvalidity: Some(selected.uidvalidity),
                last_uid: 0,
            };
        }
        let uids = session.new_uids(state.last_uid).await?;
        let mut round = Round::default();
        let mut pending: Option<(Vec<u32>, Storing)> = None;
        // Storing a batch waits for the one before it to commit (a reply may
        // thread on the batch before it), not for the server to be told.
        let mut committed: Option<oneshot::Receiver<()>> = None;
        let (settled, settled_rx) = watch::channel(state.last_uid);
        let sizes = session.sizes(&uids).await?;
        let max = self.config.max_message_bytes;
        let too_big: std::collections::HashMap<u32, u64> = sizes
            .iter()
            .map(|&(uid, size)| (uid, u64::from(size)))
            .filter(|&(_, size)| size > max)
            .collect();
        for chunk in &batches(&sizes, self.config.batch, self.config.batch_bytes.min(max)) {
            // A message over the limit comes alone (it is over the batch
            // bytes too): only its header is fetched, to quarantine it.
            let oversized = match chunk.as_slice() {
                [uid] => too_big.get(uid).copied(),
                _ => None,
            };
            let fetched = match oversized {
                Some(_) => session.fetch_headers(chunk).await?,
                None => session.fetch(chunk).await?,
            };
            fault::point("after_fetch");
            round.fetched += fetched.len();
            // The UIDs that came (one expunged meanwhile does not), in the
            // order the results of storing them will have.
            let got: Vec<u32> = fetched.iter().map(|(uid, _)| *uid).collect();
            let acknowledge = self.config.acknowledge.is_some();
            let incoming: Vec<Incoming> = fetched
                .into_iter()
                .map(|(uid, raw)| Incoming {
                    source: Source::Imap {
                        email_domain_id: domain.id,
                        uidvalidity: selected.uidvalidity,
                        uid,
                        acknowledge,
                    },
                    raw,
                })
                .collect();
            // Parsing starts at once, overlapping the previous batch's store.
            let parsing = tokio::task::spawn_blocking(move || {
                let mut prepared = prepare_all(incoming);
                if let Some(size) = oversized {
                    for p in &mut prepared {
                        p.mail = Err(format!(
                            "the message is {size} bytes, over the {max}-byte limit: only its header was fetched and kept"
                        ));
                    }
                }
                prepared
            });
            let (done, next_committed) = oneshot::channel();
            let progress = Progress {
                domain_id: domain.id,
                folder: imap.folder.clone(),
                uidvalidity: selected.uidvalidity,
                settled: settled_rx.clone(),
            };
            let next = tokio::spawn(store_in_turn(
                self.ingestor.clone(),
                parsing,
                committed.replace(next_committed),
                progress,
                done,
            ));
            if let Some((uids, handle)) = pending.replace((got, next)) {
                round.created += self.settle(session, domain, imap, &uids, handle).await?;
                state.last_uid = state.last_uid.max(uids.iter().copied().max().unwrap_or(0));
                settled.send_replace(state.last_uid);
            }
        }
        match pending {
            // Settling acknowledges what the batch created.
            Some((uids, handle)) => {
                round.created += self.settle(session, domain, imap, &uids, handle).await?;
                state.last_uid = state.last_uid.max(uids.iter().copied().max().unwrap_or(0));
            }
            // Nothing new: acknowledge what a crash may have left pending.
            None => self.acknowledge_pending(domain).await?,
        }
        // Remember the validity even when the folder is empty.
        store
            .save_sync_state(domain.id, &imap.folder, state)
            .await?;
        Ok(round)
    }

    /// After a batch is committed: act on the server, acknowledge new
    /// tickets. Returns the tickets created.
    async fn settle(
        &mut self,
        session: &mut ImapSession,
        domain: &EmailDomain,
        imap: &ImapSettings,
        uids: &[u32],
        handle: Storing,
    ) -> anyhow::Result<usize> {
        let results = handle.await??;
        fault::point("after_commit");
        let (quarantined, done): (Vec<UidResult>, Vec<UidResult>) = uids
            .iter()
            .copied()
            .zip(results.iter().copied())
            .partition(|(_, r)| r.outcome == Outcome::Quarantined);
        let done: Vec<u32> = done.into_iter().map(|(u, _)| u).collect();
        let quarantined: Vec<u32> = quarantined.into_iter().map(|(u, _)| u).collect();
        if !done.is_empty() {
            session.apply(&done, &imap.after).await?;
        }
        if !quarantined.is_empty() {
            let action = match &imap.quarantine_folder {
                Some(folder) => AfterAction::Move(folder.clone()),
                None => imap.after.clone(),
            };
            tracing::warn!(domain = %domain.address, count = quarantined.len(), "mail quarantined");
            session.apply(&quarantined, &action).await?;
        }
        self.acknowledge_pending(domain).await?;
        Ok(results
            .iter()
            .filter(|r| r.outcome == Outcome::Created)
            .count())
    }

    /// New tickets were stored (or a crash may have left some pending):
    /// the acker queues their acknowledgements while this poller goes on.
    /// With acknowledgements off, marks left from before are dropped.
    async fn acknowledge_pending(&self, domain: &EmailDomain) -> anyhow::Result<()> {
        match (&self.acker, self.config.acknowledge) {
            (Some(acker), _) => {
                acker.poke();
                Ok(())
            }
            // Left for the acker that `run` starts.
            (None, Some(_)) => Ok(()),
            (None, None) => self.ingestor.store().clear_pending_acks_of(domain.id).await,
        }
    }
}

/// UIDs in order, cut into batches of at most `count` messages and
/// `bytes` bytes (a message larger than `bytes` makes a batch of its own).
pub fn batches(sizes: &[(u32, u32)], count: usize, bytes: u64) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    let mut current: Vec<u32> = Vec::new();
    let mut weight = 0u64;
    for &(uid, size) in sizes {
        let size = u64::from(size);
        if !current.is_empty() && (current.len() >= count.max(1) || weight + size > bytes) {
            out.push(std::mem::take(&mut current));
            weight = 0;
        }
        current.push(uid);
        weight += size;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `base * 2^(failures-1)`, capped, with ±25 % jitter.
pub fn backoff(base: Duration, max: Duration, failures: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let capped = exp.min(max);
    let jitter: f64 = rand::rng().random_range(0.75..1.25);
    capped.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_cut_by_count_and_by_bytes() {
        let sizes = [(1, 10), (2, 10), (3, 10), (5, 100), (6, 5), (7, 5)];
        assert_eq!(
            batches(&sizes, 2, 1000),
            vec![vec![1, 2], vec![3, 5], vec![6, 7]]
        );
        assert_eq!(
            batches(&sizes, 10, 25),
            vec![vec![1, 2], vec![3], vec![5], vec![6, 7]]
        );
        assert_eq!(batches(&[], 10, 25), Vec::<Vec<u32>>::new());
        assert_eq!(batches(&[(9, 500)], 0, 1), vec![vec![9]]);
    }

    #[test]
    fn backoff_doubles_and_caps_with_jitter() {
        let base = Duration::from_secs(1);
        let max = Duration::from_secs(60);
        for (failures, expected) in [(1, 1.0), (2, 2.0), (3, 4.0), (7, 60.0), (40, 60.0)] {
            let got = backoff(base, max, failures).as_secs_f64();
            assert!(
                got >= expected * 0.75 && got <= expected * 1.25,
                "{failures}: {got}"
            );
        }
    }
}
