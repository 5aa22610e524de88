//! A small OpenAI-compatible chat-completions server for the assist tests:
//! it answers `Rewritten: <text>` or `<LANGUAGE>: <text>`, fails with 500
//! for the text `fail`, waits for `slow`, and keeps every request it got.
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
pub struct Assistant {
    /// (Authorization header, body) of each request.
    pub seen: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Assistant {
    /// Serves on a loopback port; the base URL (`…/v1`) to configure.
    pub async fn start(&self) -> String {
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(answer))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/v1")
    }

    /// The `[assist]` section for it, with `timeout_secs`.
    pub async fn config(&self, timeout_secs: u64) -> String {
        let base = self.start().await;
        format!(
            "[assist]\nbase_url = \"{base}\"\nmodel = \"test-model\"\napi_key = \"sk-test\"\ntimeout_secs = {timeout_secs}\n"
        )
    }
}

async fn answer(
    State(a): State<Assistant>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    a.seen.lock().unwrap().push((auth, body.clone()));
    let system = body["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let text = body["messages"][1]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match text.as_str() {
        "fail" => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "model overloaded"})),
            );
        }
        "slow" => tokio::time::sleep(Duration::from_secs(3)).await,
        _ => {}
    }
    let answer = match system.split_once(" into ") {
        Some((_, rest)) => {
            let language = rest.split('.').next().unwrap_or_default().to_uppercase();
            format!("{language}: {text}")
        }
        None => format!("Rewritten: {text}"),
    };
    let reply =
        json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}]});
    (StatusCode::OK, Json(reply))
}
