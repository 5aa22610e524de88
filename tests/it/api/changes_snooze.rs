//! Snooze against the real mail stack: a snoozed ticket is pending and in
//! the Snoozed folder; it opens again when its time comes, or when the
//! customer replies first, with an event either way; a status other than
//! pending ends it; times that have passed or are too far are refused.
use super::{ADMIN_TOKEN, Api};
use crate::harness::{SECOND, config_text, customer_mail, eventually};
use crate::mailstack::{CUSTOMER, SUPPORT, SUPPORT_PASSWORD};
use postdesk::config::Config;
use serde_json::{Value, json};

async fn write_in(api: &Api, stack: &crate::mailstack::MailStack, id: &str, subject: &str) -> i64 {
    let mail = customer_mail(id, subject, "Hello?", "");
    stack.send(CUSTOMER, SUPPORT, &mail).expect("send");
    eventually("the mail is a ticket", 10 * SECOND, || async {
        let page = api.get("/api/v1/tickets?per_page=100").await.expect(200);
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["subject"] == subject)
            .and_then(|t| t["id"].as_i64())
    })
    .await
}

fn in_secs(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs)).to_rfc3339()
}

async fn snoozed_ids(api: &Api) -> Vec<i64> {
    let page = api.get("/api/v1/tickets?folder=snoozed").await.expect(200);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

async fn events(api: &Api, ticket: i64) -> Vec<Value> {
    let thread = api
        .get(&format!("/api/v1/tickets/{ticket}/messages"))
        .await
        .expect(200);
    thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "event")
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_snoozed_ticket_opens_at_its_time_or_at_the_customers_reply_whichever_is_first() {
    let stack = crate::harness::stack();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("snooze.db").display());
    let extra = format!("admin_token = \"{ADMIN_TOKEN}\"\n[acknowledgement]\nenabled = false");
    let text = config_text(&stack, &db, SUPPORT, SUPPORT_PASSWORD, &extra);
    let api = Api::start_config(dir, &Config::parse(&text, &[]).expect("config")).await;
    let soon = write_in(&api, &stack, "snooze-a@customer.example.net", "Soon").await;
    let later = write_in(&api, &stack, "snooze-b@customer.example.net", "Later").await;

    let t = api
        .patch(
            &format!("/api/v1/tickets/{soon}"),
            &json!({"snoozed_until": in_secs(2)}),
        )
        .await
        .expect(200);
    assert_eq!(t["status"], "pending", "a snoozed ticket is pending");
    assert!(t["snoozed_until"].is_string(), "{t}");
    api.patch(
        &format!("/api/v1/tickets/{later}"),
        &json!({"snoozed_until": in_secs(3600), "status": "pending"}),
    )
    .await
    .expect(200);
    let mut both = snoozed_ids(&api).await;
    both.sort_unstable();
    assert_eq!(both, vec![soon, later], "the Snoozed folder");

    for (body, status, field) in [
        (json!({"snoozed_until": in_secs(-60)}), 409, "snoozed_until"),
        (
            json!({"snoozed_until": in_secs(400 * 86_400)}),
            409,
            "snoozed_until",
        ),
        (
            json!({"snoozed_until": in_secs(60), "status": "open"}),
            409,
            "status",
        ),
        (json!({"snoozed_until": "tomorrow"}), 422, "snoozed_until"),
    ] {
        let answer = api.patch(&format!("/api/v1/tickets/{later}"), &body).await;
        assert_eq!(answer.field(), field, "{body}: {}", answer.text);
        answer.expect(status);
    }

    // Its time comes: open again, with an event.
    let woke = eventually("the snooze ends", 12 * SECOND, || async {
        let t = api
            .get(&format!("/api/v1/tickets/{soon}"))
            .await
            .expect(200);
        (t["status"] == "open").then_some(t)
    })
    .await;
    assert!(woke["snoozed_until"].is_null());
    let ended = events(&api, soon).await;
    let ended = ended
        .iter()
        .find(|e| e["kind"] == "unsnoozed")
        .expect("an event");
    assert_eq!(
        (ended["data"]["from"].as_str(), ended["data"]["to"].as_str()),
        (Some("pending"), Some("open"))
    );
    assert_eq!(snoozed_ids(&api).await, vec![later]);

    // The customer replies before the hour is up.
    let reply = customer_mail(
        "snooze-b-2@customer.example.net",
        "Re: Later",
        "Any news?",
        "In-Reply-To: <snooze-b@customer.example.net>\r\n",
    );
    stack.send(CUSTOMER, SUPPORT, &reply).expect("send");
    let back = eventually("the reply opens it", 10 * SECOND, || async {
        let t = api
            .get(&format!("/api/v1/tickets/{later}"))
            .await
            .expect(200);
        (t["status"] == "open").then_some(t)
    })
    .await;
    assert!(back["snoozed_until"].is_null(), "{back}");
    assert!(
        events(&api, later)
            .await
            .iter()
            .any(|e| e["kind"] == "reopened"),
        "an event for the reply"
    );
    assert!(snoozed_ids(&api).await.is_empty());

    // Any status but pending ends a snooze.
    api.patch(
        &format!("/api/v1/tickets/{later}"),
        &json!({"snoozed_until": in_secs(600)}),
    )
    .await
    .expect(200);
    let t = api
        .patch(
            &format!("/api/v1/tickets/{later}"),
            &json!({"status": "resolved"}),
        )
        .await
        .expect(200);
    assert!(t["snoozed_until"].is_null(), "{t}");
}
