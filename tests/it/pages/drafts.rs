//! Drafts: what an agent types is saved as they type, back after a reload
//! and in another browser, and gone once sent.
use super::*;

async fn draft_of(desk: &Desk, ticket: i64) -> Option<(String, String)> {
    sqlx::query_as(
        "SELECT d.mode, d.body FROM drafts d JOIN agents a ON a.id = d.agent_id
         WHERE d.ticket_id = $1 AND a.email = $2",
    )
    .bind(ticket)
    .bind(AGENT)
    .fetch_optional(desk.gw.store().pool())
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_draft_survives_a_reload_and_another_browser_until_it_is_sent() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes("draft-1@customer.example.net", "Sticky drawer", "It jams.")
        .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Sticky drawer").await;
    let page = format!("/tickets/{ticket}");
    b.go(&page).await;
    b.wait_text("It jams.").await;
    let text = "Half a thought about the drawer";
    b.fill("body", text).await;
    eventually("the draft is saved", WAIT, || async {
        (draft_of(&desk, ticket).await == Some(("reply".into(), text.into()))).then_some(())
    })
    .await;
    b.go(&page).await;
    b.wait_text("It jams.").await;
    assert_eq!(b.value("#body").await, text, "back after a reload");

    // As a note, and in another browser of the same agent.
    b.c.find(Locator::Css("input[name=mode][value=note]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually("the draft is a note", WAIT, || async {
        (draft_of(&desk, ticket).await == Some(("note".into(), text.into()))).then_some(())
    })
    .await;
    let other = session_cookie(&desk.base(), AGENT).await;
    let html = page_as(&desk.base(), &page, &other).await;
    assert!(html.contains(text), "the other browser has it");
    assert!(
        html.contains(r#"value="note" checked"#),
        "as a note there too"
    );
    // Another agent has a composer of their own.
    let ann = session_cookie(&desk.base(), ADMIN).await;
    assert!(!page_as(&desk.base(), &page, &ann).await.contains(text));

    b.click("Add note").await;
    b.wait_text("Bob Agent").await;
    eventually("the note is on the ticket", WAIT, || async {
        let notes = desk.gw.store().thread(ticket).await.unwrap().unwrap().notes;
        notes.iter().any(|n| n.body == text).then_some(())
    })
    .await;
    assert_eq!(draft_of(&desk, ticket).await, None, "sent: gone");
    b.go(&page).await;
    b.wait_text("It jams.").await;
    assert_eq!(b.value("#body").await, "", "an empty composer again");
    b.close().await;
}
