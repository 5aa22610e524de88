//! `GET usage` and /metrics count the emails an email domain received
//! (through the real Dovecot) and sent (through the real SMTP receiver),
//! per day and per month.
use super::{ADMIN_TOKEN, Api};
use crate::harness::{SECOND, config_text, customer_mail, eventually};
use crate::mailstack::{CUSTOMER, SUPPORT, SUPPORT_PASSWORD};
use postdesk::config::Config;
use postdesk::domain::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn emails_in_and_out_are_counted_per_domain_per_day_and_month() {
    let stack = crate::harness::stack();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("usage.db").display());
    let extra = format!("admin_token = \"{ADMIN_TOKEN}\"\n[acknowledgement]\nenabled = false");
    let text = config_text(&stack, &db, SUPPORT, SUPPORT_PASSWORD, &extra);
    let api = Api::start_config(dir, &Config::parse(&text, &[]).expect("config")).await;
    let empty = api.get("/api/v1/usage").await.expect(200);
    assert_eq!(empty, json!({"period": "day", "items": []}));

    for (id, subject) in [("u1@example.net", "Parcel"), ("u2@example.net", "Invoice")] {
        let mail = customer_mail(id, subject, "Hello", "");
        stack.send(CUSTOMER, SUPPORT, &mail).expect("send");
    }
    let tickets = eventually("two tickets", 15 * SECOND, || async {
        let page = api.get("/api/v1/tickets").await.expect(200);
        (page["total"] == 2).then_some(page)
    })
    .await;
    let agent = api.token(Role::Agent, Some("dana@example.com")).await;
    let reply = format!("/api/v1/tickets/{}/replies", tickets["items"][0]["id"]);
    api.call(
        Method::POST,
        &reply,
        Some(&agent),
        Some(&json!({"body": "On its way."})),
    )
    .await
    .expect(202);

    let today = chrono::Utc::now().date_naive().to_string();
    let day = eventually("the reply is counted as sent", 15 * SECOND, || async {
        let usage = api.get("/api/v1/usage?period=day").await.expect(200);
        (usage["items"][0]["emails_out"] == 1).then_some(usage)
    })
    .await;
    let domain = &day["items"][0];
    assert_eq!(day["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(domain["address"], SUPPORT);
    assert_eq!(domain["period"], today);
    assert_eq!(domain["emails_in"], 2);
    let month = api.get("/api/v1/usage?period=month").await.expect(200);
    assert_eq!(month["items"][0]["period"], today[..7]);
    assert_eq!(
        (
            month["items"][0]["emails_in"].as_i64(),
            month["items"][0]["emails_out"].as_i64()
        ),
        (Some(2), Some(1))
    );

    let metrics = api.get("/metrics").await;
    let line = |direction: &str| {
        metrics
            .text
            .lines()
            .find(|l| {
                l.starts_with("postdesk_domain_emails_total{")
                    && l.contains(&format!("direction=\"{direction}\""))
            })
            .unwrap_or_else(|| panic!("no {direction} line in {}", metrics.text))
            .to_string()
    };
    assert!(
        line("in").contains(SUPPORT) && line("in").ends_with(" 2"),
        "{}",
        line("in")
    );
    assert!(line("out").ends_with(" 1"), "{}", line("out"));

    let bad = api.get("/api/v1/usage?period=week").await;
    assert_eq!((bad.status.as_u16(), bad.field()), (422, "period"));
    assert_eq!(
        api.get("/api/v1/usage?colour=red").await.status.as_u16(),
        400
    );
    api.stop().await;
}
