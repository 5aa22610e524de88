//! A ticket a chatbot flow opened over the API shows agents its channel,
//! the conversation's id and the flow's context on the side panel.
use super::*;
use postdesk::api::auth::{generate_token, hash_token};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_sees_where_a_flows_ticket_came_from() {
    let desk = Desk::start().await;
    let store = desk.gw.store();
    let token = generate_token();
    let key = store.token_key().await.unwrap();
    store
        .create_token("flow", Role::Admin, None, &hash_token(&key, &token))
        .await
        .unwrap();
    let domain: i64 = sqlx::query_scalar("SELECT id FROM email_domains")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let made: serde_json::Value = raw_client()
        .post(format!("{}/api/v1/tickets", desk.base()))
        .bearer_auth(&token)
        .json(
            &json!({"subject": "Handover from the bot", "email_domain_id": domain,
            "to": CUSTOMER, "body": "A colleague takes over.", "channel": "whatsapp",
            "linked_conversation": "conv-8841",
            "context": {"flow": "refund", "answer": "Parcel arrived broken"}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = made["id"].as_i64().expect("a ticket");

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.go(&format!("/tickets/{id}")).await;
    b.wait_text("Handover from the bot").await;
    assert_eq!(b.text_of(".origin .channel").await, "whatsapp");
    assert_eq!(b.text_of(".origin .linked").await, "conv-8841");
    let context = b.text_of(".origin dl.context").await;
    assert!(
        context.contains("answer\nParcel arrived broken"),
        "{context}"
    );
    assert!(context.contains("flow\nrefund"), "{context}");
    b.screenshot("ticket-from-a-flow").await;
    b.close().await;
}
