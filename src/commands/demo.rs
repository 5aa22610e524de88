//! `postdesk demo`: a working local setup in one command. Starts a private
//! Dovecot (IMAP + LMTP) and SMTP receiver on loopback (the same stack the
//! tests use), runs the gateway against it, and has a customer write in, so
//! a ticket and its acknowledgement appear at once. Runs until Ctrl-C.
use super::serve;
use crate::api::auth::{generate_token, hash_token};
use crate::config::{Config, ProcessEnv};
use crate::devstack::{CUSTOMER, CUSTOMER_PASSWORD, MailStack, SUPPORT, SUPPORT_PASSWORD};
use crate::domain::Role;
use crate::store::Store;
use anyhow::Context;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SAMPLE: &str = "From: Carla Customer <customer@example.net>\r\n\
To: Example Support <support@example.com>\r\n\
Subject: My order 1234 has not arrived\r\n\
Message-ID: <demo-@ID@@example.net>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hello,\r\n\r\nI ordered a printer two weeks ago (order 1234) and it has not arrived.\r\n\
Could you check?\r\n\r\nThanks,\r\nCarla\r\n";

/// The demo's admin token (POSTDESK_ADMIN_TOKEN overrides it): a fixed one,
/// so the README's curl lines work as written. Loopback only.
pub const DEMO_ADMIN_TOKEN: &str = "demo-admin-token";
const SALES: &str = "sales@example.com";
const SALES_PASSWORD: &str = "sales-secret";

const DEMO_ADMIN: &str = "admin@example.com";
const DEMO_AGENT: &str = "agent@example.com";
/// The demo agents' password for the pages (set only while they have none).
pub const DEMO_PASSWORD: &str = "demo-password";

/// More mail for a fresh demo: a reply quoting the first mail, and an HTML
/// mail with a remote image.
const MORE: [&str; 3] = [
    "From: Carla Customer <customer@example.net>\r\n\
To: Example Support <support@example.com>\r\n\
Subject: Invoice 5521 charges shipping twice\r\n\
Message-ID: <demo-invoice-@ID@@example.net>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hi,\r\n\r\nmy invoice 5521 lists shipping twice (2 x 9.90 EUR). Could you correct it?\r\n\r\nCarla\r\n",
    "From: Carla Customer <customer@example.net>\r\n\
To: Example Support <support@example.com>\r\n\
Subject: Re: Invoice 5521 charges shipping twice\r\n\
Message-ID: <demo-invoice-2-@ID@@example.net>\r\n\
In-Reply-To: <demo-invoice-@ID@@example.net>\r\n\
References: <demo-invoice-@ID@@example.net>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Sorry, one more thing: the invoice should go to our accounts team.\r\n\r\n\
On Mon, 7 Dec 2026 at 09:12, Carla Customer <customer@example.net> wrote:\r\n\
> Hi,\r\n\
>\r\n\
> my invoice 5521 lists shipping twice (2 x 9.90 EUR). Could you correct it?\r\n\
>\r\n\
> Carla\r\n",
    "From: Carla Customer <customer@example.net>\r\n\
To: Example Support <support@example.com>\r\n\
Subject: Photo of the broken hinge\r\n\
Message-ID: <demo-hinge-@ID@@example.net>\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<html><body><p>Hello,</p><p>the hinge of the cabinet I bought broke after a week. \
Here is a photo:</p><p><img src=\"http://images.example.net/hinge.jpg\" alt=\"broken hinge\"></p>\
<p>Can you send a replacement?</p><p>Carla</p></body></html>\r\n",
];

/// An admin and an agent with signatures, the admin token acting for the
/// first (so "mine" and signatures work with it); a new token for the
/// second, returned.
async fn demo_agents(store: &Store, admin_token: &str) -> anyhow::Result<String> {
    let mut ids = Vec::new();
    for (email, name, role) in [
        (DEMO_ADMIN, "Alex Admin", "admin"),
        (DEMO_AGENT, "Dana Agent", "agent"),
    ] {
        let id = match store.agent_id_by_email(email).await? {
            Some(id) => id,
            None => {
                let signature = format!("{name}\nExample Support");
                store.create_agent(email, name, role, &signature).await?
            }
        };
        let unset = store
            .login_row(email)
            .await?
            .is_some_and(|r| r.password_hash.is_none());
        if unset {
            crate::service::passwords::set(store, id, DEMO_PASSWORD.into()).await?;
        }
        ids.push(id);
    }
    let key = store.token_key().await?;
    store
        .set_token_agent(&hash_token(&key, admin_token), ids[0])
        .await?;
    let token = generate_token();
    store
        .create_token(
            "demo agent",
            Role::Agent,
            ids.get(1).copied(),
            &hash_token(&key, &token),
        )
        .await?;
    Ok(token)
}

/// An internal note on the oldest ticket, by the demo agent, and the
/// newest one two hours past its due time (marked overdue as the SLA
/// clock would).
async fn note_first_ticket(store: &Store) -> anyhow::Result<()> {
    let agent = store.agent_id_by_email(DEMO_AGENT).await?;
    let tickets = store.tickets().await?;
    if let Some(first) = tickets.iter().min_by_key(|t| t.id) {
        let text =
            "Checked with the warehouse: the printer left on Friday, tracking number to follow.";
        store.add_note(first.id, agent, text, "yellow").await?;
    }
    if let Some(last) = tickets.iter().max_by_key(|t| t.id) {
        let now = crate::store::now();
        store
            .set_due_at(last.id, now - chrono::Duration::hours(2))
            .await?;
        crate::service::sla::mark_overdue(store, now).await?;
    }
    Ok(())
}

pub async fn run(database_url: &str) -> anyhow::Result<()> {
    println!("postdesk demo: starting a local Dovecot and SMTP receiver …");
    let stack = Arc::new(
        tokio::task::spawn_blocking(MailStack::start)
            .await?
            .context("starting the demo mail servers (apt-get install dovecot-imapd dovecot-lmtpd python3-aiosmtpd)")?,
    );
    // A second mailbox, for the README's walk-through of adding an email
    // domain over the API.
    stack.add_user(SALES, SALES_PASSWORD)?;
    let top = format!("poll_interval = 5\nadmin_token = \"{DEMO_ADMIN_TOKEN}\"");
    let text = stack.gateway_config(database_url, SUPPORT, SUPPORT_PASSWORD, &top);
    let config = Config::parse(&text, &ProcessEnv).context("the demo config")?;
    let running = serve::start(&config).await?;
    let store = running.store.clone();
    let admin_token = config
        .admin_token
        .as_ref()
        .map_or(DEMO_ADMIN_TOKEN, |t| t.expose())
        .to_string();
    let agent_token = demo_agents(&store, &admin_token).await?;
    let before = store.count("tickets").await?;

    let mut mails = vec![SAMPLE];
    if before == 0 {
        mails.extend(MORE);
    }
    let wanted = before + if before == 0 { 3 } else { 1 };
    for mail in mails {
        let mail = mail.replace("@ID@", &format!("{}", std::process::id()));
        let sender = stack.clone();
        tokio::task::spawn_blocking(move || sender.send(CUSTOMER, SUPPORT, &mail)).await??;
    }
    let started = Instant::now();
    while store.count("tickets").await? < wanted && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give the acknowledgements a moment to go out (an answer stops a
    // ticket's clock, so the overdue one is made after them).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    if before == 0 {
        note_first_ticket(&store).await?;
    }
    println!();
    println!("A customer wrote in; tickets now:");
    for t in store.tickets().await? {
        println!(
            "  #{} {:<8} {} msg  {:<24} {}",
            t.short_id, t.status, t.message_count, t.requester_email, t.subject
        );
    }
    let reader = stack.clone();
    let inbox =
        tokio::task::spawn_blocking(move || reader.inbox(CUSTOMER, CUSTOMER_PASSWORD)).await??;
    let subjects: Vec<&str> = inbox
        .lines()
        .filter_map(|l| l.strip_prefix("Subject: "))
        .collect();
    println!("The customer's mailbox holds: {subjects:?}");
    println!();
    println!("Mail servers (until Ctrl-C):");
    println!(
        "  SMTP 127.0.0.1:{}  — send to {SUPPORT} as {CUSTOMER} to open more tickets",
        stack.smtp_port()
    );
    println!(
        "  IMAP 127.0.0.1:{}  — {SUPPORT} / {SUPPORT_PASSWORD}, {CUSTOMER} / {CUSTOMER_PASSWORD}",
        stack.imap_port()
    );
    println!(
        "  IMAP/SMTP mailbox for an email domain you add over the API: {SALES} / {SALES_PASSWORD}"
    );
    println!("  database {database_url} — `postdesk tickets` lists the tickets");
    println!();
    println!("Web: http://{}/", running.addr);
    println!(
        "  log in as {DEMO_ADMIN} (an admin) or {DEMO_AGENT} (an agent), password {DEMO_PASSWORD}"
    );
    println!("HTTP API: http://{}/api/v1", running.addr);
    println!("  admin token: {admin_token} (acts for {DEMO_ADMIN}, an admin)");
    println!("  agent token: {agent_token} (acts for {DEMO_AGENT}, an agent)");
    println!("Press Ctrl-C to stop.");
    serve::stop_signal().await?;
    println!("postdesk demo: stopping");
    running.stop().await;
    drop(stack);
    Ok(())
}
