//! The usage page: a customer's mail in and its acknowledgement out are
//! counted for the email domain, by day and by month.
use super::*;
use postdesk::store::email_usage::Period;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_reads_the_emails_in_and_out_per_domain() {
    let desk = Desk::start().await;
    desk.customer_writes("usage-1@customer.example.net", "Counted", "Hello")
        .await;
    let store = desk.gw.store();
    eventually("the acknowledgement is counted as sent", WAIT, || async {
        let rows = store.email_usage(Period::Day, "2000-01-01").await.unwrap();
        rows.first().filter(|r| r.emails_out == 1).cloned()
    })
    .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.click("Usage").await;
    b.wait_text("Email domain").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let row = format!("tr[data-period='{today}']");
    assert!(b.text_of(&row).await.contains(SUPPORT));
    assert_eq!(b.text_of(&format!("{row} td.in")).await, "1");
    assert_eq!(b.text_of(&format!("{row} td.out")).await, "1");
    b.screenshot("admin-usage").await;
    b.click("month").await;
    b.wait_text("Month").await;
    assert_eq!(
        b.text_of(&format!("tr[data-period='{}'] td.in", &today[..7]))
            .await,
        "1"
    );
    b.close().await;
}
