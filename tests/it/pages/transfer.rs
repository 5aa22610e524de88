//! Transfer from the side panel: Ann hands a ticket to Bob with a note;
//! the thread says so once, the note is beside it, and the ticket is in
//! Bob's Mine when he logs in.
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_transfers_a_ticket_with_a_note_and_it_is_in_the_agents_mine() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "transfer-1@customer.example.net",
            "Broken hinge",
            "It squeaks.",
        )
        .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.c.find(Locator::Css("details.transfer summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let bob: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE email = $1")
        .bind(AGENT)
        .fetch_one(desk.gw.store().pool())
        .await
        .unwrap();
    b.choose("agent", &bob.to_string()).await;
    b.fill("note", "Over to you: he called twice.").await;
    b.click("Transfer").await;
    b.wait_text("transferred to Bob Agent").await;
    assert!(b.text().await.contains("Over to you: he called twice."));
    b.screenshot("transferred").await;
    b.close().await;

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.go("/?folder=mine").await;
    b.wait_text("Broken hinge").await;
    b.close().await;
}
