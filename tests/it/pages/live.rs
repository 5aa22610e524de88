//! Live updates: mail that arrives shows in an open inbox without a
//! reload (counted, never moving the rows), another agent's note appears
//! in place on an open ticket page with the composer untouched, and a
//! reconnecting stream is sent what it missed and nothing twice.
use super::*;

/// Ann adds a note to `ticket` from her own session.
async fn ann_notes(desk: &Desk, ticket: i64, text: &str) {
    let ann = session_cookie(&desk.base(), ADMIN).await;
    let token = csrf(&desk.base(), &ann).await;
    let answer = raw_client()
        .post(format!("{}/tickets/{ticket}/reply", desk.base()))
        .header("cookie", &ann)
        .form(&[("csrf", token.as_str()), ("mode", "note"), ("body", text)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "Ann's note is added");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn new_mail_and_another_agents_note_show_without_a_reload() {
    let desk = Desk::start().await;
    let first = desk
        .customer_writes(
            "live-1@customer.example.net",
            "Flat tyre",
            "The bike's tyre is flat.",
        )
        .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Flat tyre").await;
    let before: Vec<String> = b
        .text_of("tbody")
        .await
        .lines()
        .map(str::to_owned)
        .collect();

    let mail = customer_mail(
        "live-2@customer.example.net",
        "Squeaky brake",
        "It squeaks.",
        "",
    );
    desk.stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    b.wait_text("1 new — show").await;
    let title = b.c.title().await.unwrap();
    assert!(title.starts_with("(1) "), "counted in the title: {title}");
    let after: Vec<String> = b
        .text_of("tbody")
        .await
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(before, after, "the rows did not move");
    b.screenshot("live-inbox").await;
    b.click("1 new — show").await;
    b.wait_text("Squeaky brake").await;

    // Bob writes on the first ticket while Ann adds a note to it.
    b.go(&format!("/tickets/{first}")).await;
    b.wait_text("The bike's tyre is flat.").await;
    b.fill("body", "Half of Bob's answer").await;
    ann_notes(&desk, first, "Ann: the spare tyre is in the back room").await;
    b.wait_text("the spare tyre is in the back room").await;
    assert_eq!(
        b.value("#body").await,
        "Half of Bob's answer",
        "the composer is untouched"
    );
    assert_eq!(b.path().await, format!("/tickets/{first}"), "no reload");
    b.screenshot("live-ticket").await;
    b.close().await;
}

/// Reads server-sent events from `resp` until `want` of them came:
/// (id, event type, data) each.
async fn read_events(resp: &mut reqwest::Response, want: usize) -> Vec<(String, String, String)> {
    let mut text = String::new();
    let mut out = Vec::new();
    while out.len() < want {
        let chunk = tokio::time::timeout(WAIT, resp.chunk())
            .await
            .expect("an event in time")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}:")))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            if !field("event").is_empty() {
                out.push((field("id"), field("event"), field("data")));
            }
        }
    }
    out
}

/// `/live`, resuming after `last` (as `Last-Event-ID`), or opening `path`.
async fn open_stream(desk: &Desk, cookie: &str, last: Option<&str>) -> reqwest::Response {
    open_path(desk, cookie, "/live", last).await
}

async fn open_path(desk: &Desk, cookie: &str, path: &str, last: Option<&str>) -> reqwest::Response {
    let mut req = raw_client()
        .get(format!("{}{path}", desk.base()))
        .header("cookie", cookie);
    if let Some(id) = last {
        req = req.header("last-event-id", id);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    resp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reconnecting_stream_gets_what_it_missed_once() {
    let mut desk = Desk::start().await;
    let ticket = desk
        .customer_writes("live-3@customer.example.net", "Lost key", "I lost my key.")
        .await;
    let bob = session_cookie(&desk.base(), AGENT).await;
    assert_eq!(
        status_of(raw_client().get(format!("{}/live", desk.base()))).await,
        303,
        "logged in only"
    );
    let mut stream = open_stream(&desk, &bob, None).await;
    ann_notes(&desk, ticket, "First note").await;
    let first = read_events(&mut stream, 1).await;
    let (id, kind, data) = &first[0];
    assert_eq!(kind, "ticket");
    let change: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(
        (change["ticket"].as_i64(), change["kind"].as_str()),
        (Some(ticket), Some("changed"))
    );
    drop(stream);

    // Two changes while Bob is away; he comes back with the last id he saw.
    ann_notes(&desk, ticket, "Second note").await;
    let mail = customer_mail(
        "live-4@customer.example.net",
        "Broken lamp",
        "It flickers.",
        "",
    );
    desk.stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
    eventually("the second ticket", WAIT, || async {
        (desk.gw.store().tickets().await.unwrap().len() == 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut back = open_stream(&desk, &bob, Some(id)).await;
    let missed = read_events(&mut back, 2).await;
    let tickets: Vec<(i64, String)> = missed
        .iter()
        .map(|(_, _, d)| {
            let c: serde_json::Value = serde_json::from_str(d).unwrap();
            (
                c["ticket"].as_i64().unwrap(),
                c["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(tickets[0], (ticket, "changed".into()), "{missed:?}");
    assert_eq!(tickets[1].1, "created", "{missed:?}");
    assert!(missed.iter().all(|(i, _, _)| i != id), "nothing twice");

    // A page shown again after hiding resumes by the query; an id of
    // another process: load afresh.
    let mut shown = open_path(&desk, &bob, &format!("/live?last={id}"), None).await;
    assert_eq!(
        read_events(&mut shown, 2).await,
        missed,
        "the same catch-up"
    );
    let mut other = open_path(&desk, &bob, "/live?last=0-5", None).await;
    assert_eq!(read_events(&mut other, 1).await[0].1, "reset");

    // Stopping serve ends the streams rather than waiting for them.
    let started = std::time::Instant::now();
    desk.gw.stop().await;
    let end = tokio::time::timeout(WAIT, other.chunk())
        .await
        .expect("the stream ends");
    assert!(matches!(end, Ok(None)), "{end:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
