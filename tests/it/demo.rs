//! `postdesk demo` as the README runs it: the real binary with its own
//! Dovecot and SMTP receiver, in an empty directory.
use crate::pages::{log_in_over_http, page_as};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The demo's stdout up to "Press Ctrl-C", line by line.
fn start_demo(dir: &std::path::Path) -> (Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_postdesk"))
        .arg("demo")
        .current_dir(dir)
        .env("POSTDESK_LISTEN", "127.0.0.1:0")
        .env_remove("POSTDESK_ADMIN_TOKEN")
        .env_remove("POSTDESK_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start postdesk demo");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        let done = line.starts_with("Press Ctrl-C");
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines)
}

fn after<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.trim_start().strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in {lines:#?}"))
}

#[tokio::test]
async fn the_demos_printed_tokens_act_for_demo_agents() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, lines) = start_demo(dir.path());
    let api = after(&lines, "HTTP API: ").trim().to_string();
    let token = |prefix: &str| {
        after(&lines, prefix)
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let (admin, agent) = (token("admin token: "), token("agent token: "));
    let client = reqwest::Client::new();
    for (t, role) in [(&admin, "admin"), (&agent, "agent")] {
        let mine = client
            .get(format!("{api}/tickets?folder=mine"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(mine.status(), 200, "{role}: folder=mine needs an agent");
    }
    let tickets: serde_json::Value = client
        .get(format!("{api}/tickets"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(tickets["total"].as_i64() >= Some(1), "{tickets}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("mailbox holds") && l.contains("[#")),
        "the acknowledgement reached the customer: {lines:#?}"
    );
    assert_eq!(
        tickets["total"], 3,
        "a fresh demo has three tickets: {tickets}"
    );
    let web = after(&lines, "Web: ")
        .trim()
        .trim_end_matches('/')
        .to_string();
    let login = after(&lines, "log in as ");
    assert!(login.contains("admin@example.com") && login.contains("password demo-password"));
    let cookie = log_in_over_http(&web, "agent@example.com", "demo-password").await;
    let inbox = page_as(&web, "/", &cookie).await;
    for subject in ["My order 1234", "Invoice 5521", "Photo of the broken hinge"] {
        assert!(inbox.contains(subject), "{subject} in the inbox: {inbox}");
    }
    assert!(inbox.contains("badge overdue"), "one is overdue: {inbox}");
    assert!(inbox.contains("2 h ago"), "past its due time: {inbox}");
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let _ = child.wait();
}
