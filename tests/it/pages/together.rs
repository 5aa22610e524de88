//! Two agents in two browsers on one ticket: each sees the other there
//! (on the page and on its row), a note one adds appears on the other's
//! page as it is, and the other's writing shows.
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_agents_in_two_browsers_see_each_other_and_each_others_notes() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "together-1@customer.example.net",
            "Leaky tap",
            "It drips all night.",
        )
        .await;
    let (ann, bob) = Browser::open_pair(&desk.base(), 1000).await;
    log_in(&ann, ADMIN, PASSWORD).await;
    log_in(&bob, AGENT, PASSWORD).await;
    bob.wait_text("Leaky tap").await;
    ann.go(&format!("/tickets/{ticket}")).await;
    ann.wait_text("It drips all night.").await;
    bob.wait_text("Ann Admin viewing").await;

    bob.go(&format!("/tickets/{ticket}")).await;
    bob.wait_text("Ann Admin is viewing this ticket").await;
    ann.wait_text("Bob Agent is viewing this ticket").await;
    // Ann notes; Bob, half way through a reply, sees it arrive.
    bob.fill("body", "Bob: a plumber could").await;
    ann.wait_text("Bob Agent is writing a reply").await;
    compose(&ann, "note", "Ann: the washer is worn, order one").await;
    ann.wait_text("the washer is worn").await;
    bob.wait_text("the washer is worn").await;
    assert_eq!(bob.value("#body").await, "Bob: a plumber could");
    ann.screenshot_side_by_side(&[&bob], "two-agents").await;

    // Ann leaves: gone from Bob's page within seconds.
    ann.close().await;
    eventually("Ann's presence lapses", WAIT, || async {
        (!bob.text().await.contains("Ann Admin is viewing")).then_some(())
    })
    .await;
    bob.close().await;
}
