//! Both ways of reading a page agree, and every way of counting agrees
//! with them, on a small database with every kind of condition.
use super::*;
use crate::domain::{Priority, Status};
use crate::store::ticket_list::{Sort, SortKey};

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plan.db").display());
    let store = Store::open(&url).await.unwrap();
    let mut sql = String::from(
        "INSERT INTO agents (id, email, name, role, created_at, updated_at) VALUES
           (1, 'a@x.example', 'A', 'agent', 't', 't'), (2, 'b@x.example', 'B', 'agent', 't', 't');
         INSERT INTO teams (id, name, created_at) VALUES (1, 'T1', 't'), (2, 'T2', 't');
         INSERT INTO tags (id, name, created_at) VALUES (1, 'x', 't'), (2, 'y', 't');
         INSERT INTO custom_fields (id, key, label, field_type, created_at) VALUES (1, 'plan', 'Plan', 'text', 't');
         INSERT INTO contacts (id, email, from_domain, created_at, updated_at) VALUES (1, 'c@d.example', 'd.example', 't', 't');",
    );
    for i in 1..=90 {
        sql.push_str(&ticket_sql(i));
    }
    sqlx::raw_sql(&sql).execute(store.writer()).await.unwrap();
    (dir, store)
}

fn ticket_sql(i: usize) -> String {
    let status = ["open", "pending", "overdue", "resolved"][i % 4];
    let priority = ["low", "normal", "high"][i % 3];
    let assignee = match i % 3 {
        0 => "NULL".to_string(),
        n => n.to_string(),
    };
    // Update times out of id order, some equal.
    let updated = format!("2025-01-01T00:{:02}:00+00:00", (i * 7) % 40);
    let created = format!("2024-12-01T00:{:02}:00+00:00", (i * 11) % 50);
    let mut sql = format!(
        "INSERT INTO tickets (id, short_id, subject, status, priority, requester_id, from_domain, assignee_id, created_at, updated_at, last_message_at)
           VALUES ({i}, 'S{i:05}', 'Ticket {i} word{}', '{status}', '{priority}', 1, 'd.example', {assignee}, '{created}', '{updated}', 't');
         INSERT INTO messages (ticket_id, direction, message_id, from_address, subject, body_text, delivery_status, created_at)
           VALUES ({i}, 'inbound', 'm{i}@x', 'c@d.example', 's', 'body{} common', 'received', 't');",
        i % 5,
        i % 6
    );
    let mut add = |cond: bool, row: String| {
        if cond {
            sql.push_str(&row);
        }
    };
    add(
        i.is_multiple_of(2),
        format!("INSERT INTO ticket_tags VALUES ({i}, 1);"),
    );
    add(
        i.is_multiple_of(3),
        format!("INSERT INTO ticket_tags VALUES ({i}, 2);"),
    );
    add(
        i.is_multiple_of(5),
        format!("INSERT INTO ticket_teams VALUES ({i}, 1);"),
    );
    add(
        i.is_multiple_of(7),
        format!("INSERT INTO ticket_teams VALUES ({i}, 2);"),
    );
    let plan = ["free", "pro"][i % 2];
    add(
        !i.is_multiple_of(4),
        format!("INSERT INTO ticket_field_values VALUES ({i}, 1, '{plan}');"),
    );
    sql
}

fn queries() -> Vec<Vec<Cond>> {
    let text = |t: &[&str]| Cond::Text(t.iter().map(|s| s.to_string()).collect());
    let plan = |v: Option<&str>| Cond::Field {
        id: 1,
        value: v.map(String::from),
    };
    vec![
        vec![],
        vec![Cond::Status(vec![Status::Open])],
        vec![
            Cond::Status(vec![Status::Open, Status::Resolved]),
            Cond::Assignee(None),
        ],
        vec![Cond::Assignee(Some(1))],
        vec![Cond::Tag(Some("x".into()))],
        vec![Cond::Tag(Some("x".into())), plan(Some("pro"))],
        vec![Cond::Tag(Some("y".into())), plan(Some("free"))],
        vec![
            Cond::Team(Some(1)),
            Cond::Tag(Some("y".into())),
            Cond::Status(vec![Status::Pending]),
        ],
        vec![Cond::Tag(None), Cond::Team(Some(2))],
        vec![Cond::Assignee(Some(1)), plan(None)],
        vec![
            Cond::Priority(vec![Priority::Normal]),
            Cond::Tag(Some("x".into())),
        ],
        vec![Cond::Tag(Some("nosuch".into()))],
        vec![text(&["\"common\""]), Cond::Tag(Some("x".into()))],
        vec![text(&["\"word3\"", "\"common\""])],
        vec![text(&["\"body2\""]), Cond::Status(vec![Status::Overdue])],
        vec![
            text(&["\"ticket\""]),
            text(&["\"word1\""]),
            plan(Some("pro")),
        ],
    ]
}

const SORTS: [Sort; 3] = [
    Sort {
        key: SortKey::UpdatedAt,
        descending: true,
    },
    Sort {
        key: SortKey::CreatedAt,
        descending: false,
    },
    Sort {
        key: SortKey::Priority,
        descending: true,
    },
];

/// Every query, every sort: the walk (where the sort has an index) and the
/// set-first read give the same list, the total counts it, and pages are
/// slices of it.
async fn check_all(store: &Store) {
    for conds in queries() {
        for sort in SORTS {
            let query = TicketQuery {
                conds: conds.clone(),
                sort,
            };
            let all = store.page_ids(&query, None, 1000, 0).await.unwrap();
            if let Some(index) = sort.index() {
                let walked = store.page_ids(&query, Some(index), 1000, 0).await.unwrap();
                assert_eq!(walked, all, "{query:?}");
            }
            let total = store.ticket_total(&conds).await.unwrap();
            assert_eq!(total, all.len() as i64, "{conds:?}");
            let page = store.ticket_page(&query, 7, 7).await.unwrap();
            let want: Vec<i64> = all.iter().skip(7).take(7).copied().collect();
            assert_eq!(page, Page { ids: want, total }, "{query:?}");
        }
    }
}

#[tokio::test]
async fn walking_and_starting_from_the_sets_read_the_same_pages_and_totals() {
    let (_dir, store) = store().await;
    let spread = store
        .page_ids(&TicketQuery::default(), None, 1000, 0)
        .await
        .unwrap();
    assert_eq!(spread.len(), 90);
    check_all(&store).await;
}

#[tokio::test]
async fn kept_counts_follow_updates_deletes_and_removed_agents() {
    let (_dir, store) = store().await;
    sqlx::raw_sql(
        "UPDATE tickets SET status = 'resolved' WHERE id % 5 = 1;
         UPDATE tickets SET assignee_id = 2 WHERE id % 11 = 0;
         UPDATE tickets SET assignee_id = assignee_id, status = status WHERE id < 30;
         DELETE FROM tickets WHERE id % 13 = 0;
         DELETE FROM agents WHERE id = 1;",
    )
    .execute(store.writer())
    .await
    .unwrap();
    check_all(&store).await;
}
