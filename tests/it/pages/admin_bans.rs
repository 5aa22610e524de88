//! The bans page: an admin bans a domain in the browser, its next mail
//! makes nothing while the ban's hits go up, a bad pattern is refused
//! beside its field in the API's words, and a lifted ban lets mail in
//! again; agents get a 403 page on every admin page.
use super::*;

async fn ban_row(b: &Browser) -> String {
    b.text_of("tbody tr[data-ban]").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_bans_a_domain_and_its_mail_makes_nothing_until_lifted() {
    let desk = Desk::start().await;
    let bob = session_cookie(&desk.base(), AGENT).await;
    for path in ["/admin", "/admin/bans"] {
        let answer = raw_client()
            .get(format!("{}{path}", desk.base()))
            .header("cookie", &bob)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 403, "{path}");
        assert!(answer.text().await.unwrap().contains("for admins"));
    }
    let token = csrf(&desk.base(), &bob).await;
    let refused = raw_client()
        .post(format!("{}/admin/bans", desk.base()))
        .header("cookie", &bob)
        .form(&[("csrf", token.as_str()), ("pattern", "@evil.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "an agent cannot ban");

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.click("Bans").await;
    b.wait_text("Nobody is banned.").await;
    b.fill("pattern", "@@nonsense").await;
    b.click("Ban").await;
    b.wait_text("Ban a sender or a domain").await;
    let error = b.text_of("#pattern-error").await;
    assert!(!error.is_empty(), "the refusal beside the field");
    assert_eq!(b.value("#pattern").await, "@@nonsense", "the form kept");

    b.fill("pattern", "@spam.example").await;
    b.fill("reason", "sells watches").await;
    b.click("Ban").await;
    b.wait_text("sells watches").await;
    let before = desk.gw.store().tickets().await.unwrap().len();
    let mail = "From: Watch Seller <offers@mail.spam.example>\r\nTo: support@example.com\r\nSubject: Cheap watches\r\nMessage-ID: <ban-1@mail.spam.example>\r\n\r\nBuy now.\r\n";
    desk.stack
        .send("offers@mail.spam.example", SUPPORT, mail)
        .unwrap();
    eventually("the ban's hit counted", WAIT, || async {
        b.go("/admin/bans").await;
        (b.text_of("tbody tr[data-ban] td.hits").await == "1").then_some(())
    })
    .await;
    assert_eq!(
        desk.gw.store().tickets().await.unwrap().len(),
        before,
        "nothing made"
    );
    assert!(ban_row(&b).await.contains("UTC"), "the last hit's time");
    b.screenshot("admin-bans").await;

    b.click("Lift").await;
    b.wait_text("Nobody is banned.").await;
    let again = mail.replace("ban-1@", "ban-2@");
    desk.stack
        .send("offers@mail.spam.example", SUPPORT, &again)
        .unwrap();
    eventually("mail comes in again", WAIT, || async {
        (desk.gw.store().tickets().await.unwrap().len() == before + 1).then_some(())
    })
    .await;
    b.close().await;
}
