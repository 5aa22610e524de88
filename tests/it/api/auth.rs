//! Bearer tokens, roles, the error shape, and the operational endpoints.
use super::{ADMIN_TOKEN, Api};
use postdesk::domain::Role;
use reqwest::Method;
// Async, so the server sharing this test's runtime keeps serving meanwhile.
use tokio::process::Command;

#[tokio::test]
async fn requests_without_a_valid_token_get_401_in_the_error_shape() {
    let api = Api::start().await;
    let none = api.call(Method::GET, "/api/v1/tickets/1", None, None).await;
    assert_eq!(none.status, 401, "{}", none.text);
    assert_eq!(none.code(), "unauthorized");
    assert!(
        none.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Bearer")
    );
    let wrong = api
        .call(
            Method::GET,
            "/api/v1/tickets/1",
            Some("pd_not_a_token"),
            None,
        )
        .await;
    assert_eq!(wrong.status, 401);
    let admin = api.get("/api/v1/tickets/1").await;
    assert_eq!(
        admin.status, 404,
        "a valid token gets past auth: {}",
        admin.text
    );
    assert_eq!(admin.code(), "not_found");
    api.stop().await;
}

#[tokio::test]
async fn an_agent_token_is_accepted_and_a_bad_path_is_400_not_500() {
    let api = Api::start().await;
    let agent = api.token(Role::Agent, Some("ann@example.com")).await;
    let got = api
        .call(Method::GET, "/api/v1/tickets/abc", Some(&agent), None)
        .await;
    assert_eq!(got.status, 400, "{}", got.text);
    assert_eq!(got.code(), "bad_request");
    let unknown = api.get("/api/v1/no-such-thing").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.code(), "not_found");
    api.stop().await;
}

#[tokio::test]
async fn healthz_reports_the_database_and_openapi_lists_the_routes() {
    let api = Api::start().await;
    let health = api
        .call(Method::GET, "/healthz", None, None)
        .await
        .expect(200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], true);
    let doc = api
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .expect(200);
    assert!(
        doc["paths"]["/api/v1/tickets/{id}"]["get"].is_object(),
        "{doc}"
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // The shared answers are listed with the error body: an operation with
    // a path id and a body can answer each of them.
    let patch = &doc["paths"]["/api/v1/tickets/{id}"]["patch"]["responses"];
    for status in ["200", "400", "401", "404", "413", "422", "429"] {
        assert!(patch[status].is_object(), "{status}: {patch}");
    }
    let error = &patch["413"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(error, "#/components/schemas/ErrorBody");
    let health = &doc["paths"]["/healthz"]["get"]["responses"];
    assert!(health["401"].is_null(), "public: {health}");
    // Request schemas carry the constraints the handlers enforce.
    let schemas = &doc["components"]["schemas"];
    let name = &schemas["NameBody"]["properties"]["name"]["$ref"];
    assert_eq!(
        name, "#/components/schemas/OneLine",
        "{}",
        schemas["NameBody"]
    );
    assert_eq!(schemas["OneLine"]["minLength"], 1);
    assert_eq!(schemas["OneLine"]["maxLength"], 200);
    assert!(schemas["OneLine"]["pattern"].is_string());
    let ids = &schemas["BulkDelete"]["properties"]["ids"];
    assert_eq!(
        (&ids["minItems"], &ids["maxItems"]),
        (&1.into(), &1000.into())
    );
    // Every reference names a schema the document holds.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for r in &refs {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(schemas[name].is_object(), "{r} is not in the document");
    }
    assert!(refs.len() > 50, "{} references", refs.len());
    // Public, a token optional: the document says so.
    let security = &doc["paths"]["/healthz"]["get"]["security"];
    assert_eq!(security[0], serde_json::json!({}), "{security}");
    // Each mailbox is an object with its status, its details optional.
    let mailbox = &doc["components"]["schemas"]["MailboxHealth"];
    assert_eq!(mailbox["type"], "object", "{mailbox}");
    let required = mailbox["required"].as_array().expect("required");
    assert_eq!(required.len(), 2, "{mailbox}");
    for field in ["address", "enabled", "last_poll_at", "last_error"] {
        assert!(
            mailbox["properties"][field].is_object(),
            "{field}: {mailbox}"
        );
    }
    api.stop().await;
}

#[tokio::test]
async fn token_create_on_the_cli_prints_a_token_the_api_accepts() {
    let api = Api::start().await;
    let db = api.store().clone();
    db.create_agent("bo@example.com", "Bo", "agent", "")
        .await
        .expect("agent");
    let url = api_db_url(&api).await;
    let out = Command::new(env!("CARGO_BIN_EXE_postdesk"))
        .args([
            "token",
            "create",
            "--name",
            "bo's laptop",
            "--role",
            "agent",
        ])
        .args(["--agent", "bo@example.com", "--database-url", &url])
        .output()
        .await
        .expect("run postdesk");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).expect("utf-8");
    let token = token.trim();
    assert!(token.starts_with("pd_"), "{token}");
    let got = api
        .call(Method::GET, "/api/v1/tickets/1", Some(token), None)
        .await;
    assert_eq!(got.status, 404, "{}", got.text);
    let bad = Command::new(env!("CARGO_BIN_EXE_postdesk"))
        .args(["token", "create", "--name", "x", "--role", "owner"])
        .args(["--database-url", &url])
        .output()
        .await
        .expect("run postdesk");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("role must be admin or agent"));
    assert_ne!(token, ADMIN_TOKEN);
    api.stop().await;
}

/// The database URL the running API uses.
async fn api_db_url(api: &Api) -> String {
    let path: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(api.store().pool())
            .await
            .expect("database file");
    format!("sqlite://{path}")
}

#[tokio::test]
async fn metrics_count_mail_in_and_time_requests_by_route() {
    let api = Api::start().await;
    api.get("/api/v1/tickets/424242").await;
    let before = emails_created(&api).await;
    let ingestor = postdesk::ingest::Ingestor::new(api.store().clone(), Default::default())
        .await
        .expect("ingestor");
    let raw = b"From: Mia <mia@example.org>\r\nTo: support@example.com\r\nSubject: Metrics\r\nMessage-ID: <metrics-1@example.org>\r\n\r\nHello\r\n";
    ingestor
        .ingest(vec![postdesk::ingest::Incoming {
            source: postdesk::ingest::Source::Import,
            raw: raw.to_vec(),
        }])
        .await
        .expect("ingest");
    assert!(emails_created(&api).await >= before + 1.0);
    let agent = api.token(Role::Agent, None).await;
    let text = api
        .call(Method::GET, "/metrics", Some(&agent), None)
        .await
        .text;
    assert!(
        text.contains(r#"postdesk_http_request_duration_seconds_count{method="GET",route="/api/v1/tickets/{id}",status="404"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"postdesk_outbox_messages{status="queued"} 0"#),
        "{text}"
    );
    // Without a token: 401, unless the config makes /metrics public.
    let anonymous = api.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);
    api.stop().await;
    let open = Api::start_with("metrics_public = true").await;
    let anonymous = open.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(anonymous.status, 200, "{}", anonymous.text);
    assert!(anonymous.text.contains("postdesk_outbox_messages"));
    open.stop().await;
}

/// The created counter as /metrics shows it (0 before any mail).
async fn emails_created(api: &Api) -> f64 {
    let text = api.get("/metrics").await.text;
    text.lines()
        .find_map(|l| l.strip_prefix(r#"postdesk_emails_in_total{outcome="created"} "#))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_a_whole_float_is_an_integer() {
    let api = Api::start().await;
    let big = serde_json::json!({"name": "x".repeat(postdesk::api::MAX_BODY_BYTES)});
    let got = api.post("/api/v1/tags", &big).await;
    assert_eq!(got.status, 413, "{}", got.text);
    assert_eq!(got.code(), "too_large");
    // A struct's fields as an array are not an object.
    let array = api.post("/api/v1/tags", &serde_json::json!(["vip"])).await;
    assert_eq!(array.status, 400, "{}", array.text);
    let team = api
        .post("/api/v1/teams", &serde_json::json!({"name": "Billing"}))
        .await
        .expect(201);
    let agent = serde_json::json!({"email": "fl@example.com", "name": "Fl", "team_ids": [team["id"].as_f64()]});
    let made = api.post("/api/v1/agents", &agent).await.expect(201);
    assert_eq!(made["team_ids"], serde_json::json!([team["id"]]));
    api.stop().await;
}

fn collect_refs(value: &serde_json::Value, refs: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, v) in fields {
                match (key.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => refs.push(r.to_string()),
                    _ => collect_refs(v, refs),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}
