//! What a token may do follows its agent as it is now; failures to
//! authenticate are rate-limited per client; `/healthz` tells strangers only
//! the status.
use super::Api;
use postdesk::domain::Role;
use reqwest::Method;
use serde_json::json;

/// The agent behind `email`, as its admin-facing path.
async fn agent_path(api: &Api, email: &str) -> String {
    let id = api
        .store()
        .agent_id_by_email(email)
        .await
        .expect("agent lookup")
        .expect("agent exists");
    format!("/api/v1/agents/{id}")
}

#[tokio::test]
async fn a_deactivated_agents_token_is_refused_everywhere() {
    let api = Api::start().await;
    let token = api.token(Role::Agent, Some("gone@example.com")).await;
    let before = api
        .call(Method::GET, "/api/v1/tickets", Some(&token), None)
        .await;
    assert_eq!(before.status, 200, "{}", before.text);
    let path = agent_path(&api, "gone@example.com").await;
    api.patch(&path, &json!({"active": false}))
        .await
        .expect(200);
    let change = json!({"status": "resolved"});
    for (method, path, body) in [
        (Method::GET, "/api/v1/tickets", None),
        (Method::PATCH, "/api/v1/tickets/1", Some(&change)),
        (Method::POST, "/api/v1/tickets/1/replies", Some(&change)),
    ] {
        let got = api.call(method, path, Some(&token), body).await;
        assert_eq!(got.status, 401, "{path}: {}", got.text);
        assert_eq!(got.code(), "unauthorized");
    }
    api.stop().await;
}

#[tokio::test]
async fn an_admin_demoted_to_agent_loses_admin_rights_on_its_old_token() {
    let api = Api::start().await;
    let token = api.token(Role::Admin, Some("boss@example.com")).await;
    let tag = |name: &str| json!({"name": name});
    let made = api
        .call(
            Method::POST,
            "/api/v1/tags",
            Some(&token),
            Some(&tag("one")),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let path = agent_path(&api, "boss@example.com").await;
    // Another admin first: the last active one cannot be demoted.
    let deputy = json!({"email": "deputy@example.com", "name": "Deputy", "role": "admin"});
    api.post("/api/v1/agents", &deputy).await.expect(201);
    api.patch(&path, &json!({"role": "agent"}))
        .await
        .expect(200);
    let refused = api
        .call(
            Method::POST,
            "/api/v1/tags",
            Some(&token),
            Some(&tag("two")),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let reads = api
        .call(Method::GET, "/api/v1/tickets", Some(&token), None)
        .await;
    assert_eq!(reads.status, 200, "still an agent: {}", reads.text);
    api.stop().await;
}

#[tokio::test]
async fn repeated_bad_tokens_get_429_with_retry_after_and_good_tokens_cost_nothing() {
    let api = Api::start().await;
    for _ in 0..30 {
        let good = api.get("/api/v1/tickets").await;
        assert_eq!(good.status, 200, "successes take no budget: {}", good.text);
    }
    for n in 0..20 {
        let bad = api
            .call(Method::GET, "/api/v1/tickets", Some("pd_guess"), None)
            .await;
        assert_eq!(bad.status, 401, "failure {n} is still allowed");
    }
    let limited = api
        .call(Method::GET, "/api/v1/tickets", Some("pd_guess"), None)
        .await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    assert_eq!(limited.code(), "too_many_requests");
    let retry = reqwest::Client::new()
        .get(format!("{}/api/v1/tickets", api.base))
        .bearer_auth("pd_guess")
        .send()
        .await
        .expect("request");
    let wait: u64 = retry.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    // Once limited, even a right guess waits: the limit is on the address.
    assert_eq!(api.get("/api/v1/tickets").await.status, 429);
    api.stop().await;
    let fresh = Api::start().await;
    assert_eq!(fresh.get("/api/v1/tickets").await.status, 200);
    fresh.stop().await;
}

#[tokio::test]
async fn healthz_shows_strangers_only_the_status_and_token_holders_the_details() {
    let api = Api::start().await;
    let domain = json!({
        "address": "support@example.com",
        "imap": {"host": "imap.internal.example", "port": 993, "username": "s", "password": "imap-pass-1"},
        "smtp": {"host": "smtp.internal.example", "port": 587, "username": "s", "password": "smtp-pass-2"},
        "enabled": false
    });
    let id = api.post("/api/v1/email-domains", &domain).await.expect(201)["id"]
        .as_i64()
        .expect("id");
    let error = "imap.internal.example:993: login refused for s";
    api.store()
        .record_poll(id, Some(error))
        .await
        .expect("poll");
    let anonymous = api.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(anonymous.status, 200, "{}", anonymous.text);
    assert_eq!(anonymous.body["mailboxes"][0]["status"], "degraded");
    for secret in ["internal.example", "login refused", "support@"] {
        assert!(!anonymous.text.contains(secret), "{}", anonymous.text);
    }
    let bad = api
        .call(Method::GET, "/healthz", Some("pd_wrong"), None)
        .await;
    assert!(!bad.text.contains("login refused"), "{}", bad.text);
    let admin = api.get("/healthz").await.expect(200);
    assert_eq!(admin["mailboxes"][0]["status"], "degraded");
    assert_eq!(admin["mailboxes"][0]["last_error"], error);
    assert_eq!(admin["mailboxes"][0]["address"], "support@example.com");
    api.stop().await;
}
