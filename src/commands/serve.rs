//! `postdesk serve`: migrate, sync the declared email domains, then run one
//! IMAP poller per enabled email domain (following changes made over the
//! API) and the SMTP sender until SIGINT or SIGTERM, when every task is told
//! to stop and given time to finish.
mod pollers;

use crate::api::auth::{generate_token, hash_token};
use crate::api::{self, AppState};
use crate::config::Config;
use crate::domain::Role;
use crate::inbound::poller::PollerConfig;
use crate::inbound::tls::TlsConfig;
use crate::ingest::{Ingestor, Limits};
use crate::outbound::sender::{Sender, SenderConfig};
use crate::service::replies::Replies;
use crate::store::Store;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// How long running tasks get to finish after a stop signal.
const GRACE: Duration = Duration::from_secs(10);

/// Everything `serve` runs, started; `stop` ends it.
pub struct Running {
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    pub store: Store,
    pub replies: Replies,
    /// Where the HTTP API listens (the real port when the config said 0).
    pub addr: SocketAddr,
    /// The admin token generated because the database had none and no
    /// POSTDESK_ADMIN_TOKEN was given: shown once.
    pub generated_admin_token: Option<String>,
}

impl Running {
    /// Tells every task to stop and waits for them (at most [`GRACE`]).
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        let all = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(GRACE, all).await.is_err() {
            tracing::warn!("tasks still running after {GRACE:?}: aborting them");
            self.tasks.abort_all();
        }
    }
}

/// Opens the store, syncs the email domains and starts the HTTP API, the
/// pollers and the sender.
pub async fn start(config: &Config) -> anyhow::Result<Running> {
    let store = Store::open(&config.database_url).await?;
    let listener = TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let token_key = store.token_key().await?;
    let generated_admin_token = bootstrap_admin(&store, &token_key, config).await?;
    let domains = store.sync_email_domains(&config.email_domains).await?;
    let ingestor = Ingestor::new(store.clone(), Limits::default())
        .await?
        .with_sla(config.sla);
    let replies = Replies::new(store.clone(), ingestor.signer().clone())
        .with_undo(Duration::from_secs(config.outbound.undo_secs));
    let tls = TlsConfig::from_ca_file(config.ca_file.as_deref())
        .context("loading the extra CA certificates")?;
    let (shutdown, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let poller_config = PollerConfig {
        poll_interval: config.poll_interval,
        owner: crate::inbound::poller::instance_name(&config.listen),
        max_message_bytes: config.max_message_bytes,
        acknowledge: config
            .acknowledgement
            .enabled
            .then_some(config.acknowledgement.per_sender_per_hour),
        ..PollerConfig::default()
    };
    let kit = pollers::PollerKit {
        ingestor: ingestor.clone(),
        replies: replies.clone(),
        tls: tls.clone(),
        config: poller_config,
    };
    let email_domains_changed = Arc::new(Notify::new());
    tasks.spawn(pollers::supervise(
        kit,
        email_domains_changed.clone(),
        rx.clone(),
    ));
    let sender_config = SenderConfig {
        max_attempts: config.outbound.max_attempts,
        retry_base: Duration::from_secs_f64(config.outbound.retry_base_secs),
        connections_per_domain: config.outbound.connections_per_domain,
        lease: Duration::from_secs(config.outbound.lease_secs),
        extra_ca: tls.extra_ca_certs().to_vec(),
        ..SenderConfig::default()
    };
    let sender = Sender::new(store.clone(), sender_config)?;
    tasks.spawn(sender.run(rx.clone(), replies.wake()));
    let live: Arc<crate::service::live::Live> = Arc::default();
    tasks.spawn(live.clone().run(store.clone(), rx.clone()));
    let state = AppState {
        store: store.clone(),
        replies: replies.clone(),
        token_key: Arc::new(token_key),
        tls: tls.clone(),
        email_domains_changed,
        metrics_public: config.metrics_public,
        token_use: Arc::default(),
        auth_failures: Arc::new(crate::api::auth_limit::AuthLimiter::new(
            config.auth_failures_per_minute,
            std::time::Duration::from_secs(60),
        )),
        webhook_targets: config.webhooks.allow_targets.clone(),
        logins: Arc::default(),
        presence: Arc::default(),
        live: live.clone(),
        assist: match config.assist.clone() {
            Some(settings) => Some(Arc::new(crate::service::assist::Assist::new(settings)?)),
            None => None,
        },
    };
    let http = rx.clone();
    tasks.spawn(async move {
        if let Err(e) = api::serve(listener, state, http).await {
            tracing::error!(error = %format!("{e:#}"), "the HTTP server stopped");
        }
    });
    let names: Vec<&str> = domains.iter().map(|d| d.address.as_str()).collect();
    tracing::info!(declared = ?names, %addr, "postdesk is running");
    // SLA clocks and webhook delivery.
    tasks.spawn(crate::service::sla::run(store.clone(), rx.clone()));
    let webhooks = crate::service::webhooks::dispatch::Dispatcher::new(
        store.clone(),
        config.webhooks.clone(),
    )?;
    tasks.spawn(webhooks.run(rx.clone()));
    Ok(Running {
        shutdown,
        tasks,
        store,
        replies,
        addr,
        generated_admin_token,
    })
}

/// POSTDESK_ADMIN_TOKEN is made valid as an admin token; without it, a
/// database with no token at all gets one generated (returned, to be shown
/// once).
async fn bootstrap_admin(
    store: &Store,
    key: &[u8],
    config: &Config,
) -> anyhow::Result<Option<String>> {
    if let Some(token) = &config.admin_token {
        if store
            .ensure_admin_token(
                "bootstrap (POSTDESK_ADMIN_TOKEN)",
                &hash_token(key, token.expose()),
            )
            .await?
        {
            tracing::info!("the admin token from POSTDESK_ADMIN_TOKEN is now valid");
        }
        return Ok(None);
    }
    if store.token_count().await? > 0 {
        return Ok(None);
    }
    let token = generate_token();
    store
        .create_token(
            "bootstrap (generated)",
            Role::Admin,
            None,
            &hash_token(key, &token),
        )
        .await?;
    Ok(Some(token))
}

/// Runs until SIGINT or SIGTERM.
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let running = start(config).await?;
    if let Some(token) = &running.generated_admin_token {
        println!(
            "postdesk: no API token existed, so an admin token was made. It is shown only now:\n\n    {token}\n"
        );
    }
    println!("postdesk: HTTP API on http://{}/api/v1", running.addr);
    let domains = running.store.email_domains().await?;
    println!(
        "postdesk: database {}, {} email domain(s): {}",
        config.database_url,
        domains.len(),
        domains
            .iter()
            .map(|d| d.address.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    stop_signal().await?;
    println!("postdesk: stopping");
    running.stop().await;
    Ok(())
}

pub async fn stop_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("listening for SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("listening for SIGINT")?,
        _ = term.recv() => {}
    }
    Ok(())
}
