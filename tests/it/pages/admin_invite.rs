//! Invitations: an admin adds an agent without a password and Postdesk
//! mails them a link (machine-sent, from the email domain); the link, the
//! same one the admin sees, lets them choose a password once, refusing a
//! short one; then they log in, and the link is gone.
use super::*;
use crate::harness::mailbox;

const DINA: &str = "dina@example.com";

/// The invitation link in a mail: `/invite/` and its token.
fn invite_path(mail: &str) -> Option<String> {
    let at = mail.find("/invite/pd_")?;
    let token: String = mail[at + "/invite/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Some(format!("/invite/{token}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invited_agent_chooses_a_password_from_the_mailed_link_once() {
    let desk = Desk::start().await;
    desk.stack.add_user(DINA, "dina-mailbox").unwrap();
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin/agents").await;
    b.fill("email", DINA).await;
    b.fill("name", "Dina Dee").await;
    b.click("Add agent").await;
    b.wait_text("The invitation is mailed to").await;
    let shown = b.text_of("#invite-link").await;
    b.screenshot("admin-invite").await;

    let mail = eventually("the invitation arrives", WAIT, || async {
        mailbox(&desk.stack, DINA, "dina-mailbox", "INBOX")
            .await
            .pop()
    })
    .await;
    let mail = String::from_utf8_lossy(&mail).to_string();
    assert!(mail.contains("Auto-Submitted: auto-generated"), "{mail}");
    assert!(mail.contains(&format!("From: {SUPPORT}")) || mail.contains(&format!("<{SUPPORT}>")));
    let path = invite_path(&mail).expect("a link in the mail");
    assert!(
        shown.ends_with(&path),
        "the admin sees the same link: {shown}"
    );

    let raw = reqwest::get(format!("{}{path}", desk.base()))
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    b.close().await;
    let dina = Browser::open(&desk.base(), 1280).await;
    dina.go(&path).await;
    dina.wait_text("Welcome, Dina Dee").await;
    dina.screenshot("invite").await;
    dina.fill("password", "short").await;
    dina.click("Set password").await;
    dina.wait_text("a password has at least").await;
    dina.fill("password", "dina's own password").await;
    dina.click("Set password").await;
    dina.wait_text("Your password is set").await;
    log_in_over_http(&desk.base(), DINA, "dina's own password").await;

    dina.go(&path).await;
    dina.wait_text("expired or was used").await;
    let again = reqwest::get(format!("{}{path}", desk.base()))
        .await
        .unwrap();
    assert_eq!(again.status(), 404, "used once");
    dina.close().await;
}
