//! `agents` over HTTP: memberships, signatures checked as templates, and
//! deleting an agent without harming its tickets.
use super::Api;
use super::settings::{created, refused};
use postdesk::ingest::{Incoming, Ingestor, Limits, Source};
use serde_json::{Value, json};

#[tokio::test]
async fn agents_are_added_with_teams_changed_and_listed() {
    let api = Api::start().await;
    let support = created(api.post("/api/v1/teams", &json!({"name": "Support"})).await);
    let billing = created(api.post("/api/v1/teams", &json!({"name": "Billing"})).await);
    let ann = api
        .post(
            "/api/v1/agents",
            &json!({"email": "Ann@Example.com", "name": "Ann", "team_ids": [billing, support, billing],
                    "signature": "{{ agent.name }}\nExample Support"}),
        )
        .await
        .expect(201);
    assert_eq!(ann["email"], "ann@example.com");
    assert_eq!(ann["role"], "agent");
    assert_eq!(ann["active"], true);
    let mut teams = vec![support, billing];
    teams.sort();
    assert_eq!(ann["team_ids"], json!(teams));
    let path = format!("/api/v1/agents/{}", ann["id"]);
    let changed = api
        .patch(
            &path,
            &json!({"role": "admin", "team_ids": [support], "active": false}),
        )
        .await
        .expect(200);
    assert_eq!(changed["role"], "admin");
    assert_eq!(changed["team_ids"], json!([support]));
    assert_eq!(changed["active"], false);
    assert_eq!(changed["signature"], ann["signature"], "left out, kept");
    let list = api.get("/api/v1/agents").await.expect(200);
    assert_eq!(list["items"][0]["team_ids"], json!([support]));
    assert_eq!(
        api.delete(&format!("/api/v1/teams/{support}")).await.status,
        204
    );
    let left = api.get(&path).await.expect(200);
    assert_eq!(left["team_ids"], json!([]), "a deleted team has no members");
    api.stop().await;
}

#[tokio::test]
async fn bad_agents_get_the_right_4xx_naming_the_field() {
    let api = Api::start().await;
    created(
        api.post(
            "/api/v1/agents",
            &json!({"email": "ann@example.com", "name": "Ann"}),
        )
        .await,
    );
    let agent = |extra: Value| {
        let mut body = json!({"email": "bo@example.com", "name": "Bo"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let cases = [
        (agent(json!({"email": "ANN@example.com"})), 409, "email"),
        (agent(json!({"email": "not-an-address"})), 422, "email"),
        (agent(json!({"name": " "})), 422, "name"),
        (agent(json!({"name": "n".repeat(201)})), 422, "name"),
        (agent(json!({"role": "owner"})), 422, "role"),
        (agent(json!({"team_ids": [4242]})), 409, "team_ids"),
        (agent(json!({"team_ids": ["x"]})), 400, "team_ids[0]"),
        (
            agent(json!({"signature": "s".repeat(10_001)})),
            422,
            "signature",
        ),
        (agent(json!({"active": "yes"})), 400, "active"),
    ];
    for (body, status, field) in cases {
        let got = api.post("/api/v1/agents", &body).await;
        assert_eq!(got.status.as_u16(), status, "{body}: {}", got.text);
        assert_eq!(got.field(), field, "{body}: {}", got.text);
    }
    let signature = api
        .post(
            "/api/v1/agents",
            &agent(json!({"signature": "Bo\n--\n{% if agent %}"})),
        )
        .await;
    refused(&signature, 422, "invalid_value", "signature");
    assert!(signature.text.contains("line 3"), "{}", signature.text);
    refused(
        &api.patch("/api/v1/agents/999", &json!({"name": "X"})).await,
        404,
        "not_found",
        "",
    );
    refused(
        &api.delete("/api/v1/agents/999").await,
        404,
        "not_found",
        "",
    );
    let list = api.get("/api/v1/agents").await.expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "nothing made");
    api.stop().await;
}

#[tokio::test]
async fn deleting_an_agent_leaves_its_tickets_unassigned() {
    let api = Api::start().await;
    let bo = created(
        api.post(
            "/api/v1/agents",
            &json!({"email": "bo@example.com", "name": "Bo"}),
        )
        .await,
    );
    let ingestor = Ingestor::new(api.store().clone(), Limits::default())
        .await
        .expect("ingestor");
    let raw = crate::support::mail("jo@customer.example", "Hi", "a1@customer.example", "", "Hi");
    let out = ingestor
        .ingest(vec![Incoming {
            source: Source::Import,
            raw,
        }])
        .await
        .expect("ingest");
    let ticket = out[0].ticket_id.expect("a ticket");
    sqlx::query("UPDATE tickets SET assignee_id = $1 WHERE id = $2")
        .bind(bo)
        .bind(ticket)
        .execute(api.store().writer())
        .await
        .expect("assign");
    let path = format!("/api/v1/tickets/{ticket}");
    assert_eq!(api.get(&path).await.expect(200)["assignee"]["id"], bo);
    assert_eq!(
        api.delete(&format!("/api/v1/agents/{bo}")).await.status,
        204
    );
    let after = api.get(&path).await.expect(200);
    assert_eq!(after["assignee"], Value::Null);
    refused(
        &api.get(&format!("/api/v1/agents/{bo}")).await,
        404,
        "not_found",
        "",
    );
    api.stop().await;
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_deactivated_or_deleted() {
    let api = Api::start().await;
    let admin =
        |name: &str| json!({"email": format!("{name}@example.com"), "name": name, "role": "admin"});
    let ann = created(api.post("/api/v1/agents", &admin("ann")).await);
    let ann = format!("/api/v1/agents/{ann}");
    for change in [json!({"role": "agent"}), json!({"active": false})] {
        let refused = api.patch(&ann, &change).await.expect(409);
        assert_eq!(refused["error"]["field"], "role", "{refused}");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(message.contains("last active admin"), "{message}");
    }
    let refused = api.delete(&ann).await.expect(409);
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("last active admin"), "{message}");
    assert_eq!(
        api.get(&ann).await.expect(200)["role"],
        "admin",
        "unchanged"
    );
    // An inactive admin does not count; an active second one does.
    let bo = created(api.post("/api/v1/agents", &admin("bo")).await);
    let bo = format!("/api/v1/agents/{bo}");
    api.patch(&bo, &json!({"active": false})).await.expect(200);
    api.patch(&ann, &json!({"role": "agent"})).await.expect(409);
    api.patch(&bo, &json!({"active": true})).await.expect(200);
    api.patch(&ann, &json!({"role": "agent"})).await.expect(200);
    api.delete(&bo).await.expect(409);
    // A change that keeps the last admin an active admin goes through.
    let renamed = api.patch(&bo, &json!({"name": "Bo B"})).await.expect(200);
    assert_eq!(renamed["name"], "Bo B");
    api.stop().await;
}
