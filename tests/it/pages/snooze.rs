//! Snooze in the browser: an agent snoozes a ticket from its page; it is
//! pending, listed under Snoozed, and the customer's reply opens it again.
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_snoozed_ticket_is_in_the_snoozed_folder_until_the_customer_replies() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "snooze-page@customer.example.net",
            "Fence panel",
            "One is missing.",
        )
        .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.wait_text("One is missing.").await;
    b.choose("snooze_for", "4").await;
    b.click("Snooze").await;
    b.wait_text("Snoozed until").await;
    assert!(b.text().await.contains("snoozed until"), "the event");
    assert_eq!(b.value("#status").await, "pending");
    b.screenshot("snoozed").await;

    b.go("/?folder=snoozed").await;
    b.wait_text("Fence panel").await;
    b.screenshot("snoozed-folder").await;

    let reply = customer_mail(
        "snooze-page-2@customer.example.net",
        "Re: Fence panel",
        "Still missing, any news?",
        "In-Reply-To: <snooze-page@customer.example.net>\r\n",
    );
    desk.stack.send(CUSTOMER, SUPPORT, &reply).unwrap();
    eventually("the reply opens it", WAIT, || async {
        let t = desk.gw.store().tickets().await.unwrap();
        t.iter()
            .any(|t| t.id == ticket && t.status == "open")
            .then_some(())
    })
    .await;
    b.go("/?folder=snoozed").await;
    b.wait_text("Snoozed").await;
    assert!(!b.text().await.contains("Fence panel"), "no longer snoozed");
    b.go(&format!("/tickets/{ticket}")).await;
    b.wait_text("Still missing, any news?").await;
    assert_eq!(b.value("#status").await, "open");
    assert!(!b.text().await.contains("Snoozed until"));
    b.close().await;
}
