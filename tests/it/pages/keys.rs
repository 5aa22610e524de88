//! Keys: an agent works the inbox and a ticket from the keyboard, and a
//! key typed into a field is only text.
use super::*;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

/// Presses and releases `key` wherever the focus is.
async fn press(b: &Browser, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    b.c.perform_actions(keys).await.expect("a key press");
}

/// The id of the focused element ("" for none).
async fn focused(b: &Browser) -> String {
    let element = b.c.active_element().await.expect("the focused element");
    element
        .attr("id")
        .await
        .unwrap_or_default()
        .unwrap_or_default()
}

/// The short id on the row j / k chose ("" for none).
async fn chosen(b: &Browser) -> String {
    match b.c.find(Locator::Css("tr.chosen .sid")).await {
        Ok(sid) => sid.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn sids(b: &Browser) -> Vec<String> {
    let mut out = Vec::new();
    for sid in b.c.find_all(Locator::Css("tbody .sid")).await.unwrap() {
        out.push(sid.text().await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_keys_move_open_reply_assign_and_resolve() {
    let desk = Desk::start().await;
    desk.customer_writes("keys-1@customer.example.net", "Loose hinge", "It wobbles.")
        .await;
    desk.customer_writes(
        "keys-2@customer.example.net",
        "Scratched door",
        "A scratch.",
    )
    .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Scratched door").await;
    let rows = sids(&b).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(chosen(&b).await, "", "nothing is chosen before a key");
    press(&b, 'j').await;
    assert_eq!(chosen(&b).await, rows[0]);
    press(&b, 'j').await;
    assert_eq!(chosen(&b).await, rows[1]);
    press(&b, 'j').await;
    assert_eq!(chosen(&b).await, rows[1], "j stops at the last row");
    press(&b, 'k').await;
    assert_eq!(chosen(&b).await, rows[0]);
    // "/" goes to the search, where keys are only text; Esc leaves it.
    press(&b, '/').await;
    assert_eq!(focused(&b).await, "q");
    press(&b, 'k').await;
    assert_eq!(b.value("#q").await, "k");
    assert_eq!(chosen(&b).await, rows[0], "typing moved nothing");
    press(&b, Key::Escape.into()).await;
    assert_ne!(focused(&b).await, "q");
    press(&b, '?').await;
    b.c.find(Locator::Css("dialog#keys[open]"))
        .await
        .expect("the keys shown");
    b.screenshot("keys").await;
    press(&b, Key::Escape.into()).await;
    press(&b, Key::Enter.into()).await;
    b.wait_text("Internal note").await;
    assert!(
        b.text().await.contains(&rows[0]),
        "the chosen ticket opened"
    );
    let ticket = b.path().await;
    assert!(ticket.starts_with("/tickets/"), "{ticket}");
    let id: i64 = ticket.trim_start_matches("/tickets/").parse().unwrap();

    // r and n open the composer as a reply or a note; a key typed there
    // is text (e does not resolve).
    press(&b, 'n').await;
    assert_eq!(focused(&b).await, "body");
    assert_eq!(b.value("input[name=mode]:checked").await, "note");
    press(&b, Key::Escape.into()).await;
    press(&b, 'r').await;
    assert_eq!(focused(&b).await, "body");
    assert_eq!(b.value("input[name=mode]:checked").await, "reply");
    press(&b, 'e').await;
    assert_eq!(b.value("#body").await, "e");
    let detail = || async {
        let t = desk.gw.store().ticket_detail(id).await.unwrap().unwrap();
        (t.base.status.clone(), t.base.assignee_id)
    };
    assert_eq!(detail().await, ("open".to_string(), None));
    press(&b, Key::Escape.into()).await;

    // a assigns the ticket to the agent; e resolves it.
    press(&b, 'a').await;
    eventually("a assigned it", WAIT, || async {
        detail().await.1.map(|_| ())
    })
    .await;
    b.wait_text("Resolve").await;
    press(&b, 'e').await;
    eventually("e resolved it", WAIT, || async {
        (detail().await.0 == "resolved").then_some(())
    })
    .await;
    b.wait_text("Reopen").await;
    b.close().await;
}
