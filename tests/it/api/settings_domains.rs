//! `email-domains` over HTTP without mail servers: the JSON in and out,
//! write-only passwords, and validation. `settings_mailboxes` tries the
//! real servers.
use super::Api;
use super::settings::{created, refused};
use serde_json::{Value, json};

fn full() -> Value {
    json!({
        "address": "Support@Example.com",
        "name": "Example Support",
        "imap": {"host": "imap.example.com", "port": 993, "username": "support", "password": "imap-secret-1",
                 "after": "move:Done", "quarantine_folder": "Quarantine"},
        "smtp": {"host": "smtp.example.com", "port": 587, "username": "support", "password": "smtp-secret-2"},
        "enabled": false
    })
}

#[tokio::test]
async fn an_email_domain_is_shown_without_its_passwords() {
    let api = Api::start().await;
    let made = api.post("/api/v1/email-domains", &full()).await;
    assert!(!made.text.contains("secret"), "{}", made.text);
    let d = made.expect(201);
    assert_eq!(d["address"], "support@example.com");
    assert_eq!(d["imap"]["tls"], "tls", "the default");
    assert_eq!(d["imap"]["folder"], "INBOX", "the default");
    assert_eq!(d["imap"]["after"], "move:Done");
    assert_eq!(d["imap"]["has_password"], true);
    assert_eq!(d["smtp"]["tls"], "starttls", "the default");
    assert_eq!(d["smtp"]["has_password"], true);
    assert_eq!(d["enabled"], false);
    assert_eq!(d["last_poll_at"], Value::Null);
    assert_eq!(d["last_error"], Value::Null);
    let path = format!("/api/v1/email-domains/{}", d["id"]);
    let got = api.get(&path).await;
    assert!(!got.text.contains("secret"), "{}", got.text);
    let list = api.get("/api/v1/email-domains").await;
    assert!(!list.text.contains("secret"), "{}", list.text);
    assert_eq!(list.expect(200)["items"].as_array().unwrap().len(), 1);
    api.stop().await;
}

#[tokio::test]
async fn a_patch_keeps_what_it_leaves_out_passwords_included() {
    let api = Api::start().await;
    let id = created(api.post("/api/v1/email-domains", &full()).await);
    let path = format!("/api/v1/email-domains/{id}");
    let team = created(api.post("/api/v1/teams", &json!({"name": "Support"})).await);
    let d = api
        .patch(
            &path,
            &json!({"name": "Help", "imap": {"tls": "starttls"}, "default_team_id": team}),
        )
        .await
        .expect(200);
    assert_eq!(d["name"], "Help");
    assert_eq!(d["imap"]["tls"], "starttls");
    assert_eq!(d["imap"]["port"], 993);
    assert_eq!(d["imap"]["host"], "imap.example.com");
    assert_eq!(d["imap"]["quarantine_folder"], "Quarantine");
    assert_eq!(d["default_team_id"], team);
    let domain = api.store().email_domain(id).await.unwrap().unwrap();
    let imap = domain.imap.expect("imap settings");
    assert_eq!(imap.password.expose(), "imap-secret-1", "kept");
    let d = api
        .patch(
            &path,
            &json!({"smtp": {"username": null, "password": null}, "imap": {"quarantine_folder": null}}),
        )
        .await
        .expect(200);
    assert_eq!(d["smtp"]["username"], Value::Null);
    assert_eq!(d["smtp"]["has_password"], false);
    assert_eq!(d["imap"]["quarantine_folder"], Value::Null);
    let d = api
        .patch(&path, &json!({"imap": null, "default_team_id": null}))
        .await
        .expect(200);
    assert_eq!(d["imap"], Value::Null);
    assert_eq!(d["default_team_id"], Value::Null);
    assert_eq!(d["smtp"]["host"], "smtp.example.com");
    let again = api
        .patch(&path, &json!({"imap": {"host": "imap.example.com"}}))
        .await;
    // Nothing stored to keep: what is stored decides, so a 409.
    refused(&again, 409, "conflict", "imap.port");
    assert_eq!(api.delete(&path).await.status, 204);
    refused(&api.get(&path).await, 404, "not_found", "");
    refused(&api.delete(&path).await, 404, "not_found", "");
    api.stop().await;
}

/// `full()` with `path` (`imap.port`) set to `value`.
/// A stored password goes only to the server it was given for: moving
/// either server (host, port, or TLS off) without giving it again is a 422,
/// and the domain stays as it was.
#[tokio::test]
async fn moving_a_server_asks_for_its_password_again() {
    let api = Api::start().await;
    let id = created(api.post("/api/v1/email-domains", &full()).await);
    let path = format!("/api/v1/email-domains/{id}");
    for (change, field) in [
        (
            json!({"imap": {"host": "evil.example.net"}}),
            "imap.password",
        ),
        (json!({"imap": {"port": 143}}), "imap.password"),
        (json!({"imap": {"tls": "none"}}), "imap.password"),
        (
            json!({"smtp": {"host": "EVIL.example.net"}}),
            "smtp.password",
        ),
        (json!({"smtp": {"port": 25}}), "smtp.password"),
    ] {
        let refused = api.patch(&path, &change).await;
        assert_eq!(refused.status, 409, "{change}: {}", refused.text);
        assert_eq!(refused.field(), field, "{change}");
        assert!(refused.text.contains("again"), "{}", refused.text);
    }
    let domain = api.store().email_domain(id).await.unwrap().unwrap();
    assert_eq!(domain.imap.unwrap().host, "imap.example.com", "unchanged");
    assert_eq!(domain.smtp.unwrap().port, 587, "unchanged");

    let moved = json!({"imap": {"host": "imap2.example.com", "password": "imap-secret-3"},
                       "smtp": {"host": "SMTP.example.com", "username": "other"}});
    let d = api.patch(&path, &moved).await.expect(200);
    assert_eq!(d["imap"]["host"], "imap2.example.com");
    assert_eq!(
        d["smtp"]["has_password"], true,
        "same host in other case: kept"
    );
    let domain = api.store().email_domain(id).await.unwrap().unwrap();
    assert_eq!(domain.imap.unwrap().password.expose(), "imap-secret-3");
    api.stop().await;
}

fn with(path: &str, value: Value) -> Value {
    let mut body = full();
    let mut target = &mut body;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        target = &mut target[*part];
    }
    target[parts[parts.len() - 1]] = value;
    body
}

#[tokio::test]
async fn bad_email_domains_get_the_right_4xx_naming_the_field() {
    let api = Api::start().await;
    created(api.post("/api/v1/email-domains", &full()).await);
    let other = |path: &str, value: Value| {
        let mut b = with(path, value);
        if path != "address" {
            b["address"] = json!("other@example.com");
        }
        b
    };
    let cases = [
        (
            with("address", json!("SUPPORT@example.com")),
            409,
            "address",
        ),
        (
            other("address", json!("support.example.com")),
            422,
            "address",
        ),
        (other("imap.port", json!(0)), 422, "imap.port"),
        (other("imap.port", json!(70000)), 422, "imap.port"),
        (other("imap.port", json!("993")), 400, "imap.port"),
        (other("imap.host", json!(" ")), 422, "imap.host"),
        (other("imap.host", json!("h".repeat(254))), 422, "imap.host"),
        (other("imap.tls", json!("ssl")), 422, "imap.tls"),
        (other("imap.after", json!("archive")), 422, "imap.after"),
        (other("imap.folder", json!("In\"box")), 422, "imap.folder"),
        (other("imap.password", json!("")), 422, "imap.password"),
        (other("smtp.tls", json!("SSL3")), 422, "smtp.tls"),
        (other("smtp.port", json!(-25)), 422, "smtp.port"),
        (other("name", json!("n".repeat(201))), 422, "name"),
        (
            other("default_team_id", json!(4242)),
            409,
            "default_team_id",
        ),
        (other("enabled", json!("yes")), 400, "enabled"),
        (json!({"name": "no address"}), 422, "address"),
        (
            json!({"address": "x@example.com", "imap": {"host": "h", "port": 1, "username": "u"}}),
            422,
            "imap.password",
        ),
        (
            json!({"address": "x@example.com", "smtp": {"port": 25}}),
            422,
            "smtp.host",
        ),
    ];
    for (body, status, field) in cases {
        let got = api.post("/api/v1/email-domains", &body).await;
        assert_eq!(got.status.as_u16(), status, "{field}: {}", got.text);
        assert_eq!(got.field(), field, "{}", got.text);
        assert!(!got.text.contains("secret"), "{}", got.text);
    }
    refused(
        &api.patch("/api/v1/email-domains/77", &json!({"name": "x"}))
            .await,
        404,
        "not_found",
        "",
    );
    refused(
        &api.post("/api/v1/email-domains/77/test", &json!({})).await,
        404,
        "not_found",
        "",
    );
    let list = api.get("/api/v1/email-domains").await.expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "nothing made");
    api.stop().await;
}
