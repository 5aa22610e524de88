//! `quarantine` (admins): a mail over the size limit, quarantined by the
//! poller from the real Dovecot, is listed with why, read (header fields,
//! its bytes), and retried into a ticket exactly once; a mail that fails
//! again stays with one record; a discarded one keeps only its record.
use super::{ADMIN_TOKEN, Api};
use crate::harness::{SECOND, config_text, eventually};
use crate::mailstack::{CUSTOMER, SUPPORT, SUPPORT_PASSWORD};
use postdesk::config::Config;
use postdesk::domain::Role;
use postdesk::ingest::{Incoming, Ingestor, Limits, Outcome, Source};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quarantined_mail_is_inspected_retried_once_or_discarded() {
    let stack = crate::harness::stack();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("quarantine.db").display());
    let extra = format!(
        "admin_token = \"{ADMIN_TOKEN}\"\nmax_message_bytes = 4000\n[acknowledgement]\nenabled = false"
    );
    let text = config_text(&stack, &db, SUPPORT, SUPPORT_PASSWORD, &extra);
    let api = Api::start_config(dir, &Config::parse(&text, &[]).expect("config")).await;

    let big = format!(
        "From: Carla Customer <{CUSTOMER}>\r\nTo: {SUPPORT}\r\nSubject: Scans of the damage\r\n\
         Message-ID: <q1@example.net>\r\nContent-Type: text/plain\r\n\r\n{}\r\n",
        "scan data of the parcel\r\n".repeat(400)
    );
    stack.send(CUSTOMER, SUPPORT, &big).expect("send");
    let listed = eventually("the mail is quarantined", 15 * SECOND, || async {
        let page = api.get("/api/v1/quarantine").await.expect(200);
        (page["total"] == 1).then_some(page)
    })
    .await;
    let q = &listed["items"][0];
    let id = q["id"].as_i64().expect("id");
    assert_eq!(q["subject"], "Scans of the damage");
    assert_eq!(q["address"], SUPPORT);
    assert!(q["from"].as_str().unwrap().contains(CUSTOMER));
    assert!(q["reason"].as_str().unwrap().contains("4000"), "{q}");
    let one = api
        .get(&format!("/api/v1/quarantine/{id}"))
        .await
        .expect(200);
    assert!(
        one["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "Message-ID" && h["value"] == "<q1@example.net>"),
        "{one}"
    );
    let raw = api.get(&format!("/api/v1/quarantine/{id}/raw")).await;
    assert_eq!(raw.status.as_u16(), 200);
    assert!(
        raw.text.contains("Subject: Scans of the damage"),
        "{}",
        raw.text
    );
    assert!(
        !raw.text.contains("scan data of the parcel"),
        "over the limit: the header alone is kept"
    );

    let agent = api.token(Role::Agent, Some("dana@example.com")).await;
    let refused = api
        .call(
            Method::POST,
            &format!("/api/v1/quarantine/{id}/retry"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(refused.status.as_u16(), 403, "admins only");

    let retried = api
        .post(&format!("/api/v1/quarantine/{id}/retry"), &json!({}))
        .await
        .expect(200);
    assert_eq!(retried["outcome"], "created");
    let ticket = retried["ticket_id"].as_i64().expect("a ticket");
    let t = api
        .get(&format!("/api/v1/tickets/{ticket}"))
        .await
        .expect(200);
    assert_eq!(t["subject"], "Scans of the damage");
    assert_eq!(
        t["email_domain_id"], q["email_domain_id"],
        "answered from the domain it came in on"
    );
    assert_eq!(api.get("/api/v1/quarantine").await.expect(200)["total"], 0);
    let again = api
        .post(&format!("/api/v1/quarantine/{id}/retry"), &json!({}))
        .await;
    assert_eq!(again.status.as_u16(), 404, "retried once");
    assert_eq!(
        api.get("/api/v1/tickets").await.expect(200)["total"],
        1,
        "one ticket"
    );

    // Still broken: retried, it stays with one record.
    let ingestor = Ingestor::new(api.store().clone(), Limits::default())
        .await
        .unwrap();
    let broken = ingestor
        .ingest(vec![Incoming {
            source: Source::Import,
            raw: b"   \r\n  \r\n".to_vec(),
        }])
        .await
        .unwrap();
    assert_eq!(broken[0].outcome, Outcome::Quarantined);
    let page = api.get("/api/v1/quarantine").await.expect(200);
    let broken_id = page["items"][0]["id"].as_i64().unwrap();
    let failed = api
        .post(&format!("/api/v1/quarantine/{broken_id}/retry"), &json!({}))
        .await
        .expect(200);
    assert_eq!(failed["outcome"], "quarantined");
    assert!(
        failed["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{failed}"
    );
    let page = api.get("/api/v1/quarantine").await.expect(200);
    assert_eq!(page["total"], 1, "one record, not two: {page}");
    assert_eq!(page["items"][0]["id"], broken_id);

    assert_eq!(
        api.delete(&format!("/api/v1/quarantine/{broken_id}"))
            .await
            .status,
        204
    );
    assert_eq!(api.get("/api/v1/quarantine").await.expect(200)["total"], 0);
    let kept: (String, Option<Vec<u8>>) =
        sqlx::query_as("SELECT outcome, raw FROM ingest_records WHERE id = $1")
            .bind(broken_id)
            .fetch_one(api.store().pool())
            .await
            .unwrap();
    assert_eq!(
        kept,
        ("dropped".to_string(), None),
        "the record stays, the bytes go"
    );
    assert_eq!(
        api.delete(&format!("/api/v1/quarantine/{broken_id}"))
            .await
            .status,
        404
    );
    api.stop().await;
}
