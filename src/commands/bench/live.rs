//! `postdesk bench live`: `postdesk serve` (a child process, defaults on)
//! with many logged-in pages watching `/live` while mail arrives at a
//! steady rate through a local Dovecot: how long a change takes from the
//! commit that made it to each client, and what the server spends on it.
use super::api::Server;
use crate::devstack::{CUSTOMER, MailStack, SUPPORT, SUPPORT_PASSWORD};
use crate::domain::{EmailAddress, Role};
use crate::store::Store;
use crate::store::agents::AgentSpec;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const AGENT: &str = "bench@example.com";
const PASSWORD: &str = "bench live password";

#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Options {
    /// Pages connected to `/live`.
    #[arg(long, default_value_t = 500)]
    pub clients: usize,
    /// Mails a second into the mailbox.
    #[arg(long, default_value_t = 50)]
    pub rate: u32,
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
}

/// What every client saw: delivery latencies in microseconds.
type Seen = Arc<Mutex<Vec<i64>>>;

pub async fn live(o: Options) -> anyhow::Result<()> {
    let stack = Arc::new(tokio::task::spawn_blocking(MailStack::start).await??);
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    agent(&url).await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = dir.path().join("bench.toml");
    let top = format!("listen = \"127.0.0.1:{port}\"\npoll_interval = 1");
    std::fs::write(
        &config,
        stack.gateway_config(&url, SUPPORT, SUPPORT_PASSWORD, &top),
    )?;
    // The acknowledgements go to senders the local receiver refuses: their
    // warnings are not the figures.
    let server = Server::spawn(&config, &[("RUST_LOG", "error")]).await?;
    let cookie = log_in(&server.base).await?;
    println!(
        "bench live: `postdesk serve` (defaults, acknowledgements on) with {} pages on /live, {} mails/s into a local Dovecot for {} s",
        o.clients, o.rate, o.seconds
    );
    let seen: Seen = Arc::default();
    let (connected, measuring) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..o.clients {
        let (base, cookie) = (server.base.clone(), cookie.clone());
        let (seen, connected, measuring) = (seen.clone(), connected.clone(), measuring.clone());
        clients.spawn(async move { watch(&base, &cookie, seen, connected, measuring).await });
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while connected.load(Ordering::Relaxed) < o.clients {
        anyhow::ensure!(Instant::now() < deadline, "the clients did not all connect");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (cpu, started) = (cpu_secs(server.pid()), Instant::now());
    measuring.store(true, Ordering::Relaxed);
    let total = o.rate as u64 * o.seconds;
    let s = stack.clone();
    let rate = o.rate;
    tokio::task::spawn_blocking(move || send_paced(&s, total, rate)).await??;
    // The last mails: fetched, stored, published.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (cpu, wall) = (
        cpu_secs(server.pid()) - cpu,
        started.elapsed().as_secs_f64(),
    );
    let memory = server.memory();
    clients.abort_all();
    let mut latencies = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner()));
    let tickets = Store::open(&url).await?.count("tickets").await?;
    server.stop();
    report(&o, total, tickets, &mut latencies, (cpu, wall), memory);
    Ok(())
}

async fn agent(url: &str) -> anyhow::Result<()> {
    let store = Store::open(url).await?;
    let id = store
        .insert_agent(&AgentSpec {
            email: EmailAddress::parse(AGENT)?,
            name: "Bench Agent".into(),
            role: Role::Agent,
            signature: String::new(),
            active: true,
            team_ids: Vec::new(),
        })
        .await?;
    crate::service::passwords::set(&store, id, PASSWORD.into()).await?;
    Ok(())
}

/// Logs in to the pages: the session cookie's `name=value`.
async fn log_in(base: &str) -> anyhow::Result<String> {
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .post(format!("{base}/login"))
        .form(&[("email", AGENT), ("password", PASSWORD)])
        .send()
        .await?;
    let cookie = answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("the login gave no session ({})", answer.status()))?;
    Ok(cookie.to_owned())
}

/// One page on `/live`: each change's latency from its commit, while measuring.
async fn watch(
    base: &str,
    cookie: &str,
    seen: Seen,
    connected: Arc<AtomicUsize>,
    measuring: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let mut resp = reqwest::Client::new()
        .get(format!("{base}/live"))
        .header("cookie", cookie)
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "/live answered {}",
        resp.status()
    );
    connected.fetch_add(1, Ordering::Relaxed);
    let mut text = String::new();
    while let Some(chunk) = resp.chunk().await? {
        let now = chrono::Utc::now().timestamp_micros();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let at = block
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .filter_map(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
                .find_map(|v| v["at"].as_i64());
            if let Some(at) = at.filter(|_| measuring.load(Ordering::Relaxed)) {
                seen.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(now - at);
            }
        }
    }
    Ok(())
}

/// `total` new threads into the support mailbox, `rate` a second.
fn send_paced(stack: &MailStack, total: u64, rate: u32) -> anyhow::Result<()> {
    let started = Instant::now();
    for i in 0..total {
        let due = started + Duration::from_secs_f64(i as f64 / f64::from(rate));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let mail = format!(
            "From: Customer {i} <customer{i}@example.net>\r\nTo: {SUPPORT}\r\nSubject: Live question {i}\r\nMessage-ID: <live-{i}@example.net>\r\n\r\nHello, question {i}.\r\n"
        );
        stack.send(CUSTOMER, SUPPORT, &mail)?;
    }
    Ok(())
}

/// User + system CPU seconds of process `pid`, from /proc.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime is 14th, stime 15th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |n: usize| {
        fields
            .get(n)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // SAFETY: sysconf only reads a constant of the system.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / hz.max(1.0)
}

fn report(
    o: &Options,
    sent: u64,
    tickets: i64,
    latencies: &mut [i64],
    (cpu, wall): (f64, f64),
    memory: super::api::Memory,
) {
    latencies.sort_unstable();
    let pick = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(i).map_or(f64::NAN, |us| *us as f64 / 1000.0)
    };
    println!("  mails sent               {sent:>9} ({tickets} tickets in the store)");
    println!(
        "  changes delivered        {:>9} ({:.1} per page)",
        latencies.len(),
        latencies.len() as f64 / o.clients as f64
    );
    println!(
        "  commit → page latency    p50 {:.1} ms · p99 {:.1} ms · max {:.1} ms",
        pick(0.5),
        pick(0.99),
        pick(1.0)
    );
    println!(
        "  server CPU               {:>8.1} % of one core over {wall:.1} s (poller, sender, pages, {} streams)",
        cpu / wall * 100.0,
        o.clients
    );
    println!(
        "  server memory            {:>8.1} MiB resident (peak {:.1} MiB)",
        memory.rss, memory.peak
    );
}
