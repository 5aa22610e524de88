//! Migrations on a database that already holds data: what users upgrading
//! run. Each test migrates a copy of the schema up to a version, fills it
//! with SQL as that version wrote it, then opens it as Postdesk does.
use postdesk::store::Store;
use sqlx::sqlite::SqliteConnectOptions;
use std::path::Path;
use std::str::FromStr;

/// A database at `url` migrated with the migrations up to `version` only.
async fn migrated_to(dir: &Path, url: &str, version: u32) {
    let some = dir.join("migrations");
    std::fs::create_dir(&some).unwrap();
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name[..4].parse::<u32>().unwrap() <= version {
            std::fs::copy(&path, some.join(name)).unwrap();
        }
    }
    let options = SqliteConnectOptions::from_str(url)
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let migrator = sqlx::migrate::Migrator::new(some.as_path()).await.unwrap();
    migrator.run(&pool).await.expect("the older migrations");
    sqlx::raw_sql(OLD_DATA)
        .execute(&pool)
        .await
        .expect("old data");
    pool.close().await;
}

const OLD_DATA: &str = "
INSERT INTO contacts (id, email, name, from_domain, created_at, updated_at)
    VALUES (1, 'carla@customer.example.net', 'Carla', 'customer.example.net', 't', 't');
INSERT INTO tickets (short_id, subject, status, priority, requester_id, from_domain, created_at, updated_at, last_message_at)
    VALUES ('AAAAAA', 'Printer on fire', 'open', 'high', 1, 'customer.example.net', 't', 't', 't'),
           ('BBBBBB', 'Invoice missing', 'open', 'normal', 1, 'customer.example.net', 't', 't', 't');
INSERT INTO messages (ticket_id, direction, message_id, from_address, subject, body_text, delivery_status, created_at)
    VALUES (1, 'inbound', 'a@x', 'carla@customer.example.net', 's', 'the toner smokes', 'received', 't'),
           (2, 'outbound', 'b@x', 'support@example.com', 's', 'we are on it', 'queued', 't');
INSERT INTO outbox (message_id, status, next_attempt_at, created_at, updated_at)
    VALUES (2, 'queued', 't', 't', 't');
";

async fn one(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn rebuilding_tables_for_ids_never_reused_keeps_rows_search_counts_and_cascades() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    migrated_to(dir.path(), &url, 11).await;
    let store = Store::open(&url).await.expect("migrated by Postdesk");

    assert_eq!(one(&store, "SELECT COUNT(*) FROM tickets").await, 2);
    assert_eq!(
        one(&store, "SELECT COUNT(*) FROM outbox WHERE message_id = 2").await,
        1
    );
    let hit = "SELECT rowid >> 32 FROM ticket_text WHERE ticket_text MATCH 'toner'";
    assert_eq!(one(&store, hit).await, 1, "message text still found");
    let subject = "SELECT rowid >> 32 FROM ticket_text WHERE ticket_text MATCH 'invoice'";
    assert_eq!(one(&store, subject).await, 2, "subjects still found");
    let counted = "SELECT SUM(n) FROM ticket_counts WHERE status = 'open'";
    assert_eq!(one(&store, counted).await, 2, "kept totals unchanged");
    assert_eq!(
        one(&store, "PRAGMA foreign_keys").await,
        1,
        "foreign keys on again"
    );

    let w = store.writer();
    sqlx::query("DELETE FROM tickets WHERE id = 2")
        .execute(w)
        .await
        .unwrap();
    assert_eq!(
        one(&store, "SELECT COUNT(*) FROM outbox").await,
        0,
        "cascades still work"
    );
    assert_eq!(
        one(
            &store,
            "SELECT SUM(n) FROM ticket_counts WHERE status = 'open'"
        )
        .await,
        1
    );
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO tickets (short_id, subject, status, priority, requester_id, from_domain, created_at, updated_at, last_message_at)
         VALUES ('CCCCCC', 'New', 'open', 'normal', 1, 'x', 't', 't', 't') RETURNING id",
    )
    .fetch_one(w)
    .await
    .unwrap();
    assert_eq!(next, 3, "the deleted ticket's id 2 is not given again");
    let found = "SELECT rowid >> 32 FROM ticket_text WHERE ticket_text MATCH 'new'";
    assert_eq!(one(&store, found).await, 3, "the search triggers are back");
}
