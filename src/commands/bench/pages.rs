//! `postdesk bench pages`: the store of `bench api` (a million tickets),
//! `serve` on it, an agent logged in through `/login`, and the server time
//! of the pages agents open most, over HTTP; and the inbox's weight as a
//! browser downloads it (gzip).
use super::api::{Options, Server, fill, percentiles, word};
use crate::devstack::SmtpSink;
use crate::store::Store;
use crate::store::fixtures::LONG_THREAD_TICKET;
use std::time::Instant;

const PASSWORD: &str = "bench-password";

pub async fn pages(o: Options) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = o.db.clone().unwrap_or_else(|| dir.path().join("bench.db"));
    let reuse = db.exists();
    let url = format!("sqlite://{}", db.display());
    fill(&url, &o, reuse).await?;
    let email = agent_with_password(&url).await?;
    println!(
        "bench pages: {} tickets, {} messages (one thread of 100); agent {email} logged in through /login",
        o.tickets, o.messages
    );
    let sink = tokio::task::spawn_blocking(SmtpSink::start).await??;
    let server = Server::start(dir.path(), &url, sink.port()).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let cookie = log_in(&client, &server.base, &email).await?;
    for (name, path) in pages_to_time() {
        let mut times = Vec::with_capacity(o.requests);
        let mut errors = 0;
        for i in 0..o.requests + 5 {
            let started = Instant::now();
            let answer = client
                .get(format!("{}{path}", server.base))
                .header("cookie", &cookie)
                .send()
                .await?;
            let ok = answer.status().is_success();
            answer.bytes().await?;
            if i >= 5 {
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                errors += usize::from(!ok);
            }
        }
        let (p50, p99) = percentiles(&mut times);
        let failed = if errors > 0 {
            format!(", {errors} NOT 2xx")
        } else {
            String::new()
        };
        println!(
            "  {name:<30} p50 {p50:>7.2} ms   p99 {p99:>7.2} ms   ({} requests{failed})",
            o.requests
        );
    }
    weight(&client, &server.base, &cookie).await?;
    server.stop();
    Ok(())
}

fn pages_to_time() -> Vec<(&'static str, String)> {
    vec![
        ("inbox: all open", "/".into()),
        ("inbox: unassigned open", "/?folder=unassigned".into()),
        ("inbox: mine", "/?folder=mine".into()),
        ("inbox: closed", "/?state=closed".into()),
        ("inbox: a tag", "/?tag=tag-7".into()),
        ("inbox: a search", format!("/?q={}", word(77))),
        (
            "ticket: 100-message thread",
            format!("/tickets/{LONG_THREAD_TICKET}"),
        ),
    ]
}

/// Gives the first agent a password; its email.
async fn agent_with_password(url: &str) -> anyhow::Result<String> {
    let store = Store::open(url).await?;
    let agent = store
        .agent(1)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the bench store has no agent 1"))?;
    crate::service::passwords::set(&store, 1, PASSWORD.into()).await?;
    Ok(agent.row.email)
}

async fn log_in(client: &reqwest::Client, base: &str, email: &str) -> anyhow::Result<String> {
    let answer = client
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await?;
    anyhow::ensure!(answer.status() == 303, "login answered {}", answer.status());
    let cookie = answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    Ok(cookie.to_owned())
}

/// The inbox page and its CSS and JS as a browser fetches them (gzip).
async fn weight(client: &reqwest::Client, base: &str, cookie: &str) -> anyhow::Result<()> {
    let fetch = |path: String| async move {
        let answer = client
            .get(format!("{base}{path}"))
            .header("cookie", cookie)
            .header("accept-encoding", "gzip")
            .send()
            .await?;
        anyhow::Ok(answer.bytes().await?)
    };
    let html = fetch("/".into()).await?;
    let plain = client
        .get(format!("{base}/"))
        .header("cookie", cookie)
        .send()
        .await?
        .text()
        .await?;
    let asset = |ext: &str| {
        plain
            .split('"')
            .find(|s| s.starts_with("/assets/app.") && s.ends_with(ext))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let css = fetch(asset(".css")).await?;
    let js = fetch(asset(".js")).await?;
    let kb = |n: usize| n as f64 / 1024.0;
    println!(
        "  inbox weight (gzip)            {:.1} KB: HTML {:.1} KB ({:.1} KB unzipped), CSS {:.1} KB, JS {:.1} KB",
        kb(html.len() + css.len() + js.len()),
        kb(html.len()),
        kb(plain.len()),
        kb(css.len()),
        kb(js.len())
    );
    Ok(())
}
