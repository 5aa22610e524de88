//! The pages in a real headless Chromium against `serve` with the real
//! Dovecot and SMTP: an agent's working day, and the walls around it.
use crate::browser::Browser;
use crate::harness::{Gateway, customer_inbox, customer_mail, eventually, header, stack};
use crate::mailstack::{CUSTOMER, MailStack, SUPPORT};
use fantoccini::Locator;
use postdesk::domain::{EmailAddress, FieldType, Role};
use postdesk::service::passwords;
use postdesk::store::agents::AgentSpec;
use postdesk::store::fields::FieldSpec;
use postdesk::store::templates::TemplateSpec;
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
    let field = b.c.find(Locator::Css("#body")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(body).await.unwrap();
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
    let visit = TemplateSpec {
        name: "visit".into(),
        subject: None,
        body: "Hello {{ requester.name }}, a technician comes {{ vars.day }} at nine.".into(),
        body_html: None,
    };
    desk.gw.store().create_template(&visit).await.unwrap();
    let order = FieldSpec {
        key: "order".into(),
        label: "Order number".into(),
        field_type: FieldType::Number,
        options: Vec::new(),
        position: None,
    };
    desk.gw.store().create_field(&order).await.unwrap();
    desk.customer_writes(
        "toner-1@customer.example.net",
        "Toner question",
        "Which toner fits?",
    )
    .await;
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
    assert!(
        b.text().await.contains("It smokes. Help!"),
        "the row's snippet"
    );
    assert!(b.loaded_only_from_here().await.is_empty());
    b.screenshot("inbox").await;

    // The filter form writes the API's filters into the URL.
    b.c.find(Locator::Css("details.filters summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.choose("priority", "urgent").await;
    b.click("Filter").await;
    b.wait_text("No tickets here.").await;
    assert!(
        b.path().await.contains("priority=urgent"),
        "{}",
        b.path().await
    );
    b.choose("priority", "normal").await;
    b.choose("assignee", "none").await;
    b.click("Filter").await;
    b.wait_text("Printer on fire").await;
    assert!(
        b.path().await.contains("assignee=none"),
        "{}",
        b.path().await
    );

    click_link_containing(&b, "Printer on fire").await;
    b.wait_text("It smokes. Help!").await;
    assert_eq!(b.path().await, format!("/tickets/{ticket}"));
    b.choose("template", "visit").await;
    b.fill("vars", "day = tomorrow").await;
    b.click("Preview").await;
    b.wait_text("Preview: as it will be sent").await;
    let preview = b.text_of(".preview").await;
    assert!(
        preview.contains("Hello Carla Customer, a technician comes tomorrow at nine."),
        "{preview}"
    );
    assert!(
        preview.contains("Ann Admin, Example Support"),
        "the signature: {preview}"
    );
    assert!(preview.contains("To: customer@example.net"), "{preview}");
    b.screenshot("composer-preview").await;
    // The relay refuses for a while: the page follows the reply from
    // retrying (with the server's words) to sent, without a reload.
    desk.stack
        .fail_smtp("DATA", "451 4.3.0 Try again later")
        .unwrap();
    b.click("Send").await;
    b.wait_text("Ann Admin · replied").await;
    b.c.execute("window.stillHere = true", vec![])
        .await
        .unwrap();
    let last_badge = || async {
        let badges = b.c.find_all(Locator::Css(".delivery")).await.unwrap();
        badges.last().unwrap().text().await.unwrap_or_default()
    };
    eventually("the page shows it retrying", WAIT, || async {
        (last_badge().await == "retrying").then_some(())
    })
    .await;
    b.wait_text("451 4.3.0 Try again later").await;
    desk.stack.heal_smtp().unwrap();
    eventually("the page shows it sent", WAIT, || async {
        (last_badge().await == "sent").then_some(())
    })
    .await;
    let same =
        b.c.execute("return window.stillHere === true", vec![])
            .await
            .unwrap();
    assert_eq!(same, true, "no reload");
    let reply = eventually("the customer receives the reply", WAIT, || async {
        customer_inbox(&desk.stack)
            .await
            .into_iter()
            .find(|m| String::from_utf8_lossy(m).contains("a technician comes tomorrow"))
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

    b.choose("colour", "blue").await;
    compose(&b, "note", "Called them: the printer is unplugged now.").await;
    b.wait_text("Called them").await;
    let note = b.text_of("li.note-blue").await;
    assert!(
        note.contains("internal note") && note.contains("Ann Admin"),
        "{note}"
    );
    assert!(b.loaded_only_from_here().await.is_empty());
    b.screenshot("ticket").await;

    // Notes are edited and deleted in place, by their author.
    b.c.find(Locator::Css("li.note summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let note_id =
        b.c.find(Locator::Css("li.note textarea[name=body]"))
            .await
            .unwrap();
    note_id.clear().await.unwrap();
    note_id
        .send_keys("Called them: unplugged, cooling down.")
        .await
        .unwrap();
    b.click("Save note").await;
    b.wait_text("unplugged, cooling down.").await;
    compose(&b, "note", "A second note, to be deleted.").await;
    b.wait_text("A second note").await;
    let notes = b.c.find_all(Locator::Css("li.note summary")).await.unwrap();
    notes.last().unwrap().click().await.unwrap();
    let deletes =
        b.c.find_all(Locator::XPath("//button[normalize-space(.)='Delete note']"))
            .await
            .unwrap();
    deletes.last().unwrap().click().await.unwrap();
    eventually("the second note is gone", WAIT, || async {
        (!b.text().await.contains("A second note")).then_some(())
    })
    .await;
    assert!(b.text().await.contains("unplugged, cooling down."));

    // The side panel: the requester's other ticket, a custom field, a team
    // and the description, saved through the same checks as the API.
    assert!(
        b.text()
            .await
            .contains("Other tickets of customer@example.net")
    );
    assert!(b.text().await.contains("Toner question"));
    b.fill("field.order", "1234").await;
    b.fill("description", "Printer model LX-300, under warranty.")
        .await;
    b.c.find(Locator::XPath(
        "//label[contains(., 'Support')]/input[@name='team']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.click("Save").await;
    let saved = eventually("the panel is saved", WAIT, || async {
        let t = desk
            .gw
            .store()
            .ticket_detail(ticket)
            .await
            .unwrap()
            .unwrap();
        (t.base.description.contains("LX-300")).then_some(t)
    })
    .await;
    assert_eq!(saved.fields.len(), 1, "the order number is set");
    assert!(
        saved.teams.is_empty(),
        "Support unticked: {:?}",
        saved.teams
    );

    b.click("Assign to me").await;
    eventually("the ticket is assigned", WAIT, || async {
        let t = desk
            .gw
            .store()
            .ticket_detail(ticket)
            .await
            .unwrap()
            .unwrap();
        t.base.assignee_id.map(|_| ())
    })
    .await;
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
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Logs in over plain HTTP; the session cookie's `name=value`.
async fn session_cookie(base: &str, email: &str) -> String {
    log_in_over_http(base, email, PASSWORD).await
}

/// Logs in over plain HTTP with `password`; the session cookie's `name=value`.
pub async fn log_in_over_http(base: &str, email: &str, password: &str) -> String {
    let answer = raw_client()
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", password)])
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

    // Guessing: ten failures lock the account for a while, whoever asks,
    // and the right password is refused too until then.
    let guess = |password: &'static str| {
        raw_client()
            .post(format!("{base}/login"))
            .form(&[("email", AGENT), ("password", password)])
    };
    for _ in 0..10 {
        assert_eq!(status_of(guess("guess")).await, 401);
    }
    assert_eq!(status_of(guess("guess")).await, 429);
    assert_eq!(status_of(guess("another fine password")).await, 429);
}

/// A 1×1 transparent PNG.
const PIXEL: [u8; 67] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// An image server on loopback that counts the requests it gets.
async fn counting_image_server() -> (std::sync::Arc<std::sync::atomic::AtomicUsize>, String) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/pixel.png",
        axum::routing::get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { ([("content-type", "image/png")], PIXEL.to_vec()) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/pixel.png", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (hits, url)
}

fn hostile_mail(image: &str, attachment: &[u8]) -> String {
    let b64 = data_encoding::BASE64.encode(attachment);
    let b64: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let b64 = b64.join("\r\n");
    format!(
        "From: Carla Customer <{CUSTOMER}>\r\nTo: {SUPPORT}\r\nSubject: Hinge photo\r\n\
         Message-ID: <hinge-1@customer.example.net>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n\
         --alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe hinge broke, photo below.\r\n\
         --alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>The hinge <b>broke</b>, photo below.</p><script>window.pwned = 1</script>\
         <img src=\"x\" onerror=\"window.pwned = 2\"><a href=\"javascript:window.pwned = 3\">details</a>\
         <img src=\"{image}\" alt=\"hinge\">\r\n--alt--\r\n\
         --outer\r\nContent-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"receipt.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--outer--\r\n"
    )
}

/// A mail with a script, an event handler, a `javascript:` link and a
/// remote image: its original shows the text, runs nothing and loads
/// nothing until the agent loads images (then only through Postdesk); its
/// attachment downloads with its bytes intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hostile_mail_runs_nothing_and_loads_nothing_until_asked() {
    use std::sync::atomic::Ordering;
    let stack = stack();
    // The image server is on loopback, which the image fetcher refuses
    // unless the allow list names it.
    let gw = Gateway::start(&stack, "[webhooks]\nallow_targets = [\"127.0.0.1\"]").await;
    let id = gw
        .store()
        .create_agent(AGENT, "Bob Agent", "agent", "")
        .await
        .unwrap();
    passwords::set(gw.store(), id, PASSWORD.into())
        .await
        .unwrap();
    let desk = Desk { stack, gw };
    let (hits, image) = counting_image_server().await;
    let attachment: Vec<u8> = (0..5000u32).map(|n| (n * 7 % 256) as u8).collect();
    desk.stack
        .send(CUSTOMER, SUPPORT, &hostile_mail(&image, &attachment))
        .unwrap();
    let ticket = eventually("the mail is a ticket", WAIT, || async {
        desk.gw
            .store()
            .tickets()
            .await
            .unwrap()
            .first()
            .map(|t| t.id)
    })
    .await;

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.wait_text("The hinge broke, photo below.").await;
    let href =
        b.c.find(Locator::Css("a[href^='/attachments/']"))
            .await
            .unwrap();
    assert_eq!(href.text().await.unwrap(), "receipt.bin");
    let path = href.attr("href").await.unwrap().unwrap();
    let fetched =
        b.c.execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done({
                 status: r.status,
                 disposition: r.headers.get('content-disposition'),
                 bytes: Array.from(new Uint8Array(b)) })));",
            vec![serde_json::json!(path)],
        )
        .await
        .unwrap();
    assert_eq!(fetched["status"], 200);
    assert!(
        fetched["disposition"]
            .as_str()
            .unwrap()
            .starts_with("attachment; filename=\"receipt.bin\"")
    );
    let bytes: Vec<u8> = serde_json::from_value(fetched["bytes"].clone()).unwrap();
    assert!(bytes == attachment, "the bytes are intact");

    b.click("Show original").await;
    b.wait_text("1 remote image blocked").await;
    assert!(b.text().await.contains("The hinge broke"));
    let pwned =
        b.c.execute("return typeof window.pwned", vec![])
            .await
            .unwrap();
    assert_eq!(pwned, "undefined", "no script ran");
    assert_eq!(
        b.c.find_all(Locator::Css(".mail-html script, .mail-html [onerror]"))
            .await
            .unwrap()
            .len(),
        0
    );
    let link = b.c.find(Locator::Css(".mail-html a")).await.unwrap();
    assert_eq!(
        link.attr("href").await.unwrap(),
        None,
        "the javascript: link is gone"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing loaded from the sender's server"
    );
    assert!(b.loaded_only_from_here().await.is_empty());
    b.screenshot("original-blocked").await;

    b.click("load").await;
    eventually("the page with images", WAIT, || async {
        b.path().await.contains("images=1").then_some(())
    })
    .await;
    eventually("the image loads through Postdesk", WAIT, || async {
        let loaded = b
            .c
            .execute("const i = document.querySelector('.mail-html img[alt=hinge]'); return i && i.complete && i.naturalWidth", vec![])
            .await
            .unwrap();
        (loaded == 1).then_some(())
    })
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(
        b.loaded_only_from_here().await.is_empty(),
        "through our own URL"
    );
    b.close().await;
}

/// An agent writes to a customer from the new-ticket page: a refusal shows
/// beside the form with what was typed kept; then the ticket opens and the
/// customer receives its first email.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_opens_a_ticket_by_writing_to_a_customer() {
    let desk = Desk::start().await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Bob Agent").await;
    b.click("New ticket").await;
    b.wait_text("Open ticket and send").await;
    b.fill("to", CUSTOMER).await;
    b.fill("subject", "   ").await;
    b.fill("body", "Your replacement hinge left our warehouse today.")
        .await;
    b.click("Open ticket and send").await;
    b.wait_text("subject must not be empty").await;
    assert_eq!(
        b.c.find(Locator::Css("#body"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Your replacement hinge left our warehouse today."),
        "the draft is kept"
    );
    b.fill("subject", "Your replacement hinge").await;
    b.click("Open ticket and send").await;
    b.wait_text("Bob Agent · replied").await;
    assert!(
        b.path().await.starts_with("/tickets/"),
        "{}",
        b.path().await
    );
    let mail = eventually("the customer receives it", WAIT, || async {
        customer_inbox(&desk.stack)
            .await
            .into_iter()
            .find(|m| String::from_utf8_lossy(m).contains("replacement hinge left our warehouse"))
    })
    .await;
    let subject = header(&mail, "Subject").unwrap();
    assert!(
        subject.starts_with("Your replacement hinge [#"),
        "{subject}"
    );
    b.close().await;
}

/// Someone who does not take part writes into the thread: they wait on the
/// ticket until an agent accepts them, and only then are copied on replies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stranger_in_the_thread_waits_until_an_agent_accepts_them() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "cabinet-1@customer.example.net",
            "Cabinet door",
            "It squeaks.",
        )
        .await;
    let stranger = "From: Sam Stranger <sam@elsewhere.example>\r\nTo: support@example.com\r\n\
         Subject: Re: Cabinet door\r\nMessage-ID: <sam-1@elsewhere.example>\r\n\
         In-Reply-To: <cabinet-1@customer.example.net>\r\n\
         References: <cabinet-1@customer.example.net>\r\n\r\nI have the same problem.\r\n";
    desk.stack
        .send("sam@elsewhere.example", SUPPORT, stranger)
        .unwrap();
    eventually("the stranger's mail is on the ticket", WAIT, || async {
        let m = desk.gw.store().messages_of(ticket).await.unwrap();
        m.iter()
            .any(|m| m.from_address == "sam@elsewhere.example")
            .then_some(())
    })
    .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Bob Agent").await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.wait_text("waiting for an agent").await;
    assert!(
        b.text_of(".composer .recipients")
            .await
            .ends_with("To: customer@example.net")
    );
    b.click("Accept").await;
    eventually("accepted", WAIT, || async {
        let line = b.text_of(".composer .recipients").await;
        line.contains("Cc: sam@elsewhere.example").then_some(())
    })
    .await;
    assert!(!b.text().await.contains("waiting for an agent"));
    b.close().await;
}

/// Files chosen in the composer go out with the reply; too much is refused
/// with a page that says how much is allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_carries_uploaded_attachments_and_too_much_is_refused_clearly() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "manual-1@customer.example.net",
            "Manual please",
            "Send the manual?",
        )
        .await;
    let files = tempfile::tempdir().unwrap();
    let manual = files.path().join("manual.txt");
    std::fs::write(&manual, "Step 1: unplug the printer.\n").unwrap();
    let huge = files.path().join("huge.bin");
    std::fs::write(&huge, vec![7u8; 33 * 1024 * 1024]).unwrap();

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Bob Agent").await;
    b.go(&format!("/tickets/{ticket}")).await;
    let upload =
        b.c.find(Locator::Css("input[name=attachments]"))
            .await
            .unwrap();
    upload
        .send_keys(&manual.display().to_string())
        .await
        .unwrap();
    compose(&b, "reply", "The manual is attached.").await;
    b.wait_text("manual.txt").await;
    let mail = eventually("the customer receives it", WAIT, || async {
        customer_inbox(&desk.stack)
            .await
            .into_iter()
            .find(|m| String::from_utf8_lossy(m).contains("The manual is attached."))
    })
    .await;
    let text = String::from_utf8_lossy(&mail);
    assert!(text.contains("filename=\"manual.txt\""), "{text}");

    let upload =
        b.c.find(Locator::Css("input[name=attachments]"))
            .await
            .unwrap();
    upload.send_keys(&huge.display().to_string()).await.unwrap();
    compose(&b, "reply", "Far too much.").await;
    b.wait_text("too large").await;
    assert!(
        b.text().await.contains("at most 32 MB"),
        "{}",
        b.text().await
    );
    b.close().await;
}
