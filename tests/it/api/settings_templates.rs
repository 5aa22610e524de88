//! `templates` over HTTP: saving checks every part compiles (422 naming the
//! field and line); previews render like replies do, sandboxed.
use super::Api;
use super::settings::{created, refused};
use postdesk::domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

async fn template(api: &Api, body: Value) -> String {
    let id = created(api.post("/api/v1/templates", &body).await);
    format!("/api/v1/templates/{id}")
}

#[tokio::test]
async fn templates_are_saved_listed_changed_and_deleted() {
    let api = Api::start().await;
    let made = api
        .post(
            "/api/v1/templates",
            &json!({"name": "thanks", "subject": "About {{ ticket.subject }}",
                    "body": "Hi {{ requester.name }}", "body_html": "<p>Hi</p>"}),
        )
        .await
        .expect(201);
    assert_eq!(made["subject"], "About {{ ticket.subject }}");
    assert_eq!(made["body_html"], "<p>Hi</p>");
    let path = format!("/api/v1/templates/{}", made["id"]);
    let changed = api
        .patch(&path, &json!({"subject": null, "body": "Hello"}))
        .await
        .expect(200);
    assert_eq!(changed["subject"], Value::Null);
    assert_eq!(changed["body"], "Hello");
    assert_eq!(changed["body_html"], "<p>Hi</p>", "left out, kept");
    let list = api.get("/api/v1/templates").await.expect(200);
    assert_eq!(list["items"][0]["name"], "thanks");
    assert_eq!(api.delete(&path).await.status, 204);
    refused(&api.get(&path).await, 404, "not_found", "");
    api.stop().await;
}

#[tokio::test]
async fn a_template_that_does_not_compile_is_422_naming_the_part_and_line() {
    let api = Api::start().await;
    let bad_body = api
        .post(
            "/api/v1/templates",
            &json!({"name": "t", "body": "Hello\n\n{% if ticket %}\nno end"}),
        )
        .await;
    refused(&bad_body, 422, "invalid_value", "body");
    assert!(bad_body.text.contains("line 4"), "{}", bad_body.text);
    let bad_html = api
        .post(
            "/api/v1/templates",
            &json!({"name": "t", "body": "ok", "body_html": "<p>{{ x </p>"}),
        )
        .await;
    refused(&bad_html, 422, "invalid_value", "body_html");
    assert!(bad_html.text.contains("line 1"), "{}", bad_html.text);
    let bad_subject = api
        .post(
            "/api/v1/templates",
            &json!({"name": "t", "subject": "{% for %}", "body": "ok"}),
        )
        .await;
    refused(&bad_subject, 422, "invalid_value", "subject");
    let path = template(&api, json!({"name": "t", "body": "ok"})).await;
    let patched = api.patch(&path, &json!({"body": "{{ unclosed"})).await;
    refused(&patched, 422, "invalid_value", "body");
    assert_eq!(api.get(&path).await.expect(200)["body"], "ok", "unchanged");
    let extends = api
        .post(
            "/api/v1/templates",
            &json!({"name": "e", "body": "{% extends \"/etc/passwd\" %}"}),
        )
        .await;
    refused(&extends, 422, "invalid_value", "body");
    api.stop().await;
}

#[tokio::test]
async fn bad_template_input_gets_the_right_4xx() {
    let api = Api::start().await;
    template(&api, json!({"name": "thanks", "body": "ok"})).await;
    let cases = [
        (json!({"name": "thanks", "body": "x"}), 409, "name"),
        (json!({"name": "", "body": "x"}), 422, "name"),
        (
            json!({"name": "n", "body": "x".repeat(70_000)}),
            422,
            "body",
        ),
        (
            json!({"name": "n", "subject": "a\nb", "body": "x"}),
            422,
            "subject",
        ),
        (json!({"name": "n", "body": 5}), 400, "body"),
    ];
    for (body, status, field) in cases {
        let got = api.post("/api/v1/templates", &body).await;
        assert_eq!(
            got.status.as_u16(),
            status,
            "{}: {}",
            got.text,
            body["name"]
        );
        assert_eq!(got.field(), field, "{}", got.text);
    }
    refused(
        &api.patch("/api/v1/templates/42", &json!({"body": "x"}))
            .await,
        404,
        "not_found",
        "",
    );
    refused(
        &api.post("/api/v1/templates/42/preview", &json!({"sample": true}))
            .await,
        404,
        "not_found",
        "",
    );
    api.stop().await;
}

#[tokio::test]
async fn a_preview_renders_subject_text_and_html_against_sample_data() {
    let api = Api::start().await;
    let path = template(
        &api,
        json!({"name": "t", "subject": "Re: {{ ticket.subject }}",
               "body": "Hi {{ requester.name }}, {{ vars.coupon }} from {{ agent.name }}",
               "body_html": "<p>{{ vars.coupon }}</p>"}),
    )
    .await;
    let out = api
        .post(
            &format!("{path}/preview"),
            &json!({"sample": true, "vars": {"coupon": "<SORRY10>"}}),
        )
        .await
        .expect(200);
    assert_eq!(out["subject"], "Re: My printer is on fire");
    assert_eq!(out["text"], "Hi Jane Doe, <SORRY10> from Alex Agent");
    assert_eq!(out["html"], "<p>&lt;SORRY10&gt;</p>", "HTML escapes values");
    let agent = api.token(Role::Agent, Some("ann@example.com")).await;
    let as_agent = api
        .call(
            Method::POST,
            &format!("{path}/preview"),
            Some(&agent),
            Some(&json!({"vars": {"coupon": "X"}})),
        )
        .await
        .expect(200);
    assert!(
        as_agent["text"]
            .as_str()
            .unwrap()
            .ends_with("from ann@example.com"),
        "the caller is the agent: {as_agent}"
    );
    let missing = api
        .post(&format!("{path}/preview"), &json!({"sample": true}))
        .await;
    refused(&missing, 422, "invalid_value", "body");
    assert!(missing.text.contains("coupon"), "{}", missing.text);
    api.stop().await;
}

#[tokio::test]
async fn a_preview_against_a_ticket_uses_the_reply_context() {
    let api = Api::start().await;
    created(
        api.post(
            "/api/v1/email-domains",
            &json!({"address": "help@example.com", "name": "Example Help",
                    "smtp": {"host": "127.0.0.1", "port": 2525, "tls": "none"}}),
        )
        .await,
    );
    let raw = crate::support::mail(
        "Jo Doe <jo@customer.example>",
        "Broken lamp",
        "lamp@customer.example",
        "",
        "It flickers.",
    );
    let ticket = crate::support::imported_ticket(api.store(), raw).await;
    let path = template(
        &api,
        json!({"name": "t", "body": "{{ ticket.subject }} [#{{ ticket.short_id }}] for {{ requester.email }} via {{ email_domain.name }}"}),
    )
    .await;
    let preview = format!("{path}/preview");
    let out = api
        .post(&preview, &json!({"ticket_id": ticket}))
        .await
        .expect(200);
    let short_id = api.store().tickets().await.unwrap()[0].short_id.clone();
    assert_eq!(
        out["text"],
        format!("Broken lamp [#{short_id}] for jo@customer.example via Example Help")
    );
    assert_eq!(out["subject"], Value::Null);
    assert_eq!(out["html"], Value::Null);
    refused(
        &api.post(&preview, &json!({"ticket_id": 999})).await,
        409,
        "invalid_reference",
        "ticket_id",
    );
    refused(
        &api.post(&preview, &json!({"ticket_id": ticket, "sample": true}))
            .await,
        422,
        "invalid_value",
        "sample",
    );
    refused(
        &api.post(&preview, &json!({"ticket_id": "one"})).await,
        400,
        "bad_request",
        "ticket_id",
    );
    api.stop().await;
}

#[tokio::test]
async fn templates_cannot_read_files_or_the_environment() {
    let api = Api::start().await;
    for body in [
        "{% include \"/etc/passwd\" %}",
        "{% include \"/etc/passwd\" ignore missing %}done",
    ] {
        let got = api
            .post("/api/v1/templates", &json!({"name": "t", "body": body}))
            .await;
        refused(&got, 422, "invalid_value", "body");
        assert!(got.text.contains("include"), "{}", got.text);
    }
    let path = template(
        &api,
        json!({"name": "env", "body": "{{ get_env(name=\"HOME\") }}"}),
    )
    .await;
    let got = api
        .post(&format!("{path}/preview"), &json!({"sample": true}))
        .await;
    assert!(!got.text.contains("/root"), "{}", got.text);
    refused(&got, 422, "invalid_value", "body");
    api.stop().await;
}

/// Each of these once overflowed the stack or grew without bound, taking
/// the whole gateway down with it.
const HOSTILE: [(&str, &str); 4] = [
    ("{% include \"template.txt\" %}", "include"),
    (
        "{% macro f() %}{{ self::f() }}{% endmacro f %}{{ self::f() }}",
        "macro",
    ),
    (
        "{% set a = \"xx\" %}{% set b = a ~ a %}{% set c = b ~ b %}{{ c }}",
        "reads `a`",
    ),
    (
        "{% for a in range(end=1000) %}{% for b in range(end=1000) %}\
         {% for c in range(end=1000) %}{% endfor %}{% endfor %}{% endfor %}",
        "nest",
    ),
];

#[tokio::test]
async fn recursive_or_growing_templates_and_signatures_are_refused_on_save() {
    let api = Api::start().await;
    for (body, named) in HOSTILE {
        let got = api
            .post("/api/v1/templates", &json!({"name": "t", "body": body}))
            .await;
        refused(&got, 422, "invalid_value", "body");
        assert!(got.text.contains(named), "{body}: {}", got.text);
        let got = api
            .post(
                "/api/v1/templates",
                &json!({"name": "t", "body": "ok", "body_html": body}),
            )
            .await;
        refused(&got, 422, "invalid_value", "body_html");
        let signed = json!({"email": "s@example.com", "name": "S", "signature": body});
        let got = api.post("/api/v1/agents", &signed).await;
        refused(&got, 422, "invalid_value", "signature");
    }
    api.stop().await;
}

#[tokio::test]
async fn previewing_a_hostile_template_already_stored_is_422_not_a_crash() {
    use postdesk::store::templates::TemplateSpec;
    let api = Api::start().await;
    let agent = api.token(Role::Agent, Some("ann@example.com")).await;
    for (i, (body, _)) in HOSTILE.iter().enumerate() {
        let spec = TemplateSpec {
            name: format!("old-{i}"),
            subject: None,
            body: body.to_string(),
            body_html: None,
        };
        let made = api.store().create_template(&spec).await.unwrap();
        let path = format!("/api/v1/templates/{}/preview", made.id);
        let got = api
            .call(Method::POST, &path, Some(&agent), Some(&json!({})))
            .await;
        refused(&got, 422, "invalid_value", "body");
    }
    api.stop().await;
}
