//! Presence: who has a ticket open, and who writes on it, shows on the
//! ticket page and on its row, and goes within seconds of their leaving.
use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Another agent's open ticket page, as its script beats: every second
/// while `on`, writing while `writing`; the last answer (who else is
/// there) kept.
struct Beats {
    on: Arc<AtomicBool>,
    writing: Arc<AtomicBool>,
    heard: Arc<std::sync::Mutex<String>>,
}

impl Beats {
    fn start(base: String, cookie: String, csrf: String, ticket: i64) -> Beats {
        let beats = Beats {
            on: Arc::new(AtomicBool::new(true)),
            writing: Arc::new(AtomicBool::new(false)),
            heard: Arc::default(),
        };
        let (on, writing, heard) = (beats.on.clone(), beats.writing.clone(), beats.heard.clone());
        tokio::spawn(async move {
            while on.load(Ordering::SeqCst) {
                let writing = if writing.load(Ordering::SeqCst) {
                    "1"
                } else {
                    "0"
                };
                let answer = raw_client()
                    .post(format!("{base}/tickets/{ticket}/presence"))
                    .header("cookie", &cookie)
                    .form(&[("csrf", csrf.as_str()), ("writing", writing)])
                    .send()
                    .await
                    .unwrap();
                *heard.lock().unwrap() = answer.text().await.unwrap();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        beats
    }
}

async fn presence_line(b: &Browser) -> String {
    match b.c.find(Locator::Css("#presence")).await {
        Ok(p) => p.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn agents_see_who_else_has_a_ticket_open_and_who_writes_until_they_leave() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes("here-1@customer.example.net", "Broken latch", "It clicks.")
        .await;
    desk.customer_writes("here-2@customer.example.net", "Bent rail", "It bends.")
        .await;
    let ann = session_cookie(&desk.base(), ADMIN).await;
    let token = csrf(&desk.base(), &ann).await;
    let beats = Beats::start(desk.base(), ann.clone(), token.clone(), ticket);

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Bent rail").await;
    b.wait_text("Ann Admin viewing").await;
    let row = b
        .text_of(&format!("tr[data-ticket='{ticket}'] .presence"))
        .await;
    assert_eq!(row, "Ann Admin viewing", "on the row of her ticket only");

    b.go(&format!("/tickets/{ticket}")).await;
    b.wait_text("Ann Admin is viewing this ticket").await;
    beats.writing.store(true, Ordering::SeqCst);
    b.wait_text("Ann Admin is writing a reply").await;
    b.screenshot("presence").await;
    eventually("Ann sees Bob too", WAIT, || async {
        beats
            .heard
            .lock()
            .unwrap()
            .contains("Bob Agent")
            .then_some(())
    })
    .await;

    // Ann closes her page: gone at once.
    beats.on.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    raw_client()
        .post(format!("{}/tickets/{ticket}/presence", desk.base()))
        .header("cookie", &ann)
        .form(&[("csrf", token.as_str()), ("leave", "1")])
        .send()
        .await
        .unwrap();
    eventually("Ann is gone", WAIT, || async {
        presence_line(&b).await.is_empty().then_some(())
    })
    .await;

    // Her connection drops (no goodbye): gone within seconds.
    let beats = Beats::start(desk.base(), ann.clone(), token.clone(), ticket);
    b.wait_text("Ann Admin is viewing this ticket").await;
    beats.on.store(false, Ordering::SeqCst);
    eventually("Ann's presence lapses", WAIT, || async {
        presence_line(&b).await.is_empty().then_some(())
    })
    .await;
    b.close().await;
}
