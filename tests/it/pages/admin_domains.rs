//! The email domains page: an admin adds a domain in the browser, the
//! connection test shows Dovecot's own greeting, mail sent to the new
//! address becomes a ticket, moving the server without the password again
//! is refused beside the password field, and agents get a 403 page.
use super::*;

const SALES: &str = "sales@example.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_adds_an_email_domain_tests_it_and_its_mail_becomes_a_ticket() {
    let desk = Desk::start().await;
    desk.stack.add_user(SALES, "sales-secret").unwrap();
    let bob = session_cookie(&desk.base(), AGENT).await;
    assert!(
        page_as(&desk.base(), "/admin/email-domains", &bob)
            .await
            .contains("for admins")
    );

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.screenshot("admin-index").await;
    b.click("Email domains").await;
    b.wait_text("Add an email domain").await;
    assert!(
        b.text().await.contains(SUPPORT),
        "the configured one is listed"
    );
    b.fill("address", SALES).await;
    b.fill("imap.host", "127.0.0.1").await;
    b.fill("imap.port", &desk.stack.imap_port().to_string())
        .await;
    b.choose("imap.tls", "none").await;
    b.fill("imap.username", SALES).await;
    b.fill("imap.password", "sales-secret").await;
    b.fill("smtp.host", "127.0.0.1").await;
    b.fill("smtp.port", &desk.stack.smtp_port().to_string())
        .await;
    b.choose("smtp.tls", "none").await;
    b.click("Add email domain").await;
    b.wait_text("Test the connection").await;
    assert!(
        b.text().await.contains("(stored; empty keeps it)"),
        "the password is stored, not shown"
    );

    b.click("Test the connection").await;
    b.wait_text("SMTP").await;
    let imap = b.text_of("#test-imap").await;
    assert!(
        imap.starts_with('✓') && imap.contains("Dovecot") && imap.contains("ready"),
        "Dovecot's greeting: {imap}"
    );
    let smtp = b.text_of("#test-smtp").await;
    assert!(smtp.starts_with('✓'), "the SMTP receiver answered: {smtp}");
    b.screenshot("admin-email-domain").await;

    let mail = customer_mail(
        "domains-1@customer.example.net",
        "A question for sales",
        "How much is it?",
        "",
    )
    .replace(&format!("To: {SUPPORT}"), &format!("To: {SALES}"));
    desk.stack.send(CUSTOMER, SALES, &mail).unwrap();
    eventually("the mail to the new domain is a ticket", WAIT, || async {
        let tickets = desk.gw.store().tickets().await.unwrap();
        tickets
            .into_iter()
            .find(|t| t.subject == "A question for sales")
    })
    .await;
    eventually("the domain shows as polling", WAIT, || async {
        b.go("/admin/email-domains").await;
        let rows = b.text().await;
        rows.lines()
            .any(|l| l.contains(SALES) && l.contains("polling"))
            .then_some(())
    })
    .await;

    b.click(SALES).await;
    b.wait_text("Test the connection").await;
    b.fill("imap.host", "localhost").await;
    b.click("Save").await;
    b.wait_text("Test the connection").await;
    let refusal = b.text_of("p.error").await;
    assert!(
        refusal.contains("imap.password") && refusal.contains("again"),
        "asked for the password again: {refusal}"
    );
    assert_eq!(
        b.value("[name='imap.host']").await,
        "localhost",
        "the form kept"
    );
    let stored = desk.gw.store().email_domain_records().await.unwrap();
    let sales = stored
        .iter()
        .find(|r| r.domain.address.to_string() == SALES);
    assert_eq!(
        sales.unwrap().domain.imap.as_ref().unwrap().host,
        "127.0.0.1"
    );
    b.close().await;
}
