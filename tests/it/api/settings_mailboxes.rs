//! Email domains against the real mail stack: `test` reports each server's
//! answer, and pollers follow changes made over the API without a restart.
use super::Api;
use super::settings::created;
use crate::harness::{SECOND, customer_mail, eventually};
use crate::mailstack::{CUSTOMER, MailStack, SUPPORT, SUPPORT_PASSWORD};
use serde_json::{Value, json};
use std::sync::Arc;

async fn start_stack() -> Arc<MailStack> {
    let stack = tokio::task::spawn_blocking(MailStack::start)
        .await
        .expect("join")
        .expect("mail stack");
    Arc::new(stack)
}

/// The customer writes to support (over the stack's SMTP).
async fn customer_writes(stack: &Arc<MailStack>, id: &str) {
    let stack = stack.clone();
    let mail = customer_mail(id, "Printer on fire", "Help!", "");
    tokio::task::spawn_blocking(move || stack.send(CUSTOMER, SUPPORT, &mail))
        .await
        .expect("join")
        .expect("delivered");
}

/// SUPPORT's mailbox on the stack, over plain IMAP and SMTP.
fn support_domain(stack: &MailStack, enabled: bool) -> Value {
    json!({
        "address": SUPPORT,
        "name": "Example Support",
        "imap": {"host": "127.0.0.1", "port": stack.imap_port(), "tls": "none",
                 "username": SUPPORT, "password": SUPPORT_PASSWORD},
        "smtp": {"host": "127.0.0.1", "port": stack.smtp_port(), "tls": "none"},
        "enabled": enabled
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn testing_an_email_domain_reports_each_servers_answer() {
    let stack = start_stack().await;
    let api = Api::start().await;
    let id = created(
        api.post("/api/v1/email-domains", &support_domain(&stack, false))
            .await,
    );
    let path = format!("/api/v1/email-domains/{id}");
    let test = format!("{path}/test");
    let good = api.post(&test, &json!({})).await.expect(200);
    assert_eq!(good["imap"]["ok"], true, "{good}");
    assert!(
        good["imap"]["message"].as_str().unwrap().contains("INBOX"),
        "{good}"
    );
    assert_eq!(good["smtp"]["ok"], true, "{good}");

    let wrong = json!({"imap": {"password": "not-the-password"},
                       "smtp": {"username": SUPPORT, "password": "not-the-password"}});
    api.patch(&path, &wrong).await.expect(200);
    let bad = api.post(&test, &json!({})).await;
    assert!(!bad.text.contains("not-the-password"), "{}", bad.text);
    let bad = bad.expect(200);
    assert_eq!(bad["imap"]["ok"], false, "{bad}");
    let words = bad["imap"]["message"].as_str().unwrap();
    assert!(
        words.contains("AUTHENTICATIONFAILED"),
        "the server's words: {words}"
    );
    assert_eq!(bad["smtp"]["ok"], false, "this relay offers no AUTH: {bad}");
    assert!(
        bad["smtp"]["message"]
            .as_str()
            .unwrap()
            .contains("logging in to"),
        "{bad}"
    );

    let moved = json!({"smtp": {"port": 1, "username": null}});
    let again = api.patch(&path, &moved).await;
    assert_eq!(
        (again.status.as_u16(), again.field()),
        (409, "smtp.password")
    );
    let closed = json!({"smtp": {"port": 1, "username": null, "password": null}});
    let gone = api.patch(&path, &closed).await.expect(200);
    assert_eq!(gone["smtp"]["has_password"], false);
    let down = api.post(&test, &json!({})).await.expect(200);
    assert_eq!(down["smtp"]["ok"], false, "{down}");
    assert!(
        down["smtp"]["message"]
            .as_str()
            .unwrap()
            .contains("connecting to"),
        "{down}"
    );
    let bare = created(
        api.post(
            "/api/v1/email-domains",
            &json!({"address": "bare@example.com"}),
        )
        .await,
    );
    let none = api
        .post(&format!("/api/v1/email-domains/{bare}/test"), &json!({}))
        .await
        .expect(200);
    assert_eq!(
        none["imap"],
        json!({"ok": false, "message": "no IMAP settings"})
    );
    api.stop().await;
}

/// Whether a poller holds the domain's mailbox lease (it gives it back
/// when it stops).
async fn leased(api: &Api, id: i64) -> bool {
    let owner: Option<Option<String>> =
        sqlx::query_scalar("SELECT lease_owner FROM mailbox_sync WHERE email_domain_id = $1")
            .bind(id)
            .fetch_optional(api.store().pool())
            .await
            .expect("lease");
    owner.flatten().is_some()
}

async fn wait_tickets(api: &Api, n: i64) {
    eventually(&format!("{n} ticket(s)"), 10 * SECOND, || async {
        (api.store().count("tickets").await.unwrap() >= n).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pollers_start_stop_and_restart_as_domains_change_over_the_api() {
    let stack = start_stack().await;
    let api = Api::start().await;
    let id = created(
        api.post("/api/v1/email-domains", &support_domain(&stack, true))
            .await,
    );
    let path = format!("/api/v1/email-domains/{id}");
    eventually("the first poll", 5 * SECOND, || async {
        let d = api.get(&path).await.expect(200);
        (!d["last_poll_at"].is_null()).then_some(())
    })
    .await;
    customer_writes(&stack, "one@customer.example.net").await;
    wait_tickets(&api, 1).await;

    api.patch(&path, &json!({"enabled": false}))
        .await
        .expect(200);
    eventually("the poller stops", 3 * SECOND, || async {
        (!leased(&api, id).await).then_some(())
    })
    .await;
    customer_writes(&stack, "two@customer.example.net").await;
    api.patch(&path, &json!({"enabled": true}))
        .await
        .expect(200);
    wait_tickets(&api, 2).await;

    let wrong = json!({"imap": {"password": "not-the-password"}});
    api.patch(&path, &wrong).await.expect(200);
    let error = eventually("the restarted poller's login error", 5 * SECOND, || async {
        let d = api.get(&path).await.expect(200);
        d["last_error"].as_str().map(str::to_string)
    })
    .await;
    assert!(error.contains("AUTHENTICATIONFAILED"), "{error}");
    assert!(!error.contains("not-the-password"), "{error}");
    assert_eq!(api.delete(&path).await.status, 204);
    assert_eq!(
        api.store().count("tickets").await.unwrap(),
        2,
        "tickets stay"
    );
    api.stop().await;
}
