//! `postdesk bench api`: a store filled with a million tickets and three
//! million messages, `postdesk serve` on it as a child process, and the
//! latency of what agents do most, measured over HTTP.
use crate::api::auth::{generate_token, hash_token};
use crate::devstack::SmtpSink;
use crate::domain::Role;
use crate::store::Store;
use crate::store::fixtures::{LONG_THREAD_TICKET, Sizes, WORDS};
use std::time::{Duration, Instant};

/// The store and the requests of `bench api` and `bench pages`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 1_000_000)]
    pub tickets: i64,
    #[arg(long, default_value_t = 3_000_000)]
    pub messages: i64,
    /// Timed requests per kind.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// Keep the generated store in this file, and reuse it when it already
    /// exists (generation takes about a minute per million tickets).
    #[arg(long)]
    pub db: Option<std::path::PathBuf>,
}

/// One kind of request to time.
struct Op {
    name: &'static str,
    /// Method, path and body of the i-th request.
    request: Box<dyn Fn(usize) -> (reqwest::Method, String, Option<serde_json::Value>)>,
}

pub async fn api(o: Options) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = o.db.clone().unwrap_or_else(|| dir.path().join("bench.db"));
    let reuse = db.exists();
    let url = format!("sqlite://{}", db.display());
    let (token, fill) = fill(&url, &o, reuse).await?;
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(format!("{}{f}", db.display())).ok())
        .map(|m| m.len())
        .sum();
    let how = if reuse {
        format!("reused from {}", db.display())
    } else {
        format!("generated in {fill:.1} s")
    };
    println!(
        "bench api: {} tickets, {} messages (one thread of 100) {how}; database {:.0} MiB",
        o.tickets,
        o.messages,
        size as f64 / 1048576.0
    );
    let sink = tokio::task::spawn_blocking(SmtpSink::start).await??;
    let server = Server::start(dir.path(), &url, sink.port()).await?;
    let client = reqwest::Client::new();
    for op in ops(o.tickets) {
        let (p50, p99, errors) = time_op(&client, &server.base, &token, &op, o.requests).await?;
        println!(
            "  {:<28} p50 {:>7.2} ms   p99 {:>7.2} ms   ({} requests{})",
            op.name,
            p50,
            p99,
            o.requests,
            if errors > 0 {
                format!(", {errors} NOT 2xx")
            } else {
                String::new()
            }
        );
    }
    let m = server.memory();
    println!(
        "  server memory                RSS {:.0} MiB: heap {:.0} MiB + mapped database pages {:.0} MiB (peak RSS {:.0} MiB; each SQLite connection maps the file, so mapped pages count once per connection)",
        m.rss, m.anon, m.file, m.peak
    );
    server.stop();
    Ok(())
}

/// Fills the store (unless `reuse`); returns an agent token and the
/// seconds it took.
pub(super) async fn fill(url: &str, o: &Options, reuse: bool) -> anyhow::Result<(String, f64)> {
    let started = Instant::now();
    let store = Store::open(url).await?;
    let steps = if reuse {
        Vec::new()
    } else {
        store
            .fill_synthetic(Sizes {
                tickets: o.tickets,
                messages: o.messages,
                contacts: (o.tickets / 5).max(1),
                agents: 20,
                tags: 40,
                long_thread: 100,
            })
            .await?
    };
    for (what, secs) in steps {
        tracing::info!(what, secs, "synthetic data");
    }
    let token = generate_token();
    let key = store.token_key().await?;
    store
        .create_token("bench", Role::Agent, Some(1), &hash_token(&key, &token))
        .await?;
    Ok((token, started.elapsed().as_secs_f64()))
}

fn ops(tickets: i64) -> Vec<Op> {
    let get = |path: String| (reqwest::Method::GET, path, None);
    vec![
        Op {
            name: "unassigned open list",
            request: Box::new(move |_| get("/api/v1/tickets?status=open&assignee=none".into())),
        },
        Op {
            name: "tag + custom field list",
            request: Box::new(move |i| {
                get(format!(
                    "/api/v1/tickets?tag=tag-{}&field.plan=pro",
                    i % 40 + 1
                ))
            }),
        },
        Op {
            name: "keyword search",
            request: Box::new(move |i| {
                get(format!(
                    "/api/v1/tickets?q={}",
                    word(50 + (i as i64 * 37) % 500)
                ))
            }),
        },
        Op {
            name: "100-message thread",
            request: Box::new(move |_| {
                get(format!("/api/v1/tickets/{LONG_THREAD_TICKET}/messages"))
            }),
        },
        Op {
            name: "reply submission",
            request: Box::new(move |i| {
                // Open tickets are those with id % 20 < 4.
                let id = ((i as i64 * 20 + 2) % tickets).max(2);
                let body = serde_json::json!({"body": format!("Hello,\n\nwe checked order {id}; it ships today.\n\nKind regards")});
                (
                    reqwest::Method::POST,
                    format!("/api/v1/tickets/{id}/replies"),
                    Some(body),
                )
            }),
        },
    ]
}

/// The made-up word with this id, as the fixtures spell it.
pub(super) fn word(id: i64) -> String {
    let id = id % WORDS;
    let c = b"bcdfghjklmnprstvwz";
    let v = b"aeiou";
    format!(
        "{}{}{}{}x{id}",
        c[(id % 18) as usize] as char,
        v[(id / 18 % 5) as usize] as char,
        c[(id / 90 % 18) as usize] as char,
        v[(id / 1620 % 5) as usize] as char
    )
}

/// p50 and p99 in milliseconds, and how many answers were not 2xx.
async fn time_op(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    op: &Op,
    n: usize,
) -> anyhow::Result<(f64, f64, usize)> {
    let mut times = Vec::with_capacity(n);
    let mut errors = 0;
    for i in 0..n + 5 {
        let (method, path, body) = (op.request)(i);
        let mut req = client
            .request(method, format!("{base}{path}"))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let started = Instant::now();
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.bytes().await?;
        let took = started.elapsed().as_secs_f64() * 1000.0;
        if i < 5 {
            continue; // warm-up
        }
        if !status.is_success() {
            errors += 1;
            if errors == 1 {
                tracing::warn!(op = op.name, %status, body = %String::from_utf8_lossy(&text), "not 2xx");
            }
        }
        times.push(took);
    }
    let (p50, p99) = percentiles(&mut times);
    Ok((p50, p99, errors))
}

/// p50 and p99 of `times` (sorted in place); zeros when there are none.
pub(super) fn percentiles(times: &mut [f64]) -> (f64, f64) {
    if times.is_empty() {
        return (0.0, 0.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    (at(0.5), at(0.99))
}

pub(super) struct Memory {
    pub(super) rss: f64,
    anon: f64,
    file: f64,
    pub(super) peak: f64,
}

/// `postdesk serve` as a child process, so its memory is its own.
pub(super) struct Server {
    child: std::process::Child,
    pub(super) base: String,
}

impl Server {
    pub(super) async fn start(
        dir: &std::path::Path,
        url: &str,
        smtp_port: u16,
    ) -> anyhow::Result<Server> {
        let store = Store::open(url).await?;
        store
            .sync_email_domains(&[super::mail::sending_to(smtp_port)?])
            .await?;
        drop(store);
        Server::spawn(&Server::config(dir, url, "")?, &[]).await
    }

    /// Writes `bench.toml` in `dir`: the store, a free port, an admin token
    /// and `extra` (TOML tables) after them.
    pub(super) fn config(
        dir: &std::path::Path,
        url: &str,
        extra: &str,
    ) -> anyhow::Result<std::path::PathBuf> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let config = dir.join("bench.toml");
        std::fs::write(
            &config,
            format!(
                "database_url = \"{url}\"\nlisten = \"127.0.0.1:{port}\"\nadmin_token = \"pd_bench_admin\"\n{extra}"
            ),
        )?;
        Ok(config)
    }

    /// `serve --config config` with `env` added, once it answers `/healthz`.
    pub(super) async fn spawn(
        config: &std::path::Path,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Server> {
        let text = std::fs::read_to_string(config)?;
        let listen = text
            .lines()
            .find_map(|l| l.strip_prefix("listen = \""))
            .and_then(|l| l.strip_suffix('"'))
            .ok_or_else(|| anyhow::anyhow!("no listen line in {}", config.display()))?;
        let child = std::process::Command::new(std::env::current_exe()?)
            .arg("serve")
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .spawn()?;
        let server = Server {
            child,
            base: format!("http://{listen}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_err()
        {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the server did not answer within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(server)
    }

    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory in MiB, from /proc.
    pub(super) fn memory(&self) -> Memory {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let kib = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        Memory {
            rss: kib("VmRSS:") / 1024.0,
            anon: kib("RssAnon:") / 1024.0,
            file: kib("RssFile:") / 1024.0,
            peak: kib("VmHWM:") / 1024.0,
        }
    }

    pub(super) fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// SIGKILL: the process ends wherever it is, as in a power cut.
    pub(super) fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
