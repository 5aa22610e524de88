use super::*;
use chrono::TimeZone;
use serde_json::json;

fn context() -> ReplyContext {
    let mut fields = BTreeMap::new();
    fields.insert("order_number".to_string(), "A-1042".to_string());
    let mut vars = serde_json::Map::new();
    vars.insert("coupon".to_string(), json!("SORRY10"));
    ReplyContext {
        ticket: TicketContext {
            id: 42,
            short_id: "K7QX2M".into(),
            subject: "Printer <broken> & smoking".into(),
            status: Status::Open,
            priority: Priority::High,
            from_domain: Some("customer.example".into()),
            created_at: Utc.with_ymd_and_hms(2025, 3, 1, 9, 30, 0).unwrap(),
        },
        requester: PersonContext {
            email: "jane@customer.example".into(),
            name: Some("Jane Doe".into()),
        },
        agent: Some(PersonContext {
            email: "max@support.example".into(),
            name: Some("Max".into()),
        }),
        fields,
        vars,
        email_domain: EmailDomainContext {
            address: "support@support.example".into(),
            name: "Example Support".into(),
        },
    }
}

#[test]
fn every_part_of_the_context_reaches_the_template() {
    let template = "{{ ticket.id }} {{ ticket.short_id }} {{ ticket.status }} \
        {{ ticket.priority }} {{ ticket.from_domain }} {{ ticket.created_at }}\n\
        {{ requester.name }} <{{ requester.email }}> / {{ agent.name }}\n\
        {{ fields.order_number }} {{ vars.coupon }} {{ email_domain.name }}";
    let out = render_text(template, &context().to_value()).unwrap();
    assert_eq!(
        out,
        "42 K7QX2M open high customer.example 2025-03-01T09:30:00Z\n\
         Jane Doe <jane@customer.example> / Max\n\
         A-1042 SORRY10 Example Support"
    );
}

#[test]
fn text_is_not_escaped_and_html_is() {
    let ctx = context().to_value();
    assert_eq!(
        render_text("{{ ticket.subject }}", &ctx).unwrap(),
        "Printer <broken> & smoking"
    );
    assert_eq!(
        render_html("<p>{{ ticket.subject }}</p>", &ctx).unwrap(),
        "<p>Printer &lt;broken&gt; &amp; smoking</p>"
    );
}

#[test]
fn absent_optional_values_are_undefined_so_defaults_apply() {
    let mut c = context();
    c.agent = None;
    c.requester.name = None;
    let out = render_text(
        "{% if agent %}agent{% else %}team{% endif %} {{ requester.name | default(value=\"there\") }}",
        &c.to_value(),
    )
    .unwrap();
    assert_eq!(out, "team there");
}

#[test]
fn a_missing_variable_is_an_error_naming_it() {
    let err = render_text("Hi {{ ticket.nope }}", &context().to_value()).unwrap_err();
    assert_eq!(err.line, None);
    assert!(err.message.contains("ticket.nope"), "{err}");
    assert_eq!(
        err.message,
        "Variable `ticket.nope` not found in context while rendering 'template'"
    );
}

#[test]
fn a_syntax_error_names_its_line() {
    let unclosed = "Hello,\n\nyour ticket {{ ticket.short_id";
    let err = check(unclosed).unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    assert!(err.to_string().starts_with("line 3: "), "{err}");
    let misclosed = "Hello,\n\nyour ticket {{ ticket.short_id %}\nis open.\n";
    let err = check(misclosed).unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    let unknown_tag = "a\nb\n{% frobnicate %}\n";
    let err = check(unknown_tag).unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    assert!(render_text(unknown_tag, &json!({})).is_err());
}

#[test]
fn valid_templates_pass_the_check() {
    check("Hi {{ requester.name }}{% for k, v in fields %}\n{{ k }}={{ v }}{% endfor %}").unwrap();
    check(DEFAULT_ACKNOWLEDGEMENT_TEXT).unwrap();
    check(DEFAULT_ACKNOWLEDGEMENT_HTML).unwrap();
}

#[test]
fn runaway_output_stops_at_the_cap() {
    let template = "{% for i in range(end=1000) %}{% for j in range(end=1000) %}xxxxxxxxxx{% endfor %}{% endfor %}";
    let err = render_text(template, &json!({})).unwrap_err();
    assert!(err.message.contains("larger than"), "{err}");
}

#[test]
fn huge_ranges_and_environment_reads_are_refused() {
    let err = render_text(
        "{% for i in range(end=100000000) %}{% endfor %}",
        &json!({}),
    )
    .unwrap_err();
    assert!(err.message.contains("at most"), "{err}");
    assert_eq!(
        render_text(
            "{% for i in range(start=1, end=7, step_by=2) %}{{ i }}{% endfor %}",
            &json!({})
        )
        .unwrap(),
        "135"
    );
    let err = render_text("{{ get_env(name=\"PATH\") }}", &json!({})).unwrap_err();
    assert!(err.message.contains("disabled"), "{err}");
}

#[test]
fn oversized_templates_and_non_object_contexts_are_rejected() {
    let big = "x".repeat(MAX_TEMPLATE_BYTES + 1);
    assert!(check(&big).is_err());
    assert!(render_text("hi", &json!([1, 2])).is_err());
}

#[test]
fn the_default_acknowledgement_names_the_ticket_and_the_subject() {
    let ctx = context().to_value();
    let text = render_text(DEFAULT_ACKNOWLEDGEMENT_TEXT, &ctx).unwrap();
    assert!(text.contains("[#K7QX2M]"), "{text}");
    assert!(text.contains("Printer <broken> & smoking"), "{text}");
    assert!(text.contains("Hello Jane Doe"), "{text}");
    assert!(text.contains("reply"), "{text}");
    let html = render_html(DEFAULT_ACKNOWLEDGEMENT_HTML, &ctx).unwrap();
    assert!(
        html.contains("Printer &lt;broken&gt; &amp; smoking"),
        "{html}"
    );
    assert!(html.contains("[#K7QX2M]"), "{html}");
}

fn refusal(template: &str) -> String {
    let err = check(template).unwrap_err();
    assert!(render_text(template, &json!({})).is_err(), "{template}");
    err.message
}

#[test]
fn recursion_through_include_import_extends_or_macros_is_refused() {
    let cases = [
        ("{% include \"template.txt\" %}", "{% include %}"),
        ("{% extends \"template.txt\" %}", "{% extends %}"),
        (
            "{% import \"template.txt\" as m %}{{ m::f() }}",
            "{% import %}",
        ),
        (
            "{% macro f(n) %}{{ self::f(n=n) }}{% endmacro f %}{{ self::f(n=1) }}",
            "{% macro %}",
        ),
    ];
    for (template, named) in cases {
        let message = refusal(template);
        assert!(message.contains(named), "{template}: {message}");
        assert!(message.contains("not allowed"), "{template}: {message}");
    }
}

#[test]
fn loops_nest_at_most_two_deep() {
    check("{% for a in [1] %}{% for b in [2] %}{{ a }}{{ b }}{% endfor %}{% endfor %}").unwrap();
    let three = "{% for a in [1] %}{% for b in [1] %}{% if true %}\
        {% for c in range(end=1000) %}{% endfor %}{% endif %}{% endfor %}{% endfor %}";
    assert!(refusal(three).contains("at most 2 deep"));
}

#[test]
fn set_cannot_grow_a_string_by_feeding_on_itself() {
    let global = "{% set_global s = \"x\" %}";
    assert!(refusal(global).contains("set_global"));
    let in_loop = "{% for i in [1, 2] %}{% set s = \"x\" %}{% endfor %}";
    assert!(refusal(in_loop).contains("inside a `{% for %}` loop"));
    let doubling = "{% set a = \"xx\" %}{% set b = a ~ a %}{% set c = b ~ b %}";
    let message = refusal(doubling);
    assert!(
        message.contains("`{% set b") && message.contains("reads `a`"),
        "{message}"
    );
    let by_filter = "{% set a = \"x\" %}{% set a = requester.name | default(value=a) %}";
    assert!(refusal(by_filter).contains("reads `a`"));
    let independent = "{% set who = requester.name | default(value=\"there\") %}\
        {% set id = ticket.short_id %}Hi {{ who }} {{ id }}";
    assert_eq!(
        render_text(independent, &context().to_value()).unwrap(),
        "Hi Jane Doe K7QX2M"
    );
}

#[tokio::test]
async fn bounded_rendering_answers_off_the_runtime() {
    let out = bounded(|| render_text("{{ 1 + 1 }}", &json!({})))
        .await
        .unwrap();
    assert_eq!(out, "2");
    let err = bounded(|| render_text("{% include \"template.txt\" %}", &json!({})))
        .await
        .unwrap_err();
    assert!(err.message.contains("include"), "{err}");
}
