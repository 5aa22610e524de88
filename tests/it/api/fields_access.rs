//! What agents may do with each custom field (`agent_access`): a hidden
//! field is left out of their tickets, lists, exports, contacts and field
//! list, and is no field to their filters and changes; a view-only field
//! is shown and a change of it is a 403 naming it; admins see and edit all.
use super::Api;
use postdesk::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

async fn a_ticket(api: &Api) -> i64 {
    let raw = crate::support::mail(
        "jo@customer.example",
        "Hi",
        "fa1@customer.example",
        "",
        "Hi",
    );
    crate::support::imported_ticket(api.store(), raw).await
}

fn keys(fields: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = fields
        .as_object()
        .expect("fields")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort();
    k
}

#[tokio::test]
async fn agents_see_edit_or_miss_each_field_as_its_access_says() {
    let api = Api::start().await;
    let mut ids = Vec::new();
    for (scope, key, kind, access) in [
        ("ticket", "cost", "number", "view"),
        ("ticket", "secret", "text", "hidden"),
        ("ticket", "note", "text", "edit"),
        ("contact", "score", "number", "hidden"),
        ("contact", "tier", "text", "view"),
    ] {
        let f = api
            .post(
                "/api/v1/fields",
                &json!({"scope": scope, "key": key, "label": key, "type": kind, "agent_access": access}),
            )
            .await
            .expect(201);
        assert_eq!(f["agent_access"], access);
        ids.push(f["id"].as_i64().unwrap());
    }
    let bad = api
        .post(
            "/api/v1/fields",
            &json!({"key": "x", "label": "X", "type": "text", "agent_access": "read"}),
        )
        .await;
    assert_eq!((bad.status.as_u16(), bad.field()), (422, "agent_access"));

    let id = a_ticket(&api).await;
    let path = format!("/api/v1/tickets/{id}");
    let all = api
        .patch(
            &path,
            &json!({"fields": {"cost": 5, "secret": "the margin", "note": "n"}}),
        )
        .await
        .expect(200);
    assert_eq!(
        keys(&all["fields"]),
        ["cost", "note", "secret"],
        "admins edit and see all"
    );
    let contact = all["requester"]["id"].as_i64().unwrap();
    let contact_path = format!("/api/v1/contacts/{contact}");
    api.patch(
        &contact_path,
        &json!({"fields": {"score": 9, "tier": "gold"}}),
    )
    .await
    .expect(200);

    let agent = api.token(Role::Agent, Some("dana@example.com")).await;
    let get = |p: String| {
        let agent = agent.clone();
        let api = &api;
        async move { api.call(Method::GET, &p, Some(&agent), None).await }
    };
    let seen = get(path.clone()).await.expect(200);
    assert_eq!(keys(&seen["fields"]), ["cost", "note"]);
    let changed_keys = |thread: &Value| -> Vec<String> {
        thread["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "field_changed")
            .map(|i| i["data"]["key"].as_str().unwrap().to_string())
            .collect()
    };
    let theirs = get(format!("{path}/messages")).await.expect(200);
    assert_eq!(
        changed_keys(&theirs),
        ["cost", "note"],
        "the hidden change is not on their thread"
    );
    assert!(!theirs.to_string().contains("the margin"));
    let admins = api.get(&format!("{path}/messages")).await.expect(200);
    assert_eq!(changed_keys(&admins).len(), 3);
    let listed = get("/api/v1/tickets".into()).await.expect(200);
    assert_eq!(keys(&listed["items"][0]["fields"]), ["cost", "note"]);
    let csv = get("/api/v1/tickets/export.csv".into()).await;
    let header = csv.text.lines().next().unwrap_or("").to_string();
    assert!(
        header.contains("field.cost") && !header.contains("field.secret"),
        "{header}"
    );
    assert!(!csv.text.contains("the margin"));
    let theirs = get(format!("{contact_path}/tickets")).await.expect(200);
    assert_eq!(keys(&theirs["items"][0]["fields"]), ["cost", "note"]);
    let c = get(contact_path.clone()).await.expect(200);
    assert_eq!(c["fields"], json!({"tier": "gold"}));
    let contacts = get("/api/v1/contacts".into()).await.expect(200);
    assert_eq!(contacts["items"][0]["fields"], json!({"tier": "gold"}));
    let defs = get("/api/v1/fields".into()).await.expect(200);
    let listed_keys: Vec<&str> = defs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(listed_keys, ["cost", "note", "tier"]);
    assert_eq!(
        get(format!("/api/v1/fields/{}", ids[1]))
            .await
            .status
            .as_u16(),
        404
    );

    // Filters: a hidden field is none of theirs; a view-only one filters.
    let hidden = get("/api/v1/tickets?field.secret=x".into()).await;
    assert_eq!(
        (hidden.status.as_u16(), hidden.field()),
        (422, "field.secret")
    );
    let by_cost = get("/api/v1/tickets?field.cost=5".into()).await.expect(200);
    assert_eq!(by_cost["total"], 1);
    let by_score = get("/api/v1/contacts?field.score=9".into()).await;
    assert_eq!(by_score.status.as_u16(), 422);

    // Changes: view-only is a 403 naming it, hidden is no field, edit goes.
    let patch = |body: Value| {
        let agent = agent.clone();
        let path = path.clone();
        let api = &api;
        async move {
            api.call(Method::PATCH, &path, Some(&agent), Some(&body))
                .await
        }
    };
    let view_only = patch(json!({"fields": {"cost": 6}})).await;
    assert_eq!(
        (view_only.status.as_u16(), view_only.field()),
        (403, "fields.cost"),
        "{}",
        view_only.text
    );
    let secret = patch(json!({"fields": {"secret": "guess"}})).await;
    let never = patch(json!({"fields": {"never_defined": "x"}})).await;
    assert_eq!(secret.field(), "fields.secret");
    assert_eq!(
        secret.status, never.status,
        "as if there were no such field"
    );
    assert_eq!(
        secret.text.replace("secret", "never_defined"),
        never.text,
        "in the same words"
    );
    assert!(!secret.text.contains("the margin"));
    let edited = patch(json!({"fields": {"note": "m"}})).await.expect(200);
    assert_eq!(edited["fields"], json!({"cost": 5, "note": "m"}));
    let on_contact = api
        .call(
            Method::PATCH,
            &contact_path,
            Some(&agent),
            Some(&json!({"fields": {"tier": "silver"}})),
        )
        .await;
    assert_eq!(
        (on_contact.status.as_u16(), on_contact.field()),
        (403, "fields.tier")
    );
    let stored = api.get(&path).await.expect(200);
    assert_eq!(
        stored["fields"],
        json!({"cost": 5, "secret": "the margin", "note": "m"}),
        "refused changes left it"
    );
    api.stop().await;
}
