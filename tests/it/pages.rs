//! The pages in a real headless Chromium against `serve` with the real
//! Dovecot and SMTP: an agent's working day, and the walls around it.
use crate::browser::Browser;
use crate::harness::{Gateway, customer_inbox, customer_mail, eventually, header, stack};
use crate::mailstack::{CUSTOMER, MailStack, SUPPORT};
use fantoccini::Locator;
use postdesk::domain::{EmailAddress, Role};
use postdesk::service::passwords;
use postdesk::store::agents::AgentSpec;
use std::time::Duration;

const ADMIN: &str = "ann@example.com";
const AGENT: &str = "bob@example.com";
const PASSWORD: &str = "correct horse battery";
const WAIT: Duration = Duration::from_secs(15);

struct Desk {
    stack: MailStack,
    gw: Gateway,
}

impl Desk {
    async fn start() -> Desk {
        let stack = stack();
        let gw = Gateway::start(&stack, "").await;
        for (email, name, role) in [
            (ADMIN, "Ann Admin", Role::Admin),
            (AGENT, "Bob Agent", Role::Agent),
        ] {
            let spec = AgentSpec {
                email: EmailAddress::parse(email).unwrap(),
                name: name.into(),
                role,
                signature: format!("{name}, Example Support"),
                active: true,
                team_ids: Vec::new(),
            };
            let id = gw.store().insert_agent(&spec).await.unwrap();
            passwords::set(gw.store(), id, PASSWORD.into())
                .await
                .unwrap();
        }
        Desk { stack, gw }
    }

    fn base(&self) -> String {
        format!("http://{}", self.gw.running.as_ref().unwrap().addr)
    }

    /// A customer writes in; the ticket's id once it is stored.
    async fn customer_writes(&self, id: &str, subject: &str, body: &str) -> i64 {
        let mail = customer_mail(id, subject, body, "");
        self.stack.send(CUSTOMER, SUPPORT, &mail).unwrap();
        eventually("the mail is a ticket", WAIT, || async {
            let tickets = self.gw.store().tickets().await.unwrap();
            tickets
                .into_iter()
                .find(|t| t.subject == subject)
                .map(|t| t.id)
        })
        .await
    }
}

async fn log_in(b: &Browser, email: &str, password: &str) {
    b.go("/login").await;
    b.fill("email", email).await;
    b.fill("password", password).await;
    b.click("Log in").await;
}

async fn click_link_containing(b: &Browser, text: &str) {
    b.c.find(Locator::XPath(&format!("//a[contains(., '{text}')]")))
        .await
        .unwrap_or_else(|e| panic!("a link with {text:?}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Submits the composer (its button says Send or Add note).
async fn compose(b: &Browser, mode: &str, body: &str) {
    b.c.find(Locator::Css(&format!("input[name=mode][value={mode}]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.fill("body", body).await;
    b.c.find(Locator::Css("#composer button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Log in, find the customer's mail in Unassigned, answer it (the customer
/// receives it signed and threaded, and the page shows it sent), note it in
/// a colour, assign it to yourself, resolve it and reopen it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_answers_notes_assigns_and_resolves_a_ticket_in_the_browser() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "printer-1@customer.example.net",
            "Printer on fire",
            "It smokes. Help!",
        )
        .await;
    let b = Browser::open(&desk.base(), 1280).await;

    b.go("/").await;
    assert!(b.path().await.starts_with("/login"), "{}", b.path().await);
    log_in(&b, ADMIN, "not the password").await;
    b.wait_text("do not match an active account").await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.wait_text("Unassigned").await;
    b.click("Unassigned").await;
    b.wait_text("Printer on fire").await;
    assert!(b.loaded_only_from_here().await.is_empty());
    b.screenshot("inbox").await;

    click_link_containing(&b, "Printer on fire").await;
    b.wait_text("It smokes. Help!").await;
    assert_eq!(b.path().await, format!("/tickets/{ticket}"));
    compose(&b, "reply", "A technician comes tomorrow at nine.").await;
    b.wait_text("A technician comes tomorrow at nine.").await;
    let reply = eventually("the customer receives the reply", WAIT, || async {
        customer_inbox(&desk.stack)
            .await
            .into_iter()
            .find(|m| String::from_utf8_lossy(m).contains("A technician comes tomorrow"))
    })
    .await;
    let text = String::from_utf8_lossy(&reply);
    assert!(
        text.contains("Ann Admin, Example Support"),
        "signed: {text}"
    );
    assert_eq!(
        header(&reply, "In-Reply-To").as_deref(),
        Some("<printer-1@customer.example.net>")
    );
    eventually("the page shows it sent", WAIT, || async {
        b.go(&format!("/tickets/{ticket}")).await;
        let sent =
            b.c.find(Locator::Css("li.outbound .delivery.sent"))
                .await
                .is_ok();
        sent.then_some(())
    })
    .await;

    b.choose("colour", "blue").await;
    compose(&b, "note", "Called them: the printer is unplugged now.").await;
    b.wait_text("Called them").await;
    let note =
        b.c.find(Locator::Css("li.note-blue"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        note.contains("internal note") && note.contains("Ann Admin"),
        "{note}"
    );
    assert!(b.loaded_only_from_here().await.is_empty());
    b.screenshot("ticket").await;

    b.click("Assign to me").await;
    b.go("/?folder=mine").await;
    b.wait_text("Printer on fire").await;

    b.go(&format!("/tickets/{ticket}")).await;
    b.click("Resolve").await;
    b.wait_text("Reopen").await;
    b.go("/").await;
    assert!(
        !b.text().await.contains("Printer on fire"),
        "left the open list"
    );
    b.click("Closed").await;
    b.wait_text("Printer on fire").await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.click("Reopen").await;
    b.wait_text("Resolve").await;
    assert_eq!(desk.gw.store().tickets().await.unwrap()[0].status, "open");

    b.c.set_window_size(390, 844).await.unwrap();
    b.go("/").await;
    b.screenshot("inbox-phone").await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.screenshot("ticket-phone").await;
    b.close().await;
}

/// An HTTP client that keeps no cookies and follows no redirects, to send
/// what a browser would not.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Logs in over plain HTTP; the session cookie's `name=value`.
async fn session_cookie(base: &str, email: &str) -> String {
    let answer = raw_client()
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    let cookie = answer.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// The CSRF token of the session's forms, read from a page.
async fn csrf(base: &str, cookie: &str) -> String {
    let page = raw_client()
        .get(format!("{base}/"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a token")
        + 19;
    page[at..at + 48].to_owned()
}

async fn status_of(req: reqwest::RequestBuilder) -> u16 {
    req.send().await.unwrap().status().as_u16()
}

/// Agents get a 403 page under /admin; a POST without the session's token
/// or from another origin is refused; logout, a new password and
/// deactivation end sessions; a session survives a restart of `serve`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_and_forms_are_guarded() {
    let mut desk = Desk::start().await;
    let ticket = desk
        .customer_writes("guard-1@customer.example.net", "Guarded", "Hello.")
        .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Bob Agent").await;
    b.go("/admin").await;
    b.wait_text("403").await;
    assert!(b.text().await.contains("for admins"), "{}", b.text().await);
    b.close().await;

    let base = desk.base();
    let cookie = session_cookie(&base, AGENT).await;
    let token = csrf(&base, &cookie).await;
    let change = |form: Vec<(&'static str, String)>| {
        raw_client()
            .post(format!("{base}/tickets/{ticket}/change"))
            .header("cookie", cookie.clone())
            .form(&form)
    };
    let assign = || vec![("action", "assign_me".to_string())];
    assert_eq!(status_of(change(assign())).await, 403, "no token");
    let mut wrong = assign();
    wrong.push(("csrf", "0".repeat(48)));
    assert_eq!(status_of(change(wrong)).await, 403, "another token");
    let mut good = assign();
    good.push(("csrf", token.clone()));
    let cross = change(good.clone()).header("origin", "https://evil.example");
    assert_eq!(status_of(cross).await, 403, "another origin");
    let cross_site = change(good.clone()).header("sec-fetch-site", "cross-site");
    assert_eq!(status_of(cross_site).await, 403, "another site");
    assert_eq!(desk.gw.store().tickets().await.unwrap().len(), 1);
    assert_eq!(status_of(change(good.clone())).await, 303, "with its token");

    desk.gw.restart().await;
    let base = desk.base();
    let inbox = |cookie: &str| {
        raw_client()
            .get(format!("{base}/"))
            .header("cookie", cookie.to_owned())
    };
    assert_eq!(status_of(inbox(&cookie)).await, 200, "survives a restart");
    let logout = raw_client()
        .post(format!("{base}/logout"))
        .header("cookie", cookie.clone())
        .form(&[("csrf", token.as_str())]);
    assert_eq!(status_of(logout).await, 303);
    assert_eq!(status_of(inbox(&cookie)).await, 303, "logged out");

    let store = desk.gw.store();
    let bob = store.login_row(AGENT).await.unwrap().unwrap().id;
    let cookie = session_cookie(&base, AGENT).await;
    passwords::set(store, bob, "another fine password".into())
        .await
        .unwrap();
    assert_eq!(
        status_of(inbox(&cookie)).await,
        303,
        "a new password ends it"
    );
    let ann = store.login_row(ADMIN).await.unwrap().unwrap().id;
    let cookie = session_cookie(&base, ADMIN).await;
    store
        .modify_agent(ann, |a| {
            Ok::<_, ()>(AgentSpec {
                email: EmailAddress::parse(&a.row.email).unwrap(),
                name: a.row.name,
                role: Role::Admin,
                signature: a.row.signature,
                active: false,
                team_ids: a.team_ids,
            })
        })
        .await
        .unwrap();
    assert_eq!(status_of(inbox(&cookie)).await, 303, "deactivation ends it");
    let login = raw_client()
        .post(format!("{base}/login"))
        .form(&[("email", ADMIN), ("password", PASSWORD)]);
    assert_eq!(status_of(login).await, 401, "and no new one starts");
}
