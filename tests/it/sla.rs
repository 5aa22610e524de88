//! SLA clocks: due times from mail, overdue marking, and an agent's answer.
use crate::support::{TestDb, mail};
use chrono::{DateTime, Duration as Span, Utc};
use postdesk::domain::{EmailAddress, SmtpSettings, Status, TlsMode};
use postdesk::ingest::{Ingestor, Limits};
use postdesk::service::replies::{Body, ReplyRequest};
use postdesk::service::sla::{self, SlaTargets};
use postdesk::store::domains::DomainSpec;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

fn targets(normal: Duration) -> SlaTargets {
    SlaTargets {
        normal: Some(normal),
        urgent: Some(HOUR / 4),
        ..SlaTargets::default()
    }
}

/// A database whose ingestor gives normal tickets `normal` to be answered.
async fn db_with(normal: Duration) -> TestDb {
    let mut db = TestDb::new().await;
    db.ingestor = ingestor(&db, normal).await;
    db
}

async fn ingestor(db: &TestDb, normal: Duration) -> Ingestor {
    Ingestor::new(db.store.clone(), Limits::default())
        .await
        .expect("ingestor")
        .with_sla(targets(normal))
}

fn question(n: u32) -> Vec<u8> {
    mail(
        "Ann <ann@customer.example>",
        &format!("Question {n}"),
        &format!("q{n}@customer.example"),
        "",
        "Hello?",
    )
}

fn follow_up(n: u32, k: u32) -> Vec<u8> {
    mail(
        "Ann <ann@customer.example>",
        &format!("Re: Question {n}"),
        &format!("q{n}-{k}@customer.example"),
        &format!("In-Reply-To: <q{n}@customer.example>\r\n"),
        "Any news?",
    )
}

async fn times(db: &TestDb, id: i64) -> (DateTime<Utc>, Option<DateTime<Utc>>, String) {
    sqlx::query_as("SELECT created_at, due_at, status FROM tickets WHERE id = $1")
        .bind(id)
        .fetch_one(db.store.pool())
        .await
        .expect("ticket")
}

async fn ticket(db: &TestDb, raw: &[u8]) -> i64 {
    db.ingest_one(raw).await.ticket_id.expect("a ticket")
}

async fn set_due(db: &TestDb, id: i64, due: Option<DateTime<Utc>>) {
    sqlx::query("UPDATE tickets SET due_at = $1 WHERE id = $2")
        .bind(due)
        .bind(id)
        .execute(db.store.writer())
        .await
        .expect("set due_at");
}

#[tokio::test]
async fn a_ticket_from_mail_is_due_its_priority_target_after_it_arrived() {
    let db = db_with(4 * HOUR).await;
    let id = ticket(&db, &question(1)).await;
    let (created, due, status) = times(&db, id).await;
    assert_eq!(status, "open");
    assert_eq!(due, Some(created + Span::hours(4)));
}

#[tokio::test]
async fn without_targets_no_ticket_is_due() {
    let db = TestDb::new().await;
    let id = ticket(&db, &question(1)).await;
    db.ingest_one(&follow_up(1, 1)).await;
    assert_eq!(times(&db, id).await.1, None);
}

#[tokio::test]
async fn a_customer_reply_starts_the_clock_only_when_none_is_running() {
    let db = db_with(4 * HOUR).await;
    let id = ticket(&db, &question(1)).await;
    let first_due = times(&db, id).await.1;
    db.ingest_one(&follow_up(1, 1)).await;
    assert_eq!(
        times(&db, id).await.1,
        first_due,
        "a follow-up does not push the promise back"
    );

    set_due(&db, id, None).await; // as an agent's answer leaves it
    let before = postdesk::store::now();
    db.ingest_one(&follow_up(1, 2)).await;
    let after = postdesk::store::now();
    let due = times(&db, id).await.1.expect("a new clock");
    assert!(
        due >= before + Span::hours(4) && due <= after + Span::hours(4),
        "{due} not 4h after the reply ({before}..{after})"
    );
    let kinds = db.store.event_kinds(id).await.unwrap();
    assert_eq!(kinds, ["created", "customer_replied", "customer_replied"]);
}

#[tokio::test]
async fn a_reply_that_reopens_a_resolved_ticket_starts_a_fresh_clock() {
    let db = db_with(4 * HOUR).await;
    let id = ticket(&db, &question(1)).await;
    let stale = postdesk::store::now() - Span::days(3);
    set_due(&db, id, Some(stale)).await;
    db.store.set_status(id, Status::Resolved).await.unwrap();
    db.ingest_one(&follow_up(1, 1)).await;
    let (_, due, status) = times(&db, id).await;
    assert_eq!(status, "open");
    assert!(due.expect("due") > postdesk::store::now() + Span::hours(3));
}

#[tokio::test]
async fn mark_overdue_flips_only_open_tickets_past_due_and_records_the_event() {
    let db = TestDb::new().await;
    let soon = ingestor(&db, HOUR).await;
    let later = ingestor(&db, 3 * HOUR).await;
    let ingest = |i: &Ingestor, raw: Vec<u8>| {
        let i = i.clone();
        async move {
            let inputs = vec![postdesk::ingest::Incoming {
                source: postdesk::ingest::Source::Import,
                raw,
            }];
            i.ingest(inputs).await.unwrap()[0].ticket_id.unwrap()
        }
    };
    let due_soon = ingest(&soon, question(1)).await;
    let due_later = ingest(&later, question(2)).await;
    let resolved = ingest(&soon, question(3)).await;
    db.store
        .set_status(resolved, Status::Resolved)
        .await
        .unwrap();
    let now = postdesk::store::now();

    assert_eq!(sla::mark_overdue(&db.store, now).await.unwrap(), 0);
    let in_two_hours = now + Span::hours(2);
    assert_eq!(sla::mark_overdue(&db.store, in_two_hours).await.unwrap(), 1);
    assert_eq!(times(&db, due_soon).await.2, "overdue");
    assert_eq!(times(&db, due_later).await.2, "open");
    assert_eq!(times(&db, resolved).await.2, "resolved");
    let (actor, data): (String, String) = sqlx::query_as(
        "SELECT actor, data FROM ticket_events WHERE ticket_id = $1 AND kind = 'overdue'",
    )
    .bind(due_soon)
    .fetch_one(db.store.pool())
    .await
    .expect("an overdue event");
    assert_eq!(actor, "system");
    assert!(data.contains(r#""from":"open""#), "{data}");
    assert_eq!(
        sla::mark_overdue(&db.store, in_two_hours).await.unwrap(),
        0,
        "an overdue ticket is marked once"
    );
}

/// Replies on `db` with an email domain that can send (no sender runs).
async fn sending(db: &TestDb) -> postdesk::service::replies::Replies {
    let smtp = SmtpSettings {
        host: "127.0.0.1".into(),
        port: 9, // never reached: no sender runs here
        tls: TlsMode::None,
        username: None,
        password: None,
    };
    let spec = DomainSpec {
        address: EmailAddress::parse("support@example.com").unwrap(),
        name: "Support".into(),
        imap: None,
        smtp: Some(smtp),
        default_team: None,
        enabled: true,
    };
    db.store.sync_email_domains(&[spec]).await.unwrap();
    postdesk::service::replies::Replies::new(db.store.clone(), db.ingestor.signer().clone())
}

/// As the poller stores a new ticket: marked for its acknowledgement.
async fn mark_pending(db: &TestDb, id: i64) {
    sqlx::query("INSERT INTO pending_acks (ticket_id, created_at) VALUES ($1, $2)")
        .bind(id)
        .bind(postdesk::store::now())
        .execute(db.store.writer())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_batch_counts_each_acknowledgement_whatever_the_one_before_it_became() {
    let db = db_with(HOUR).await;
    let replies = sending(&db).await;
    let first = ticket(&db, &question(1)).await;
    let second = ticket(&db, &question(2)).await;
    let bob = mail(
        "Bob <bob@customer.example>",
        "Other",
        "b1@customer.example",
        "",
        "Hi",
    );
    let other = ticket(&db, &bob).await;
    for id in [first, second, other] {
        mark_pending(&db, id).await;
    }
    let one = replies.acknowledge_batch(&[first], 1).await.unwrap();
    assert_eq!((one.queued, one.limited), (1, 0));
    // Ann has had her one per hour; Bob, after her in the batch, has not.
    let batch = replies
        .acknowledge_batch(&[second, other], 1)
        .await
        .unwrap();
    assert_eq!((batch.queued, batch.limited), (1, 1), "{batch:?}");
    assert_eq!(db.store.count("outbox").await.unwrap(), 2);
}

#[tokio::test]
async fn an_agent_reply_clears_overdue_but_an_acknowledgement_does_not() {
    let db = db_with(HOUR).await;
    let replies = sending(&db).await;
    let agent = db
        .store
        .create_agent("bo@example.com", "Bo", "agent", "")
        .await
        .unwrap();
    let id = ticket(&db, &question(1)).await;
    let later = postdesk::store::now() + Span::hours(2);
    assert_eq!(sla::mark_overdue(&db.store, later).await.unwrap(), 1);

    mark_pending(&db, id).await;
    let first = replies.acknowledge_batch(&[id], 10).await.unwrap();
    assert_eq!(first.queued, 1, "queued");
    let again = replies.acknowledge_batch(&[id], 10).await.unwrap();
    assert_eq!(again.queued, 0, "once only: the pending mark is taken");
    assert_eq!(times(&db, id).await.2, "overdue");

    let reply = ReplyRequest {
        ticket_id: id,
        agent_id: Some(agent),
        body: Body::Text("We are on it.".into()),
        attachments: Vec::new(),
    };
    replies.reply(reply).await.unwrap();
    let (_, due, status) = times(&db, id).await;
    assert_eq!((status.as_str(), due), ("open", None));
    let kinds = db.store.event_kinds(id).await.unwrap();
    assert_eq!(
        kinds,
        [
            "created",
            "overdue",
            "acknowledged",
            "replied",
            "status_changed"
        ]
    );
}
