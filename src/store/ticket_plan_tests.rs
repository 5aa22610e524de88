//! Both ways of reading a page agree, and every way of counting agrees
//! with them, on a small database with every kind of condition.
use super::*;
use crate::domain::{Priority, Status};
use crate::store::ticket_arms::SizedArms;
use crate::store::ticket_list::{Sort, SortKey};
use crate::store::ticket_walk::push_walk;

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
         INSERT INTO topics (id, name, created_at) VALUES (2, 'Billing', 't'), (3, 'Returns', 't');
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
    let topic = match i % 4 {
        0 => "NULL".to_string(),
        n => n.to_string(),
    };
    let creator = if i % 5 == 1 { "2" } else { "NULL" };
    // Due times for two tickets in three, out of id order, some equal.
    let due = match i % 3 {
        0 => "NULL".to_string(),
        _ => format!("'2025-02-01T00:{:02}:00+00:00'", (i * 13) % 30),
    };
    let mut sql = format!(
        "INSERT INTO tickets (id, short_id, subject, status, priority, requester_id, from_domain, assignee_id, topic_id, created_by, created_at, updated_at, due_at, last_message_at)
           VALUES ({i}, 'S{i:05}', 'Ticket {i} word{}', '{status}', '{priority}', 1, 'd.example', {assignee}, {topic}, {creator}, '{created}', '{updated}', {due}, 't');
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
    add(
        i % 7 == 3,
        format!(
            "UPDATE tickets SET snoozed_until = '2030-01-0{}T00:00:00+00:00' WHERE id = {i};",
            i % 3 + 1
        ),
    );
    let plan = ["free", "pro"][i % 2];
    add(
        !i.is_multiple_of(4),
        format!("INSERT INTO ticket_field_values VALUES ({i}, 1, '{plan}');"),
    );
    sql
}

fn queries() -> Vec<Vec<Cond>> {
    let text = |t: &str| Cond::Text(format!("\"{t}\""));
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
        vec![Cond::FromDomain("d.example".into()), Cond::Team(Some(2))],
        vec![
            Cond::Assignee(Some(2)),
            Cond::Tag(Some("y".into())),
            Cond::Priority(vec![Priority::High]),
        ],
        vec![
            Cond::Status(vec![Status::Resolved]),
            Cond::Team(Some(1)),
            Cond::Tag(None),
        ],
        vec![text("common"), Cond::Tag(Some("x".into()))],
        vec![text("word3"), text("common")],
        vec![text("body2"), Cond::Status(vec![Status::Overdue])],
        vec![text("ticket"), text("word1"), plan(Some("pro"))],
        vec![text("nosuchword")],
        vec![
            text("common"),
            Cond::Status(vec![Status::Open, Status::Pending]),
        ],
        vec![text("body1"), Cond::Tag(None)],
        vec![Cond::Priority(vec![Priority::High])],
        vec![
            Cond::Priority(vec![Priority::Low]),
            Cond::Topic(Some(2)),
            Cond::Tag(Some("y".into())),
        ],
        vec![Cond::Topic(Some(1)), Cond::Status(vec![Status::Open])],
        vec![Cond::Topic(None), Cond::CreatedBy(Some(2))],
        vec![Cond::CreatedBy(Some(2)), text("common")],
        vec![Cond::CreatedBy(None), Cond::Tag(Some("x".into()))],
        vec![text("body1"), Cond::Tag(None), Cond::Assignee(Some(1))],
        vec![Cond::Snoozed],
        vec![Cond::Snoozed, Cond::Status(vec![Status::Open])],
        vec![Cond::Snoozed, Cond::Tag(Some("x".into()))],
        vec![text("common"), Cond::Snoozed, Cond::Assignee(None)],
    ]
}

const SORTS: [Sort; 5] = [
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
    Sort {
        key: SortKey::DueAt,
        descending: false,
    },
    Sort {
        key: SortKey::DueAt,
        descending: true,
    },
];

/// Every query, every sort: the walk (where the sort has an index) and the
/// set-first read give the same list, the total counts it, and pages are
/// slices of it.
/// Checks every query; how many bounded totals stopped at their bound.
async fn check_all(store: &Store) -> usize {
    let mut bounded = 0;
    for conds in queries() {
        for sort in SORTS {
            let query = TicketQuery {
                conds: conds.clone(),
                sort,
            };
            let all = store.page_ids(&query, 1000, 0).await.unwrap();
            if let Some(index) = sort.index() {
                let plan = store.plan(&conds).await.unwrap();
                let words = match &plan {
                    Plan::Arms(_, _, words) => words.clone(),
                    _ => Vec::new(),
                };
                // With the words' tickets in memory, and tested in SQL.
                for words in [words, Vec::new()] {
                    let walked = store
                        .bounded_walk(&query, index, (1000, 0, 2000), &words)
                        .await
                        .unwrap();
                    assert_eq!(walked, all, "{query:?}");
                }
            }
            let total = store.ticket_total(&conds).await.unwrap();
            assert_eq!(total, all.len() as i64, "{conds:?}");
            let page = store.ticket_page(&query, 7, 7).await.unwrap();
            let want: Vec<i64> = all.iter().skip(7).take(7).copied().collect();
            assert_eq!(
                page,
                Page {
                    ids: want,
                    total,
                    at_least: false
                },
                "{query:?}"
            );
            bounded += usize::from(check_bounded(store, &query, &all).await);
        }
    }
    bounded
}

/// Counted up to a bound, the same page; a total that is exact or the
/// bound (past the page) with `at_least`.
async fn check_bounded(store: &Store, query: &TicketQuery, all: &[i64]) -> bool {
    let page = store
        .ticket_page_counted(query, 7, 7, Count::UpTo(9))
        .await
        .unwrap();
    let want: Vec<i64> = all.iter().skip(7).take(7).copied().collect();
    assert_eq!(page.ids, want, "{query:?}");
    let n = all.len() as i64;
    if page.at_least {
        assert!(
            (15..=n).contains(&page.total),
            "counted past the page, not past the matches: {query:?}"
        );
    } else {
        assert_eq!(page.total, n, "{query:?}");
    }
    // A bound past every match counts them all.
    let far = store
        .ticket_page_counted(query, 7, 7, Count::UpTo(10_000))
        .await
        .unwrap();
    assert_eq!((far.total, far.at_least), (n, false), "{query:?}");
    page.at_least
}

/// Whichever way arms combine, the same tickets and the same count.
async fn check_arm_drivers(store: &Store) {
    for conds in queries() {
        let (arms, rest): (Vec<&Cond>, Vec<&Cond>) = conds.iter().partition(|c| is_arm(c));
        if arms.is_empty() {
            continue;
        }
        let query = TicketQuery {
            conds: conds.clone(),
            sort: Sort::default(),
        };
        let want = store.page_ids(&query, 1000, 0).await.unwrap();
        // Equal sizes merge; a far smaller first arm is read and the others tested.
        let merged: SizedArms = arms.iter().map(|c| (*c, 10)).collect();
        let smallest: SizedArms = arms
            .iter()
            .enumerate()
            .map(|(n, c)| (*c, 1 + 1000 * n as i64))
            .collect();
        for sized in [merged, smallest] {
            let (got, total) = store
                .counted_page(&query, &sized, &rest, 1000, 0)
                .await
                .unwrap();
            assert_eq!(got, want, "{sized:?} {rest:?}");
            assert_eq!(total.unwrap_or(0), want.len() as i64, "{sized:?} {rest:?}");
            let count = store
                .count_matching(&sized, &rest, Count::Exact)
                .await
                .unwrap();
            assert_eq!(count, want.len() as i64, "{sized:?} {rest:?}");
        }
    }
}

#[tokio::test]
async fn walking_and_starting_from_the_sets_read_the_same_pages_and_totals() {
    let (_dir, store) = store().await;
    let spread = store
        .page_ids(&TicketQuery::default(), 1000, 0)
        .await
        .unwrap();
    assert_eq!(spread.len(), 90);
    assert!(check_all(&store).await > 0, "no total stopped at its bound");
    check_arm_drivers(&store).await;
}

#[tokio::test]
async fn kept_counts_follow_updates_deletes_and_removed_agents() {
    let (_dir, store) = store().await;
    sqlx::raw_sql(
        "UPDATE tickets SET status = 'resolved' WHERE id % 5 = 1;
         UPDATE tickets SET assignee_id = 2 WHERE id % 11 = 0;
         UPDATE tickets SET assignee_id = assignee_id, status = status WHERE id < 30;
         DELETE FROM tickets WHERE id % 13 = 0;
         UPDATE tickets SET priority = 'urgent' WHERE id % 7 = 3;
         UPDATE tickets SET topic_id = 3, created_by = 1 WHERE id % 8 = 5;
         DELETE FROM topics WHERE id = 2;
         DELETE FROM agents WHERE id = 1;
         DELETE FROM ticket_tags WHERE ticket_id % 4 = 0;
         INSERT OR IGNORE INTO ticket_teams SELECT id, 2 FROM tickets WHERE id % 9 = 1;
         UPDATE ticket_field_values SET value = 'pro' WHERE ticket_id % 6 = 1;
         INSERT INTO ticket_field_values (ticket_id, field_id, value) VALUES (4, 1, 'pro')
             ON CONFLICT (ticket_id, field_id) DO UPDATE SET value = excluded.value;",
    )
    .execute(store.writer())
    .await
    .unwrap();
    check_all(&store).await;
    check_arm_drivers(&store).await;
    let kept: Vec<(String, i64, String, i64)> = sqlx::query_as(
        "SELECT kind, ref, value, n FROM ticket_set_sizes WHERE n > 0 ORDER BY 1, 2, 3",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let counted: Vec<(String, i64, String, i64)> = sqlx::query_as(
        "SELECT 'field', field_id, value, COUNT(*) FROM ticket_field_values GROUP BY 2, 3
         UNION ALL SELECT 'tag', tag_id, '', COUNT(*) FROM ticket_tags GROUP BY 2
         UNION ALL SELECT 'team', team_id, '', COUNT(*) FROM ticket_teams GROUP BY 2
         ORDER BY 1, 2, 3",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(kept, counted);
    let kept: Vec<(String, i64, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT status, assignee_id, priority, topic_id, created_by, n FROM ticket_counts
         WHERE n > 0 ORDER BY 1, 2, 3, 4, 5",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let counted: Vec<(String, i64, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT status, COALESCE(assignee_id, 0), priority, COALESCE(topic_id, 0),
           COALESCE(created_by, 0), COUNT(*) FROM tickets GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(kept, counted);
}

/// What SQLite says it will do with a query built by `push`.
async fn plan_of(store: &Store, push: impl FnOnce(&mut QueryBuilder<'_, Sqlite>)) -> String {
    let mut q = QueryBuilder::<Sqlite>::new("EXPLAIN QUERY PLAN ");
    push(&mut q);
    let rows: Vec<(i64, i64, i64, String)> =
        q.build_query_as().fetch_all(store.pool()).await.unwrap();
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn the_list_queries_use_the_indexes_made_for_them() {
    let (_dir, store) = store().await;
    let tag = Cond::Tag(Some("x".into()));
    let plan = Cond::Field {
        id: 1,
        value: Some("pro".into()),
    };
    let merged: SizedArms = vec![(&tag, 10), (&plan, 10)];
    let merge = plan_of(&store, |q| {
        crate::store::ticket_arms::push_count(q, &merged, &[], Count::Exact)
    })
    .await;
    for want in [
        "MERGE (INTERSECT)",
        "COVERING INDEX ticket_tags_tag",
        "COVERING INDEX ticket_field_values_field",
    ] {
        assert!(merge.contains(want), "{want} in\n{merge}");
    }
    assert!(!merge.contains("SCAN ticket"), "{merge}");
    let probed: SizedArms = vec![(&tag, 1), (&plan, 1000)];
    let probe = plan_of(&store, |q| {
        crate::store::ticket_arms::push_count(q, &probed, &[], Count::Exact)
    })
    .await;
    assert!(
        probe.contains(
            "COVERING INDEX ticket_field_values_field (field_id=? AND value=? AND ticket_id=?)"
        ),
        "{probe}"
    );
    let query = TicketQuery {
        conds: vec![Cond::Status(vec![Status::Open]), tag.clone()],
        sort: Sort::default(),
    };
    let walk = plan_of(&store, |q| {
        push_walk(q, &query, "tickets_updated", 25, 0, 1000)
    })
    .await;
    assert!(
        walk.contains("SCAN t USING COVERING INDEX tickets_updated"),
        "{walk}"
    );
    assert!(
        walk.contains("COVERING INDEX sqlite_autoindex_ticket_tags_1 (ticket_id=? AND tag_id=?)"),
        "{walk}"
    );
    assert!(!walk.contains("TEMP B-TREE"), "no sort: {walk}");
    for (key, descending, index) in [
        (SortKey::Priority, true, "tickets_priority_order"),
        (SortKey::Priority, false, "tickets_priority_order"),
        (SortKey::DueAt, false, "tickets_due_order"),
        (SortKey::DueAt, true, "tickets_due_order_desc"),
    ] {
        let sorted = TicketQuery {
            conds: vec![tag.clone()],
            sort: Sort { key, descending },
        };
        assert_eq!(sorted.sort.index(), Some(index));
        let walk = plan_of(&store, |q| push_walk(q, &sorted, index, 25, 0, 1000)).await;
        assert!(
            walk.contains(&format!("INDEX {index}")) && !walk.contains("TEMP B-TREE"),
            "{walk}"
        );
    }
    // A searched word: its tickets straight from the index, once each,
    // with no lookup of its messages; walked, the matches are kept once.
    let word = Cond::Text("\"word1\"".into());
    let alone: SizedArms = vec![(&word, 10)];
    let count = plan_of(&store, |q| {
        crate::store::ticket_arms::push_count(q, &alone, &[], Count::Exact)
    })
    .await;
    for want in ["VIRTUAL TABLE", "TEMP B-TREE FOR DISTINCT"] {
        assert!(count.contains(want), "{want} in\n{count}");
    }
    assert!(!count.contains("messages"), "{count}");
    let search = TicketQuery {
        conds: vec![word.clone()],
        sort: Sort::default(),
    };
    let walk = plan_of(&store, |q| {
        push_walk(q, &search, "tickets_updated", 25, 0, 1000)
    })
    .await;
    for want in [
        "COVERING INDEX tickets_updated",
        "LIST SUBQUERY",
        "VIRTUAL TABLE",
    ] {
        assert!(walk.contains(want), "{want} in\n{walk}");
    }
    assert!(!walk.contains("TEMP B-TREE FOR ORDER BY"), "{walk}");
    let unassigned_open = TicketQuery {
        conds: vec![Cond::Status(vec![Status::Open]), Cond::Assignee(None)],
        sort: Sort::default(),
    };
    let page = plan_of(&store, |q| {
        q.push("SELECT t.id FROM tickets t");
        let conds: Vec<&Cond> = unassigned_open.conds.iter().collect();
        push_where(q, &conds, Style::Set);
        finish_page(q, &unassigned_open, 25, 0);
    })
    .await;
    assert!(
        page.contains("INDEX tickets_status_assignee (status=? AND assignee_id=?)"),
        "{page}"
    );
    assert!(!page.contains("TEMP B-TREE"), "no sort: {page}");
}

#[test]
fn walks_are_capped_by_what_the_counts_say_and_go_further_only_when_that_pays() {
    // 60 visits at most here; at least max(10, 2 per ticket wanted).
    assert_eq!(walk_cap(90, 90, 7), 14, "twice the visits the page needs");
    assert_eq!(walk_cap(5, 90, 7), 60, "never more than the longest walk");
    assert_eq!(walk_cap(900, 90, 2), 10, "never fewer than the least");
    // A walk of 14 fell short; the total (30 of 90) says 21 visits: go on.
    assert_eq!(longer_walk(30, 90, 7, 0, 14), Some(42));
    // Already walked that far.
    assert_eq!(longer_walk(30, 90, 7, 0, 60), None);
    // Too sparse: 7 × 90 / 3 = 210 visits is over half the longest walk.
    assert_eq!(longer_walk(3, 90, 7, 0, 14), None);
}
