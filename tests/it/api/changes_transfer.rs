//! `POST tickets/{id}/transfer`: a ticket handed to another agent and a
//! team with a note is one `transferred` event (the note beside it), shows
//! in the new assignee's Mine, and what cannot be transferred to is refused
//! naming the field, changing nothing.
use super::{Api, agent_with_token};
use reqwest::Method;
use serde_json::{Value, json};

fn kinds(thread: &Value) -> Vec<&str> {
    thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "event")
        .map(|i| i["kind"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_transfer_is_one_event_with_its_note_and_lands_in_the_new_assignees_mine() {
    let api = Api::start().await;
    let raw = crate::support::mail(
        "jo@customer.example",
        "Refund",
        "tr1@customer.example",
        "",
        "Please",
    );
    let id = crate::support::imported_ticket(api.store(), raw).await;
    let (_dana, dana) = agent_with_token(api.store(), "dana@example.com", "").await;
    let (eve_id, eve) = agent_with_token(api.store(), "eve@example.com", "").await;
    let billing = api
        .post("/api/v1/teams", &json!({"name": "Billing"}))
        .await
        .expect(201);
    let path = format!("/api/v1/tickets/{id}");
    let before = kinds(&api.get(&format!("{path}/messages")).await.expect(200)).len();

    let moved = api
        .call(
            Method::POST,
            &format!("{path}/transfer"),
            Some(&dana),
            Some(&json!({"agent_id": eve_id, "team_ids": [billing["id"]], "note": "Wants the refund today."})),
        )
        .await
        .expect(200);
    assert_eq!(moved["assignee"]["id"], eve_id);
    assert_eq!(
        moved["teams"],
        json!([{"id": billing["id"], "name": "Billing"}])
    );
    let thread = api.get(&format!("{path}/messages")).await.expect(200);
    let events = kinds(&thread);
    assert_eq!(events.len(), before + 1, "one event: {events:?}");
    assert_eq!(events.last(), Some(&"transferred"));
    let event = thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|i| i["type"] == "event")
        .unwrap();
    assert_eq!(event["agent"]["email"], "dana@example.com");
    assert_eq!(
        event["data"]["agent"],
        json!({"id": eve_id, "name": "Agent eve@example.com"})
    );
    assert_eq!(event["data"]["teams"]["added"], json!([billing["id"]]));
    let note = thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "note")
        .unwrap();
    assert_eq!(note["body"], "Wants the refund today.");
    assert_eq!(event["data"]["note_id"], note["id"]);

    let mine = api
        .call(Method::GET, "/api/v1/tickets?folder=mine", Some(&eve), None)
        .await
        .expect(200);
    assert_eq!(mine["items"][0]["id"], id, "in Eve's Mine");

    // Again to Eve with nothing else: nothing changes, no event.
    api.post(&format!("{path}/transfer"), &json!({"agent_id": eve_id}))
        .await
        .expect(200);
    let after = kinds(&api.get(&format!("{path}/messages")).await.expect(200)).len();
    assert_eq!(after, before + 1);

    for (body, status, field) in [
        (json!({}), 422, "agent_id"),
        (json!({"note": "only a note"}), 422, "agent_id"),
        (json!({"agent_id": 999_999}), 0, "agent_id"),
        (json!({"team_ids": [999_999]}), 0, "team_ids"),
        (json!({"agent_id": eve_id, "note": "   "}), 422, "note"),
        (json!({"agent_id": eve_id, "colour": "red"}), 400, "colour"),
    ] {
        let answer = api.post(&format!("{path}/transfer"), &body).await;
        assert!(answer.status.is_client_error(), "{body}: {}", answer.text);
        if status != 0 {
            assert_eq!(answer.status.as_u16(), status, "{body}: {}", answer.text);
        }
        if !field.is_empty() {
            assert_eq!(answer.field(), field, "{body}: {}", answer.text);
        }
    }
    sqlx::query("UPDATE agents SET active = 0 WHERE email = 'dana@example.com'")
        .execute(api.store().writer())
        .await
        .unwrap();
    let dana_id: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE email = 'dana@example.com'")
        .fetch_one(api.store().pool())
        .await
        .unwrap();
    let inactive = api
        .post(&format!("{path}/transfer"), &json!({"agent_id": dana_id}))
        .await;
    assert_eq!(
        (inactive.status.as_u16(), inactive.field()),
        (409, "agent_id")
    );
    let missing = api
        .post(
            "/api/v1/tickets/999999/transfer",
            &json!({"agent_id": eve_id}),
        )
        .await;
    assert_eq!(missing.status.as_u16(), 404);
    let after = api.get(&path).await.expect(200);
    assert_eq!(
        after["assignee"]["id"], eve_id,
        "refused transfers changed nothing"
    );
    api.stop().await;
}
