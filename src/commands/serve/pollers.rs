//! Keeps one IMAP poller running per enabled email domain with IMAP
//! settings, as the database says now: a domain created or enabled gets
//! one, a changed mailbox setting restarts it, a domain disabled or deleted
//! stops it. The API pokes [`supervise`] on every change; a periodic look
//! also catches changes made by other instances sharing the database.
use crate::domain::ImapSettings;
use crate::inbound::poller::{Poller, PollerConfig};
use crate::inbound::tls::TlsConfig;
use crate::ingest::Ingestor;
use crate::service::replies::Replies;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// How often the domains are looked at without a poke.
const RESCAN: Duration = Duration::from_secs(5);
/// How long a stopping poller gets to log out before it is aborted.
/// Shorter than `serve`'s own grace, so a stop of everything waits for them.
const STOP_GRACE: Duration = Duration::from_secs(8);

/// What every poller is made with.
pub struct PollerKit {
    pub ingestor: Ingestor,
    pub replies: Replies,
    pub tls: TlsConfig,
    pub config: PollerConfig,
}

/// A poller at work, with the settings it was started on. Dropped (the
/// supervisor itself aborted), it aborts the poller: none outlives `serve`.
struct Running {
    settings: ImapSettings,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Runs until `shutdown`, then stops every poller and waits for them.
pub async fn supervise(kit: PollerKit, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    let mut running: HashMap<i64, Running> = HashMap::new();
    loop {
        reconcile(&kit, &mut running).await;
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(RESCAN) => {}
            _ = shutdown.wait_for(|s| *s) => break,
        }
    }
    let all: Vec<_> = running.into_values().map(stop).collect();
    futures::future::join_all(all).await;
}

/// Starts, restarts and stops pollers so exactly the wanted ones run.
async fn reconcile(kit: &PollerKit, running: &mut HashMap<i64, Running>) {
    let domains = match kit.ingestor.store().email_domains().await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "reading email domains for the pollers");
            return;
        }
    };
    let wanted: HashMap<i64, (String, ImapSettings)> = domains
        .into_iter()
        .filter(|d| d.enabled)
        .filter_map(|d| Some((d.id, (d.address.to_string(), d.imap?))))
        .collect();
    let outdated: Vec<i64> = running
        .iter()
        .filter(|(id, r)| {
            r.task.is_finished() || wanted.get(id).is_none_or(|(_, s)| *s != r.settings)
        })
        .map(|(id, _)| *id)
        .collect();
    let stopping: Vec<_> = outdated
        .iter()
        .filter_map(|id| running.remove(id))
        .map(stop)
        .collect();
    futures::future::join_all(stopping).await;
    for (id, (address, settings)) in wanted {
        if running.contains_key(&id) {
            continue;
        }
        tracing::info!(domain = %address, "starting the mailbox poller");
        running.insert(id, start(kit, id, settings));
    }
}

fn start(kit: &PollerKit, domain_id: i64, settings: ImapSettings) -> Running {
    let (stop, rx) = watch::channel(false);
    let poller = Poller::new(
        domain_id,
        kit.ingestor.clone(),
        kit.replies.clone(),
        kit.tls.clone(),
        kit.config.clone(),
        rx,
    );
    Running {
        settings,
        stop,
        task: tokio::spawn(poller.run()),
    }
}

/// Tells a poller to stop and waits for it to log out (aborting it after
/// [`STOP_GRACE`]).
async fn stop(mut r: Running) {
    let _ = r.stop.send(true);
    if tokio::time::timeout(STOP_GRACE, &mut r.task).await.is_err() {
        tracing::warn!("a poller did not stop within {STOP_GRACE:?}: aborting it");
    }
}
