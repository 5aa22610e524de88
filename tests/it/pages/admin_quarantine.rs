//! The quarantine page: a mail over the size limit, quarantined from the
//! real Dovecot, is listed with why; its page shows the header fields; a
//! retry makes it a ticket and it leaves the list.
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_inspects_and_retries_a_quarantined_mail() {
    let desk = Desk::start_configured("max_message_bytes = 4000", 0).await;
    let big = format!(
        "From: Carla Customer <{CUSTOMER}>\r\nTo: {SUPPORT}\r\nSubject: Photos of the dent\r\n\
         Message-ID: <qp1@example.net>\r\nContent-Type: text/plain\r\n\r\n{}",
        "photo data of the dent\r\n".repeat(400)
    );
    desk.stack.send(CUSTOMER, SUPPORT, &big).unwrap();
    let store = desk.gw.store();
    eventually("the mail is quarantined", WAIT, || async {
        let (rows, _) = store.quarantine_page(10, 0).await.unwrap();
        rows.into_iter().next()
    })
    .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.click("Quarantine").await;
    b.wait_text("Photos of the dent").await;
    assert!(
        b.text_of("tr[data-quarantined] td.reason")
            .await
            .contains("4000")
    );
    b.click("Photos of the dent").await;
    b.wait_text("Header fields").await;
    assert!(b.text().await.contains("<qp1@example.net>"));
    b.screenshot("admin-quarantined").await;
    b.click("Retry").await;
    b.wait_text("went through: created").await;
    b.wait_text("Nothing is quarantined.").await;
    let tickets = store.tickets().await.unwrap();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].subject, "Photos of the dent");
    b.close().await;
}
