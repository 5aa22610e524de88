//! The pages in a real headless Chromium against `serve` with the real
//! Dovecot and SMTP: an agent's working day, and the walls around it. This
//! file holds the desk and the helpers; a module per area.
mod admin_agents;
mod admin_bans;
mod admin_catalog;
mod admin_domains;
mod admin_fields;
mod admin_invite;
mod admin_quarantine;
mod admin_templates;
mod admin_tokens;
mod admin_usage;
mod admin_webhooks;
mod assist;
mod collision;
mod contacts;
mod drafts;
mod guards;
mod journey;
mod keys;
mod live;
mod mail;
mod origin;
mod presence;
mod snooze;
mod together;
mod transfer;
mod undo;
mod writing;

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
        Self::start_with_undo(0).await
    }

    /// Agents' replies wait `secs` to be taken back (undo send).
    async fn start_with_undo(secs: u64) -> Desk {
        Self::start_configured("", secs).await
    }

    /// `extra` is more TOML (top-level sections).
    async fn start_configured(extra: &str, undo_secs: u64) -> Desk {
        let stack = stack();
        let gw = Gateway::start_with_undo(&stack, extra, undo_secs).await;
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

/// Logs in, and waits until the login's redirect has landed.
async fn log_in(b: &Browser, email: &str, password: &str) {
    try_log_in(b, email, password).await;
    // The next step must not race the login's own redirect to the inbox.
    eventually("the login lands", WAIT, || async {
        (b.path().await != "/login").then_some(())
    })
    .await;
}

/// Fills in and sends the login form.
async fn try_log_in(b: &Browser, email: &str, password: &str) {
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

/// A page's HTML as the session with `cookie` gets it.
pub async fn page_as(base: &str, path: &str, cookie: &str) -> String {
    raw_client()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The CSRF token of the session's forms, read from a page.
async fn csrf(base: &str, cookie: &str) -> String {
    let page = page_as(base, "/", cookie).await;
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a token")
        + 19;
    page[at..at + 48].to_owned()
}

async fn status_of(req: reqwest::RequestBuilder) -> u16 {
    req.send().await.unwrap().status().as_u16()
}
