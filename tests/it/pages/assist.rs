//! The composer's Rewrite and Translate buttons, with the assistant a
//! small local server: the draft comes back changed in the composer, and a
//! translation without a language is refused beside it with the draft kept.
use super::*;
use crate::assistant::Assistant;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_has_a_draft_rewritten_and_translated_in_the_composer() {
    let assistant = Assistant::default();
    let desk = Desk::start_configured(&assistant.config(5).await, 0).await;
    let ticket = desk
        .customer_writes("assist-1@customer.example.net", "Lamp", "It flickers.")
        .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.fill("body", "new lamp coming tmrw").await;
    b.click("Rewrite").await;
    b.wait_text("Translate").await;
    eventually("the draft is rewritten", WAIT, || async {
        (b.value("#body").await == "Rewritten: new lamp coming tmrw").then_some(())
    })
    .await;
    b.click("Translate").await;
    b.wait_text("say which language").await;
    assert_eq!(
        b.value("#body").await,
        "Rewritten: new lamp coming tmrw",
        "the draft is kept"
    );
    b.fill("assist_language", "French").await;
    b.click("Translate").await;
    eventually("the draft is translated", WAIT, || async {
        (b.value("#body").await == "FRENCH: Rewritten: new lamp coming tmrw").then_some(())
    })
    .await;
    b.screenshot("composer-assist").await;
    assert!(
        desk.gw
            .store()
            .messages_of(ticket)
            .await
            .unwrap()
            .iter()
            .all(|m| !m.reply_text.contains("lamp coming")),
        "nothing was sent"
    );
    b.close().await;
}
