//! Tickets a chatbot flow opens through `POST tickets` carry their channel,
//! the conversation's external id and the flow's context; the list filters
//! by channel and linked conversation; mail-made tickets are `email` with
//! none; what cannot be stored is refused naming the field.
use super::Api;
use super::changes::{SENDING_DOMAIN, exec};
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_flows_ticket_carries_its_channel_conversation_and_context() {
    let api = Api::start_with(SENDING_DOMAIN).await;
    let domain = exec(
        &api,
        "SELECT id FROM email_domains WHERE address = 'support@example.com'",
    )
    .await;
    let raw = crate::support::mail(
        "jo@customer.example",
        "By mail",
        "or1@customer.example",
        "",
        "Hi",
    );
    let mailed = crate::support::imported_ticket(api.store(), raw).await;
    let opening = |extra: Value| {
        let mut body = json!({"subject": "Handover", "email_domain_id": domain,
            "to": "kim@customer.example", "body": "A colleague takes over from the bot."});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let flow = api
        .post(
            "/api/v1/tickets",
            &opening(json!({"channel": "telegram", "linked_conversation": "conv-8841",
                "context": {"flow": "refund", "order": "A-1234", "answer": "Parcel arrived broken"}})),
        )
        .await
        .expect(201);
    assert_eq!(flow["channel"], "telegram");
    assert_eq!(flow["linked_conversation"], "conv-8841");
    assert_eq!(flow["context"]["order"], "A-1234");
    let id = flow["id"].as_i64().unwrap();
    let plain = api
        .post("/api/v1/tickets", &opening(json!({})))
        .await
        .expect(201);
    assert_eq!(
        (
            plain["channel"].as_str(),
            plain["linked_conversation"].is_null()
        ),
        (Some("email"), true)
    );
    let by_mail = api
        .get(&format!("/api/v1/tickets/{mailed}"))
        .await
        .expect(200);
    assert_eq!(by_mail["channel"], "email");
    assert_eq!(by_mail["context"], json!({}));

    let telegram = api
        .get("/api/v1/tickets?channel=telegram")
        .await
        .expect(200);
    assert_eq!(ids(&telegram), [id]);
    let email = api
        .get("/api/v1/tickets?channel=email&sort=created_at")
        .await
        .expect(200);
    assert_eq!(ids(&email), [mailed, plain["id"].as_i64().unwrap()]);
    let linked = api
        .get("/api/v1/tickets?linked_conversation=conv-8841")
        .await
        .expect(200);
    assert_eq!(ids(&linked), [id]);
    let unlinked = api
        .get("/api/v1/tickets?linked_conversation=none")
        .await
        .expect(200);
    assert_eq!(unlinked["total"], 2);
    let both = api
        .get("/api/v1/tickets?channel=telegram&status=open&linked_conversation=conv-8841")
        .await
        .expect(200);
    assert_eq!(ids(&both), [id]);

    let before = api.get("/api/v1/tickets").await.expect(200)["total"].clone();
    for (extra, field) in [
        (json!({"channel": "Tele Gram"}), "channel"),
        (
            json!({"linked_conversation": "a\nb"}),
            "linked_conversation",
        ),
        (json!({"context": {"count": 3}}), "context.count"),
        (
            json!({"context": {"note": "x".repeat(10_001)}}),
            "context.note",
        ),
    ] {
        let answer = api.post("/api/v1/tickets", &opening(extra.clone())).await;
        assert_eq!(
            (answer.status.as_u16(), answer.field()),
            (422, field),
            "{extra}: {}",
            answer.text
        );
    }
    let after = api.get("/api/v1/tickets").await.expect(200)["total"].clone();
    assert_eq!(before, after, "no ticket was left behind");
    api.stop().await;
}
