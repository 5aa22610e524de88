//! The HTTP API, driven over HTTP against `serve` on port 0 with a fresh
//! SQLite. A module per area; this file is the client.
mod assist;
mod attachments;
mod auth;
mod auth_limits;
mod changes;
mod changes_create;
mod changes_delete;
mod changes_mail;
mod changes_notes;
mod changes_origin;
mod changes_participants;
mod changes_replies;
mod changes_snooze;
mod changes_transfer;
mod changes_undo;
mod contacts;
mod fields_access;
pub(crate) mod hooks;
mod hooks_dispatch;
mod journey;
mod quarantine;
mod settings;
mod settings_agents;
mod settings_bans;
mod settings_concurrent;
mod settings_domains;
mod settings_fields;
mod settings_mailboxes;
mod settings_templates;
mod tickets_export;
mod tickets_list;
mod tickets_search;
mod tickets_support;
mod tickets_thread;
mod usage;

use postdesk::commands::serve::{self, Running};
use postdesk::config::Config;
use postdesk::domain::Role;
use postdesk::store::Store;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const ADMIN_TOKEN: &str = "pd_test_admin_token_0123456789";

/// A running Postdesk (no mailboxes unless the config names some) and a
/// client for it.
pub struct Api {
    _dir: tempfile::TempDir,
    running: Option<Running>,
    pub base: String,
    client: reqwest::Client,
}

/// An answer: status and JSON body (Null when the body is empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
}

#[allow(dead_code)] // each area uses what it needs
impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        self.body
    }
}

#[allow(dead_code)] // each area uses what it needs
impl Api {
    pub async fn start() -> Api {
        Self::start_with("").await
    }

    /// `extra`: more TOML at the top of the config.
    pub async fn start_with(extra: &str) -> Api {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = format!("sqlite://{}", dir.path().join("api.db").display());
        let text = format!(
            "database_url = \"{db}\"\nlisten = \"127.0.0.1:0\"\nadmin_token = \"{ADMIN_TOKEN}\"\n{extra}\n\n[outbound]\nundo_secs = 0\n"
        );
        let config = Config::parse(&text, &[]).expect("test config");
        Self::start_config(dir, &config).await
    }

    pub async fn start_config(dir: tempfile::TempDir, config: &Config) -> Api {
        let running = serve::start(config).await.expect("start postdesk");
        Api {
            _dir: dir,
            base: format!("http://{}", running.addr),
            running: Some(running),
            client: reqwest::Client::new(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.running.as_ref().expect("running").store
    }

    /// A new token with `role`, acting as a new agent named after it.
    pub async fn token(&self, role: Role, agent_email: Option<&str>) -> String {
        let store = self.store();
        let agent = match agent_email {
            Some(email) => Some(
                store
                    .create_agent(email, email, role.as_str(), "")
                    .await
                    .expect("agent"),
            ),
            None => None,
        };
        let token = postdesk::api::auth::generate_token();
        let key = store.token_key().await.expect("key");
        store
            .create_token(
                "test",
                role,
                agent,
                &postdesk::api::auth::hash_token(&key, &token),
            )
            .await
            .expect("token");
        token
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.expect("HTTP request");
        let status = resp.status();
        let text = resp.text().await.expect("HTTP body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, body, text }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, Some(ADMIN_TOKEN), None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, Some(ADMIN_TOKEN), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::PATCH, path, Some(ADMIN_TOKEN), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::PUT, path, Some(ADMIN_TOKEN), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, Some(ADMIN_TOKEN), None)
            .await
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// An agent with a signature in `store`, and a token acting for them:
/// (agent id, token).
pub async fn agent_with_token(store: &Store, email: &str, signature: &str) -> (i64, String) {
    let id = store
        .create_agent(email, &format!("Agent {email}"), "agent", signature)
        .await
        .expect("agent");
    let token = postdesk::api::auth::generate_token();
    let key = store.token_key().await.expect("key");
    let hash = postdesk::api::auth::hash_token(&key, &token);
    store
        .create_token(email, Role::Agent, Some(id), &hash)
        .await
        .expect("token");
    (id, token)
}
