//! The webhooks pages: an admin adds a webhook for one event (a bad URL
//! refused beside it), its secret is shown once and signs what the
//! receiver gets, and the webhook's page shows the delivery with its
//! attempts and response code after the receiver failed once.
use super::*;
use crate::api::hooks::{FAST, Receiver, hmac_hex};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_webhook_added_on_the_page_is_signed_with_the_secret_shown_and_its_deliveries_listed() {
    let desk = Desk::start_configured(FAST, 0).await;
    let (receiver, url) = Receiver::start(&[500]).await;
    let bob = session_cookie(&desk.base(), AGENT).await;
    let answer = page_as(&desk.base(), "/admin/webhooks", &bob).await;
    assert!(answer.contains("for admins"));

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.click("Webhooks").await;
    b.wait_text("Add a webhook").await;
    b.fill("url", "ftp://example.com/hook").await;
    b.click("Add webhook").await;
    b.wait_text("not ftp:").await;
    let refusal = b.text_of("p.error").await;
    assert!(refusal.contains("must start with http"), "{refusal}");
    b.fill("url", &url).await;
    b.c.find(Locator::Css("[name='event:ticket.created']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.click("Add webhook").await;
    b.wait_text("copy it now").await;
    let secret = b.text_of("#new-secret").await;
    assert!(secret.len() >= 16, "{secret}");

    desk.customer_writes(
        "hooks-1@customer.example.net",
        "Broken lid",
        "The lid broke.",
    )
    .await;
    let seen = receiver.wait_for(2).await;
    assert!(seen.iter().all(|s| s.event == "ticket.created"));
    let last = seen.last().unwrap();
    assert_eq!(
        last.signature,
        hmac_hex(&secret, &last.body),
        "signed with it"
    );

    b.go("/admin/webhooks").await;
    b.click(&url).await;
    eventually("the delivery is listed as delivered", WAIT, || async {
        b.go(&b.path().await).await;
        let status = b.text_of("tr[data-delivery] td.status").await;
        (status == "delivered").then_some(())
    })
    .await;
    assert_eq!(b.text_of("tr[data-delivery] td.attempts").await, "2");
    assert_eq!(b.text_of("tr[data-delivery] td.code").await, "200");
    b.screenshot("admin-webhook").await;
    b.close().await;
}
