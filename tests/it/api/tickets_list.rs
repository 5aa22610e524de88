//! GET tickets: every filter and its `none`, folders, sorting, pages and
//! the errors of bad parameters.
use super::tickets_support::{Desk, ids};
use postdesk::domain::Role;
use reqwest::Method;

/// Four tickets, a to d, with agents ann (who has a token) and bob.
struct World {
    desk: Desk,
    ann_token: String,
    ann: i64,
    bob: i64,
    t: [i64; 4],
}

async fn world() -> World {
    let desk = Desk::start().await;
    let ann_token = desk.api.token(Role::Agent, Some("ann@example.com")).await;
    let store = desk.api.store();
    let ann: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE email = 'ann@example.com'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let bob = store
        .create_agent("bob@example.com", "Bob", "agent", "")
        .await
        .unwrap();
    let (a, _) = desk
        .open("x@alpha.example", "Printer broken", "It jams.")
        .await;
    let (b, _) = desk
        .open("y@beta.example", "Invoice wrong", "Too much.")
        .await;
    let (c, _) = desk
        .open("z@Alpha.example", "Login fails", "No way in.")
        .await;
    let (d, _) = desk
        .open("w@gamma.example", "Refund please", "Broken.")
        .await;
    let at = "'2025-01-01T00:00:00+00:00'";
    desk.sql(&format!(
        "INSERT INTO teams (id, name, created_at) VALUES (1, 'Billing', {at}), (2, 'Tech', {at});
         INSERT INTO tags (id, name, created_at) VALUES (1, 'vip', {at}), (2, 'refund', {at});
         INSERT INTO topics (id, name, created_at) VALUES (2, 'Returns', {at});
         INSERT INTO custom_fields (id, key, label, field_type, options, created_at) VALUES
           (1, 'plan', 'Plan', 'select', '[\"free\",\"pro\"]', {at}),
           (2, 'seats', 'Seats', 'number', '[]', {at}),
           (3, 'urgent', 'Urgent', 'checkbox', '[]', {at});
         UPDATE tickets SET status = 'open', assignee_id = {ann}, priority = 'high', topic_id = 1 WHERE id = {a};
         UPDATE tickets SET status = 'pending', assignee_id = {bob}, priority = 'low', topic_id = 2, created_by = {ann} WHERE id = {b};
         UPDATE tickets SET status = 'resolved', priority = 'normal', topic_id = NULL WHERE id = {c};
         UPDATE tickets SET status = 'overdue', priority = 'urgent', topic_id = 1 WHERE id = {d};
         INSERT INTO ticket_teams VALUES ({a}, 1), ({b}, 2), ({d}, 1);
         INSERT INTO ticket_tags VALUES ({a}, 1), ({b}, 1), ({b}, 2), ({d}, 2);
         INSERT INTO ticket_field_values VALUES ({a}, 1, 'pro'), ({b}, 1, 'free'), ({b}, 2, '5'), ({d}, 3, 'true');"
    ))
    .await;
    World {
        desk,
        ann_token,
        ann,
        bob,
        t: [a, b, c, d],
    }
}

impl World {
    /// The ticket ids for letters "abd" etc., sorted.
    fn pick(&self, letters: &str) -> Vec<i64> {
        let mut ids: Vec<i64> = letters
            .bytes()
            .map(|l| self.t[usize::from(l - b'a')])
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Each query selects the tickets its letters name, with that total.
    async fn assert_lists(&self, cases: &[(String, &str)]) {
        for (query, want) in cases {
            let page = self.desk.list(query).await;
            let mut got = ids(&page);
            got.sort_unstable();
            assert_eq!(got, self.pick(want), "{query}: {page}");
            assert_eq!(page["total"], want.len(), "{query}");
        }
    }

    /// A list as ann (an agent token), expecting 200.
    async fn as_ann(&self, query: &str) -> serde_json::Value {
        self.desk
            .api
            .call(
                Method::GET,
                &format!("/api/v1/tickets?{query}"),
                Some(&self.ann_token),
                None,
            )
            .await
            .expect(200)
    }
}

#[tokio::test]
async fn each_filter_and_its_none_selects_the_tickets_it_names() {
    let w = world().await;
    let (ann, bob) = (w.ann, w.bob);
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "abcd"),
        ("status=open".into(), "a"),
        ("status=open,pending".into(), "ab"),
        ("status=open&status=resolved".into(), "ac"),
        (format!("assignee={bob}"), "b"),
        ("assignee=none".into(), "cd"),
        ("team=1".into(), "ad"),
        ("team=none".into(), "c"),
        ("tag=vip".into(), "ab"),
        ("tag=refund".into(), "bd"),
        ("tag=none".into(), "c"),
        ("tag=nosuch".into(), ""),
        ("topic=2".into(), "b"),
        ("topic=1".into(), "ad"),
        ("topic=none".into(), "c"),
        ("priority=urgent,high".into(), "ad"),
        ("from_domain=alpha.example".into(), "ac"),
        ("from_domain=ALPHA.example".into(), "ac"),
        ("field.plan=pro".into(), "a"),
        ("field.plan=none".into(), "cd"),
        ("field.seats=5".into(), "b"),
        ("field.urgent=true".into(), "d"),
        ("field.urgent=none".into(), "abc"),
        (format!("created_by={ann}"), "b"),
        ("created_by=none".into(), "acd"),
        ("folder=all".into(), "abcd"),
        ("folder=unassigned".into(), "cd"),
        ("folder=team:2".into(), "b"),
        ("status=open,overdue&team=1".into(), "ad"),
        ("tag=refund&field.plan=free".into(), "b"),
        ("folder=unassigned&status=overdue".into(), "d"),
    ];
    w.assert_lists(&cases).await;
    for query in ["assignee=me", "folder=mine"] {
        let mut got = ids(&w.as_ann(query).await);
        got.sort_unstable();
        assert_eq!(got, w.pick("a"), "{query}");
    }
    w.desk.api.stop().await;
}

#[tokio::test]
async fn filters_take_comma_lists_names_and_me() {
    let w = world().await;
    let bob = w.bob;
    let cases: Vec<(String, &str)> = vec![
        ("tag=vip,refund".into(), "abd"),
        ("tag=vip,none".into(), "abc"),
        ("team=1,2".into(), "abd"),
        ("team=Tech".into(), "b"),
        ("team=Tech,none".into(), "bc"),
        ("topic=Returns".into(), "b"),
        ("topic=Returns,1".into(), "abd"),
        (format!("assignee={bob},none"), "bcd"),
        ("tag=vip,refund&status=open,overdue".into(), "ad"),
        ("team=Billing,Tech&tag=refund".into(), "bd"),
    ];
    w.assert_lists(&cases).await;
    for (query, want) in [("created_by=me", "b"), ("assignee=me,none", "acd")] {
        let mut got = ids(&w.as_ann(query).await);
        got.sort_unstable();
        assert_eq!(got, w.pick(want), "{query}");
    }
    // A name no team has selects nothing, as an id no team has does.
    for query in ["team=Nosuch", "team=9999", "topic=Nosuch"] {
        let none = w.desk.list(query).await;
        assert_eq!(none["total"], 0, "{query}: {none}");
    }
    let mut got = ids(&w.desk.list("topic=Nosuch,none").await);
    got.sort_unstable();
    assert_eq!(got, w.pick("c"), "an unknown name beside others");
    w.desk.api.stop().await;
}

#[tokio::test]
async fn list_items_carry_the_whole_ticket_as_get_shows_it() {
    let w = world().await;
    let page = w.desk.list("per_page=100").await;
    assert_eq!(
        (page["page"].as_i64(), page["per_page"].as_i64()),
        (Some(1), Some(100))
    );
    for item in page["items"].as_array().unwrap() {
        let one = w
            .desk
            .api
            .get(&format!("/api/v1/tickets/{}", item["id"]))
            .await
            .expect(200);
        assert_eq!(item, &one);
    }
    let b = w.desk.list("tag=refund&field.plan=free").await["items"][0].clone();
    assert_eq!(b["tags"], serde_json::json!(["refund", "vip"]));
    assert_eq!(b["teams"], serde_json::json!([{"id": 2, "name": "Tech"}]));
    assert_eq!(b["fields"], serde_json::json!({"plan": "free", "seats": 5}));
    assert_eq!(b["assignee"]["email"], "bob@example.com");
    assert_eq!(b["topic"]["name"], "Returns");
    w.desk.api.stop().await;
}

#[tokio::test]
async fn sorts_order_the_list_and_due_dates_come_before_tickets_without() {
    let w = world().await;
    let [a, b, c, d] = w.t;
    w.desk
        .sql(&format!(
            "UPDATE tickets SET created_at = '2025-01-01T00:00:00+00:00', updated_at = '2025-01-04T00:00:00+00:00', due_at = '2025-02-02T00:00:00+00:00' WHERE id = {a};
             UPDATE tickets SET created_at = '2025-01-02T00:00:00+00:00', updated_at = '2025-01-03T00:00:00+00:00', due_at = NULL WHERE id = {b};
             UPDATE tickets SET created_at = '2025-01-03T00:00:00+00:00', updated_at = '2025-01-02T00:00:00+00:00', due_at = '2025-02-01T00:00:00+00:00' WHERE id = {c};
             UPDATE tickets SET created_at = '2025-01-04T00:00:00+00:00', updated_at = '2025-01-01T00:00:00+00:00', due_at = NULL WHERE id = {d};"
        ))
        .await;
    let cases = [
        ("", vec![a, b, c, d]),
        ("sort=-updated_at", vec![a, b, c, d]),
        ("sort=updated_at", vec![d, c, b, a]),
        ("sort=created_at", vec![a, b, c, d]),
        ("sort=-created_at", vec![d, c, b, a]),
        ("sort=due_at", vec![c, a, b, d]),
        ("sort=-due_at", vec![a, c, d, b]),
        ("sort=-priority", vec![d, a, c, b]),
        ("sort=priority", vec![b, c, a, d]),
    ];
    for (query, want) in cases {
        assert_eq!(w.desk.ids(query).await, want, "{query}");
    }
    w.desk.api.stop().await;
}

#[tokio::test]
async fn pages_split_the_list_without_overlap_and_keep_the_total() {
    let w = world().await;
    let mut seen = Vec::new();
    for page in 1..=3 {
        let got = w.desk.list(&format!("per_page=3&page={page}")).await;
        assert_eq!(got["total"], 4);
        assert_eq!(got["page"], page);
        assert_eq!(got["per_page"], 3);
        let items = ids(&got);
        assert_eq!(items.len(), [3, 1, 0][page - 1], "page {page}");
        seen.extend(items);
    }
    seen.sort_unstable();
    assert_eq!(seen, w.pick("abcd"));
    assert_eq!(ids(&w.desk.list("per_page=100").await).len(), 4);
    w.desk.api.stop().await;
}

#[tokio::test]
async fn bad_parameters_are_400_or_422_naming_the_parameter() {
    let w = world().await;
    let cases = [
        ("colour=red", 400, "colour"),
        ("team=1&team=2", 400, "team"),
        ("page=abc", 400, "page"),
        ("per_page=0", 422, "per_page"),
        ("per_page=101", 422, "per_page"),
        ("page=0", 422, "page"),
        ("page=-3", 422, "page"),
        ("page=100001", 422, "page"),
        ("status=closed", 422, "status"),
        ("status=open,", 422, "status"),
        ("priority=extreme", 422, "priority"),
        ("assignee=someone", 422, "assignee"),
        ("assignee=me", 422, "assignee"),
        ("folder=mine", 422, "folder"),
        ("folder=team:x", 422, "folder"),
        ("folder=closed", 422, "folder"),
        ("team= ,1", 422, "team"),
        ("assignee=%2B5", 422, "assignee"),
        ("created_by=1234567890123456789", 422, "created_by"),
        ("folder=team:%2B5", 422, "folder"),
        ("field.nosuch=1", 422, "field.nosuch"),
        ("field.plan=gold", 422, "field.plan"),
        ("field.seats=many", 422, "field.seats"),
        ("field.urgent=maybe", 422, "field.urgent"),
        ("sort=size", 422, "sort"),
        ("sort=--updated_at", 422, "sort"),
    ];
    for (query, status, field) in cases {
        let got = w.desk.api.get(&format!("/api/v1/tickets?{query}")).await;
        assert_eq!(got.status.as_u16(), status, "{query}: {}", got.text);
        assert_eq!(got.field(), field, "{query}: {}", got.text);
    }
    // A parameter left blank, as most clients send one, is not given.
    let all = ids(&w.desk.list("").await);
    let blank = "from_domain=&status=&assignee=&page=&sort=&q=&field.plan=";
    assert_eq!(ids(&w.desk.list(blank).await), all);
    let long = "x".repeat(501);
    let got = w.desk.api.get(&format!("/api/v1/tickets?q={long}")).await;
    assert_eq!(
        (got.status.as_u16(), got.field()),
        (422, "q"),
        "{}",
        got.text
    );
    w.desk.api.stop().await;
}

#[tokio::test]
async fn the_list_needs_a_token() {
    let w = world().await;
    let got = w
        .desk
        .api
        .call(Method::GET, "/api/v1/tickets", None, None)
        .await;
    assert_eq!(got.status, 401);
    w.desk.api.stop().await;
}

#[tokio::test]
async fn the_reading_routes_are_in_the_openapi_document() {
    let desk = Desk::start().await;
    let doc = desk.api.get("/api/v1/openapi.json").await.expect(200);
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/export.csv",
        "/api/v1/tickets/{id}/messages",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    let params = doc["paths"]["/api/v1/tickets"]["get"]["parameters"].to_string();
    assert!(
        params.contains("per_page") && params.contains("folder"),
        "{params}"
    );
    desk.api.stop().await;
}
