//! GET tickets/export.csv: the list's tickets, all of them, as CSV.
use super::ADMIN_TOKEN;
use super::tickets_support::Desk;
use crate::support::mail;
use postdesk::ingest::{Incoming, Ingestor, Limits, Source};

const HEADER: [&str; 15] = [
    "id",
    "short_id",
    "subject",
    "status",
    "priority",
    "requester_email",
    "requester_name",
    "from_domain",
    "assignee",
    "teams",
    "topic",
    "tags",
    "created_at",
    "updated_at",
    "due_at",
];

/// The status, Content-Type and parsed rows (header first) of an export.
async fn export(desk: &Desk, query: &str) -> (u16, String, Vec<Vec<String>>) {
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/tickets/export.csv?{query}",
            desk.api.base
        ))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    let rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (status, kind, rows)
}

#[tokio::test]
async fn the_export_has_a_header_and_one_row_per_ticket_in_list_order() {
    let desk = Desk::start().await;
    let (a, _) = desk
        .open(
            "\"Ana, Souza\" <ana@souza.example>",
            "Refund, \"now\"",
            "Hi.",
        )
        .await;
    let (b, _) = desk
        .open("bo@beta.example", "=HYPERLINK(\"x\")", "Hi.")
        .await;
    let kim = desk
        .api
        .store()
        .create_agent("kim@example.com", "Kim", "agent", "")
        .await
        .unwrap();
    desk.sql(&format!(
        "INSERT INTO teams (id, name, created_at) VALUES (1, 'Billing', 'x'), (2, 'Admin', 'x');
         INSERT INTO tags (id, name, created_at) VALUES (1, 'vip', 'x'), (2, 'angry', 'x');
         INSERT INTO ticket_teams VALUES ({a}, 1), ({a}, 2);
         INSERT INTO ticket_tags VALUES ({a}, 1), ({a}, 2);
         UPDATE tickets SET assignee_id = {kim}, priority = 'high', due_at = '2025-05-01T00:00:00+00:00' WHERE id = {a};"
    ))
    .await;
    let (status, kind, rows) = export(&desk, "").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert_eq!(rows[0], HEADER);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let (row_b, row_a) = (&rows[1], &rows[2]);
    assert_eq!(row_b[0], b.to_string());
    assert_eq!(row_b[2], "'=HYPERLINK(\"x\")", "a formula is defused");
    assert_eq!(row_a[0], a.to_string());
    assert_eq!(row_a[1].len(), 6);
    assert_eq!(row_a[2], "Refund, \"now\"");
    assert_eq!(
        &row_a[3..9],
        [
            "open",
            "high",
            "ana@souza.example",
            "Ana, Souza",
            "souza.example",
            "kim@example.com"
        ]
    );
    assert_eq!(&row_a[9..12], ["Admin; Billing", "General", "angry; vip"]);
    assert_eq!(row_a[14], "2025-05-01T00:00:00.000000Z");
    assert_eq!(row_b[8], "", "no assignee");
    assert_eq!(row_b[14], "", "no due date");
    let (_, _, only_vip) = export(&desk, "tag=vip&sort=created_at").await;
    assert_eq!(only_vip.len(), 2);
    assert_eq!(only_vip[1][0], a.to_string());
    desk.api.stop().await;
}

#[tokio::test]
async fn the_export_has_a_column_per_custom_field_in_their_order() {
    let desk = Desk::start().await;
    let (a, _) = desk.open("ana@souza.example", "Plan change", "Hi.").await;
    let (b, _) = desk.open("bo@beta.example", "Seats", "Hi.").await;
    desk.sql(&format!(
        "INSERT INTO custom_fields (id, key, label, field_type, options, position, created_at) VALUES
           (7, 'seats', 'Seats', 'number', '[]', 2, '2025-01-01T00:00:00+00:00'),
           (3, 'plan', 'Plan', 'select', '[\"free\",\"=pro\"]', 1, '2025-01-01T00:00:00+00:00');
         INSERT INTO ticket_field_values VALUES ({a}, 3, '=pro'), ({a}, 7, '12'), ({b}, 7, '3');"
    ))
    .await;
    let (status, _, rows) = export(&desk, "sort=created_at").await;
    assert_eq!(status, 200);
    assert_eq!(&rows[0][..15], HEADER);
    assert_eq!(&rows[0][15..], ["field.plan", "field.seats"]);
    assert_eq!(&rows[1][15..], ["'=pro", "12"], "a formula is defused");
    assert_eq!(&rows[2][15..], ["", "3"]);
    desk.api.stop().await;
}

#[tokio::test]
async fn the_export_is_not_paged() {
    let desk = Desk::start().await;
    let ingestor = Ingestor::new(desk.api.store().clone(), Limits::default())
        .await
        .unwrap();
    let mails = (0..1203)
        .map(|n| Incoming {
            source: Source::Import,
            raw: mail(
                &format!("c{n}@bulk.example"),
                &format!("Bulk {n}"),
                &format!("bulk-{n}@bulk.example"),
                "",
                "Hello.",
            ),
        })
        .collect();
    ingestor.ingest(mails).await.unwrap();
    let (status, _, rows) = export(&desk, "per_page=10&from_domain=bulk.example").await;
    assert_eq!(status, 200);
    assert_eq!(rows.len(), 1204);
    let mut ids: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1203);
    desk.api.stop().await;
}

#[tokio::test]
async fn a_bad_export_filter_is_a_json_error() {
    let desk = Desk::start().await;
    let unknown = desk.api.get("/api/v1/tickets/export.csv?colour=red").await;
    assert_eq!((unknown.status.as_u16(), unknown.field()), (400, "colour"));
    let bad = desk
        .api
        .get("/api/v1/tickets/export.csv?status=closed")
        .await;
    assert_eq!((bad.status.as_u16(), bad.field()), (422, "status"));
    desk.api.stop().await;
}
