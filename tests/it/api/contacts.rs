//! `contacts` over HTTP, with the contacts made by mail a customer sent
//! through the real Dovecot: list and search, the open-ticket filter,
//! contact fields (apart from ticket fields), the notepad and its author,
//! a contact's tickets, and what a change may not do.
use super::{ADMIN_TOKEN, Api};
use crate::harness::{SECOND, config_text, eventually};
use crate::mailstack::{CUSTOMER, SUPPORT, SUPPORT_PASSWORD};
use postdesk::config::Config;
use postdesk::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

const BEN: &str = "ben.buyer@shop.example.org";

fn mail(from: &str, id: &str, subject: &str) -> String {
    format!(
        "From: {from}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Sat, 21 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         About {subject}.\r\n"
    )
}

fn emails(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["email"].as_str().expect("email"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contacts_made_by_mail_are_searched_filtered_annotated_and_changed() {
    let stack = crate::harness::stack();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("contacts.db").display());
    let extra = format!("admin_token = \"{ADMIN_TOKEN}\"\n[acknowledgement]\nenabled = false");
    let text = config_text(&stack, &db, SUPPORT, SUPPORT_PASSWORD, &extra);
    let api = Api::start_config(dir, &Config::parse(&text, &[]).expect("config")).await;

    let carla = format!("Carla Customer <{CUSTOMER}>");
    for (from, id, subject) in [
        (carla.as_str(), "c1@example.net", "Parcel lost"),
        (carla.as_str(), "c2@example.net", "Invoice wrong"),
        (BEN, "b1@shop.example.org", "Refund"),
    ] {
        stack
            .send(CUSTOMER, SUPPORT, &mail(from, id, subject))
            .expect("send");
    }
    let tickets = eventually("three tickets", 15 * SECOND, || async {
        let page = api.get("/api/v1/tickets?sort=created_at").await.expect(200);
        (page["total"] == 3).then_some(page)
    })
    .await;

    let all = api.get("/api/v1/contacts").await.expect(200);
    assert_eq!(all["total"], 2);
    assert_eq!(emails(&all), [BEN, CUSTOMER], "newest first");
    let c = &all["items"][1];
    let carla_id = c["id"].as_i64().expect("id");
    assert_eq!(c["name"], "Carla Customer");
    assert_eq!(c["open_tickets"], 2);
    assert_eq!(c["from_domain"], "example.net");
    assert_eq!(
        c["notepad"],
        json!({"text": "", "updated_by": null, "updated_at": null})
    );
    assert_eq!(
        tickets["items"][0]["requester"]["id"], carla_id,
        "the ticket names its contact"
    );
    let ben_id = all["items"][0]["id"].as_i64().expect("id");
    let ben_ticket = tickets["items"][2]["id"].as_i64().expect("ticket id");

    // Search: any case, in the address or the name; wildcards are literal.
    let found = api.get("/api/v1/contacts?q=CARLA").await.expect(200);
    assert_eq!(emails(&found), [CUSTOMER]);
    let found = api.get("/api/v1/contacts?q=shop.example").await.expect(200);
    assert_eq!(emails(&found), [BEN]);
    let found = api.get("/api/v1/contacts?q=%25").await.expect(200);
    assert_eq!(found["total"], 0, "% is not a wildcard");

    // A contact field, beside a ticket field of the same key.
    api.post("/api/v1/fields", &json!({"scope": "contact", "key": "plan", "label": "Plan", "type": "select", "options": ["gold", "silver"]}))
        .await
        .expect(201);
    api.post(
        "/api/v1/fields",
        &json!({"key": "plan", "label": "Ticket plan", "type": "text"}),
    )
    .await
    .expect(201);
    let agent = api.token(Role::Agent, Some("dana@example.com")).await;
    let path = format!("/api/v1/contacts/{carla_id}");
    let changed = api
        .call(
            Method::PATCH,
            &path,
            Some(&agent),
            Some(&json!({"notepad": "Prefers phone.\r\nVIP.", "fields": {"plan": "gold"}})),
        )
        .await
        .expect(200);
    assert_eq!(changed["fields"], json!({"plan": "gold"}));
    assert_eq!(changed["notepad"]["text"], "Prefers phone.\nVIP.");
    assert_eq!(
        changed["notepad"]["updated_by"]["email"],
        "dana@example.com"
    );
    assert!(changed["notepad"]["updated_at"].is_string());
    let ticket = api
        .get(&format!("/api/v1/tickets/{}", tickets["items"][0]["id"]))
        .await
        .expect(200);
    assert_eq!(
        ticket["fields"],
        json!({}),
        "a contact field is not a ticket's"
    );

    let bad = api
        .patch(&path, &json!({"fields": {"plan": "bronze"}}))
        .await;
    assert_eq!(
        (bad.status.as_u16(), bad.field()),
        (422, "fields.plan"),
        "{}",
        bad.text
    );
    let bad = api
        .patch(&path, &json!({"fields": {"order_no": "1"}}))
        .await;
    assert_eq!(bad.field(), "fields.order_no", "{}", bad.text);
    let bad = api
        .patch(&path, &json!({"notepad": "x".repeat(20_001)}))
        .await;
    assert_eq!((bad.status.as_u16(), bad.field()), (422, "notepad"));
    let bad = api.patch(&path, &json!({"email": SUPPORT})).await;
    assert_eq!(
        (bad.status.as_u16(), bad.field()),
        (422, "email"),
        "{}",
        bad.text
    );
    let bad = api.patch(&path, &json!({"email": BEN})).await;
    assert_eq!(bad.status.as_u16(), 409, "{}", bad.text);
    let unchanged = api.get(&path).await.expect(200);
    assert_eq!(unchanged["email"], CUSTOMER, "nothing refused was stored");
    assert_eq!(unchanged["fields"], json!({"plan": "gold"}));

    // Filters: by contact field, by open tickets.
    let gold = api
        .get("/api/v1/contacts?field.plan=gold")
        .await
        .expect(200);
    assert_eq!(emails(&gold), [CUSTOMER]);
    let none = api
        .get("/api/v1/contacts?field.plan=none")
        .await
        .expect(200);
    assert_eq!(emails(&none), [BEN]);
    api.patch(
        &format!("/api/v1/tickets/{ben_ticket}"),
        &json!({"status": "resolved"}),
    )
    .await
    .expect(200);
    let open = api
        .get("/api/v1/contacts?has_open_ticket=true")
        .await
        .expect(200);
    assert_eq!(emails(&open), [CUSTOMER]);
    let closed = api
        .get("/api/v1/contacts?has_open_ticket=false")
        .await
        .expect(200);
    assert_eq!(emails(&closed), [BEN]);
    assert_eq!(closed["items"][0]["open_tickets"], 0);
    let both = api
        .get("/api/v1/contacts?has_open_ticket=true&field.plan=gold&q=carla")
        .await
        .expect(200);
    assert_eq!(both["total"], 1);

    // A contact's tickets, paged.
    let theirs = api
        .get(&format!("{path}/tickets?per_page=1"))
        .await
        .expect(200);
    assert_eq!(
        (
            theirs["total"].as_i64(),
            theirs["items"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1))
    );
    assert_eq!(theirs["items"][0]["requester"]["email"], CUSTOMER);
    let bens = api
        .get(&format!("/api/v1/contacts/{ben_id}/tickets"))
        .await
        .expect(200);
    assert_eq!(bens["items"][0]["id"], ben_ticket);

    // What the list refuses.
    for (query, status) in [
        ("has_open_ticket=maybe", 422),
        ("field.nope=1", 422),
        ("field.plan=bronze", 422),
        ("colour=red", 400),
        ("per_page=500", 422),
        ("q=a&q=b", 400),
    ] {
        let answer = api.get(&format!("/api/v1/contacts?{query}")).await;
        assert_eq!(answer.status.as_u16(), status, "{query}: {}", answer.text);
    }
    assert_eq!(
        api.get("/api/v1/contacts/999999").await.status.as_u16(),
        404
    );
    assert_eq!(
        api.get("/api/v1/contacts/999999/tickets")
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        api.get(&format!("{path}/tickets?sort=x"))
            .await
            .status
            .as_u16(),
        400
    );

    // A name is cleared by an empty one; a new address moves the domain.
    let renamed = api
        .patch(&path, &json!({"name": "", "email": "Carla@New.Example"}))
        .await
        .expect(200);
    assert_eq!(renamed["name"], Value::Null);
    assert_eq!(renamed["from_domain"], "new.example");
    assert_eq!(
        renamed["notepad"]["updated_by"]["email"], "dana@example.com",
        "the notepad kept its author"
    );

    // Search follows the new address, and the index stays whole: deleting
    // her ticket afterwards takes out exactly what was indexed.
    let by_address = api
        .get("/api/v1/tickets?q=%22carla%40new.example%22")
        .await
        .expect(200);
    assert_eq!(by_address["total"], 2, "{by_address}");
    let old_address = api
        .get(&format!("/api/v1/tickets?q=%22{CUSTOMER}%22"))
        .await
        .expect(200);
    assert_eq!(old_address["total"], 0);
    let first = tickets["items"][0]["id"].as_i64().expect("id");
    assert_eq!(
        api.delete(&format!("/api/v1/tickets/{first}")).await.status,
        204
    );
    sqlx::query("INSERT INTO ticket_text (ticket_text) VALUES ('integrity-check')")
        .execute(api.store().writer())
        .await
        .expect("the search index is whole");
    api.stop().await;
}
