//! `fields` (custom field definitions) over HTTP.
use super::Api;
use super::settings::{created, refused};
use serde_json::{Value, json};

/// A ticket holding `value` for field `field_id` (stored as the API of
/// tickets would store it).
async fn ticket_with_value(api: &Api, field_id: i64, value: &str) {
    let raw = crate::support::mail("jo@customer.example", "Hi", "f1@customer.example", "", "Hi");
    let ticket = crate::support::imported_ticket(api.store(), raw).await;
    sqlx::query("INSERT INTO ticket_field_values (ticket_id, field_id, value) VALUES ($1, $2, $3)")
        .bind(ticket)
        .bind(field_id)
        .bind(value)
        .execute(api.store().writer())
        .await
        .expect("a field value");
}

#[tokio::test]
async fn fields_are_defined_ordered_changed_and_deleted() {
    let api = Api::start().await;
    let plan = api
        .post(
            "/api/v1/fields",
            &json!({"key": "plan", "label": "Plan", "type": "select", "options": ["gold", "silver"]}),
        )
        .await
        .expect(201);
    assert_eq!(plan["type"], "select");
    assert_eq!(plan["options"], json!(["gold", "silver"]));
    assert_eq!(plan["position"], 0);
    let order = api
        .post(
            "/api/v1/fields",
            &json!({"key": "order_no", "label": "Order number", "type": "text"}),
        )
        .await
        .expect(201);
    assert_eq!(order["position"], 1, "after the last");
    assert_eq!(order["options"], json!([]));
    let first = api
        .post(
            "/api/v1/fields",
            &json!({"key": "vip", "label": "VIP", "type": "checkbox", "position": -1}),
        )
        .await
        .expect(201);
    let list = api.get("/api/v1/fields").await.expect(200);
    let keys: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["vip", "plan", "order_no"]);
    let path = format!("/api/v1/fields/{}", order["id"]);
    let number = api
        .patch(&path, &json!({"type": "number", "label": "Order"}))
        .await
        .expect(200);
    assert_eq!(
        number["type"], "number",
        "no values yet: the type may change"
    );
    assert_eq!(number["key"], "order_no");
    let plan_path = format!("/api/v1/fields/{}", plan["id"]);
    let texted = api
        .patch(&plan_path, &json!({"type": "text"}))
        .await
        .expect(200);
    assert_eq!(
        texted["options"],
        json!([]),
        "options go with the select type"
    );
    assert_eq!(api.delete(&path).await.status, 204);
    refused(&api.get(&path).await, 404, "not_found", "");
    assert_eq!(
        api.get(&format!("/api/v1/fields/{}", first["id"]))
            .await
            .status,
        200
    );
    api.stop().await;
}

#[tokio::test]
async fn bad_field_definitions_are_refused_naming_the_field() {
    let api = Api::start().await;
    created(
        api.post(
            "/api/v1/fields",
            &json!({"key": "plan", "label": "Plan", "type": "text"}),
        )
        .await,
    );
    let text = |key: &str| json!({"key": key, "label": "L", "type": "text"});
    let cases = [
        (text("plan"), 409, "key"),
        (text("Plan"), 422, "key"),
        (text("order-no"), 422, "key"),
        (text(""), 422, "key"),
        (text(&"k".repeat(65)), 422, "key"),
        (
            json!({"key": "a", "label": "", "type": "text"}),
            422,
            "label",
        ),
        (
            json!({"key": "a", "label": "L", "type": "colour"}),
            422,
            "type",
        ),
        (
            json!({"key": "a", "label": "L", "type": "select"}),
            422,
            "options",
        ),
        (
            json!({"key": "a", "label": "L", "type": "select", "options": []}),
            422,
            "options",
        ),
        (
            json!({"key": "a", "label": "L", "type": "select", "options": ["x", " "]}),
            422,
            "options[1]",
        ),
        (
            json!({"key": "a", "label": "L", "type": "text", "options": ["x"]}),
            422,
            "options",
        ),
        (
            json!({"key": "a", "label": "L", "type": "select", "options": "x"}),
            400,
            "options",
        ),
        (
            json!({"key": "a", "label": "L", "type": "text", "position": i64::MAX}),
            422,
            "position",
        ),
        (
            json!({"key": "a", "label": "L", "type": "text", "position": -1_000_001}),
            422,
            "position",
        ),
        (
            json!({"key": "a", "label": "L", "type": "text", "position": "1"}),
            400,
            "position",
        ),
    ];
    for (body, status, field) in cases {
        let got = api.post("/api/v1/fields", &body).await;
        assert_eq!(got.status.as_u16(), status, "{body}: {}", got.text);
        assert_eq!(got.field(), field, "{body}: {}", got.text);
    }
    // The last position, then one after it: still a whole number (SQLite
    // made the sum past i64::MAX a float, and every later read a 500).
    let last = json!({"key": "c", "label": "L", "type": "text", "position": 1_000_000});
    api.post("/api/v1/fields", &last).await.expect(201);
    let next = json!({"key": "d", "label": "L", "type": "text"});
    assert_eq!(
        api.post("/api/v1/fields", &next).await.expect(201)["position"],
        1_000_001
    );
    api.get("/api/v1/fields").await.expect(200);
    // An option listed twice (once trimmed) is kept once.
    let twice = json!({"key": "b", "label": "L", "type": "select", "options": ["x", " x", "y"]});
    let made = api.post("/api/v1/fields", &twice).await.expect(201);
    assert_eq!(made["options"], json!(["x", "y"]));
    refused(
        &api.patch("/api/v1/fields/99", &json!({"label": "x"})).await,
        404,
        "not_found",
        "",
    );
    api.stop().await;
}

#[tokio::test]
async fn a_field_with_values_keeps_its_type_and_the_options_in_use() {
    let api = Api::start().await;
    let id = created(
        api.post(
            "/api/v1/fields",
            &json!({"key": "plan", "label": "Plan", "type": "select", "options": ["gold", "silver"]}),
        )
        .await,
    );
    ticket_with_value(&api, id, "gold").await;
    let path = format!("/api/v1/fields/{id}");
    let retyped = api.patch(&path, &json!({"type": "text"})).await;
    refused(&retyped, 409, "conflict", "type");
    assert!(
        retyped.text.contains("1 value(s) are stored"),
        "{}",
        retyped.text
    );
    let dropped = api.patch(&path, &json!({"options": ["silver"]})).await;
    refused(&dropped, 409, "conflict", "options");
    assert!(dropped.text.contains("gold"), "{}", dropped.text);
    let more = api
        .patch(
            &path,
            &json!({"options": ["gold", "silver", "bronze"], "label": "Tier"}),
        )
        .await
        .expect(200);
    assert_eq!(more["options"], json!(["gold", "silver", "bronze"]));
    assert_eq!(more["label"], "Tier");
    assert_eq!(api.get(&path).await.expect(200)["type"], "select");
    assert_eq!(api.delete(&path).await.status, 204, "values go with it");
    assert_eq!(api.store().count("ticket_field_values").await.unwrap(), 0);
    api.stop().await;
}

#[tokio::test]
async fn a_field_is_a_tickets_or_a_contacts_and_keeps_its_scope_while_held() {
    let api = Api::start().await;
    let vip = api
        .post(
            "/api/v1/fields",
            &json!({"scope": "contact", "key": "vip", "label": "VIP", "type": "checkbox"}),
        )
        .await
        .expect(201);
    assert_eq!(vip["scope"], "contact");
    let same_key = api
        .post(
            "/api/v1/fields",
            &json!({"key": "vip", "label": "VIP ticket", "type": "checkbox"}),
        )
        .await
        .expect(201);
    assert_eq!(
        same_key["scope"], "ticket",
        "ticket is the default; keys are per scope"
    );
    assert_eq!(same_key["position"], 0, "positions count within a scope");
    let twice = api
        .post(
            "/api/v1/fields",
            &json!({"scope": "contact", "key": "vip", "label": "Again", "type": "text"}),
        )
        .await;
    assert_eq!(twice.status.as_u16(), 409, "{}", twice.text);
    let bad = api
        .post(
            "/api/v1/fields",
            &json!({"scope": "company", "key": "x", "label": "X", "type": "text"}),
        )
        .await;
    refused(&bad, 422, "invalid_value", "scope");
    let scopes: Vec<Value> = api.get("/api/v1/fields").await.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["scope"].clone())
        .collect();
    assert_eq!(
        scopes,
        [json!("ticket"), json!("contact")],
        "ticket fields first"
    );

    // Moved while nothing holds it; kept once a contact does.
    let path = format!("/api/v1/fields/{}", vip["id"]);
    api.patch(&path, &json!({"scope": "ticket", "key": "vip_customer"}))
        .await
        .expect(200);
    let back = api
        .patch(&path, &json!({"scope": "contact"}))
        .await
        .expect(200);
    assert_eq!(back["scope"], "contact");
    ticket_with_value(&api, same_key["id"].as_i64().unwrap(), "true").await;
    let contact: i64 = sqlx::query_scalar("SELECT id FROM contacts")
        .fetch_one(api.store().pool())
        .await
        .unwrap();
    api.patch(
        &format!("/api/v1/contacts/{contact}"),
        &json!({"fields": {"vip_customer": true}}),
    )
    .await
    .expect(200);
    let moved = api.patch(&path, &json!({"scope": "ticket"})).await;
    refused(&moved, 409, "conflict", "scope");
    let retyped = api.patch(&path, &json!({"type": "text"})).await;
    refused(&retyped, 409, "conflict", "type");
    assert_eq!(api.store().count("contact_field_values").await.unwrap(), 1);
    assert_eq!(api.delete(&path).await.status, 204);
    assert_eq!(
        api.store().count("contact_field_values").await.unwrap(),
        0,
        "values go with it"
    );
    assert_eq!(
        api.store().count("ticket_field_values").await.unwrap(),
        1,
        "not the ticket field's"
    );
    api.stop().await;
}
