//! Contacts in the pages: an admin adds a contact field on the custom
//! fields page; on a ticket's side panel an agent keeps the requester's
//! notepad (who changed it shows beside it) and sees their contact fields;
//! the contact's page sets a field, refuses our own address beside the
//! address, and lists their tickets; the contact list searches and filters
//! by open tickets.
use super::*;

fn mail_from(from: &str, id: &str, subject: &str) -> String {
    format!(
        "From: {from}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nAbout {subject}.\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_keeps_a_contacts_notepad_and_fields_and_finds_them_in_the_list() {
    let desk = Desk::start().await;
    let carla_ticket = desk
        .customer_writes(
            "contacts-1@customer.example.net",
            "Parcel lost",
            "Where is it?",
        )
        .await;
    let ben = "Ben Buyer <ben@shop.example.org>";
    desk.stack
        .send(
            CUSTOMER,
            SUPPORT,
            &mail_from(ben, "contacts-2@shop.example.org", "Refund"),
        )
        .unwrap();
    let ben_ticket = eventually("Ben's ticket", WAIT, || async {
        let tickets = desk.gw.store().tickets().await.unwrap();
        tickets
            .into_iter()
            .find(|t| t.subject == "Refund")
            .map(|t| t.id)
    })
    .await;

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin/fields").await;
    b.fill("label", "Plan").await;
    b.fill("key", "plan").await;
    b.choose("scope", "contact").await;
    b.choose("type", "select").await;
    b.fill("options", "Gold\nSilver").await;
    b.click("Add field").await;
    b.wait_text("Gold, Silver").await;
    assert_eq!(b.text_of("tr[data-field] td.scope").await, "contacts");
    assert_eq!(b.text_of("tr[data-field] td.tickets").await, "0 contact(s)");

    // The ticket's side panel: the notepad, saved back onto the ticket.
    b.go(&format!("/tickets/{carla_ticket}")).await;
    b.wait_text("Notepad on Carla Customer").await;
    assert_eq!(b.text_of(".panel .open-tickets").await, "1 open ticket(s)");
    b.fill("notepad", "Prefers a phone call.").await;
    b.click("Save notepad").await;
    b.wait_text("Changed by Ann Admin").await;
    assert_eq!(b.path().await, format!("/tickets/{carla_ticket}"));
    assert_eq!(b.value("#notepad").await, "Prefers a phone call.");

    // The contact's page: a field set, our own address refused beside it.
    b.click("Carla Customer").await;
    b.wait_text("Tickets (1)").await;
    assert!(b.text().await.contains("#"), "their ticket is listed");
    b.choose("field.plan", "Gold").await;
    b.click("Save").await;
    b.wait_text("Saved.").await;
    b.fill("email", SUPPORT).await;
    b.click("Save").await;
    b.wait_text("one of our own addresses").await;
    assert_eq!(
        b.value("#email").await,
        SUPPORT,
        "the form kept what was written"
    );
    b.screenshot("contact").await;
    let stored = desk
        .gw
        .store()
        .contact(contact_id(&desk, CUSTOMER).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.row.email, CUSTOMER, "nothing refused was stored");
    assert_eq!(stored.fields[0].value, "Gold");
    assert_eq!(stored.row.notepad, "Prefers a phone call.");

    b.go(&format!("/tickets/{carla_ticket}")).await;
    b.wait_text("Gold").await;
    b.screenshot("ticket-contact-panel").await;

    // The list: search, and the open-ticket filter.
    b.go(&format!("/tickets/{ben_ticket}")).await;
    b.click("Resolve").await;
    b.wait_text("Reopen").await;
    b.go("/contacts").await;
    b.wait_text("1–2 of 2").await;
    b.fill("q", "carla").await;
    b.click("Search").await;
    b.wait_text("1–1 of 1").await;
    assert!(b.text().await.contains("plan: Gold"));
    b.fill("q", "").await;
    b.choose("has_open_ticket", "false").await;
    b.click("Search").await;
    b.wait_text("ben@shop.example.org").await;
    assert!(
        !b.text().await.contains(CUSTOMER),
        "Carla has an open ticket"
    );
    b.screenshot("contacts").await;
    b.close().await;
}

async fn contact_id(desk: &Desk, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM contacts WHERE email = $1")
        .bind(email)
        .fetch_one(desk.gw.store().pool())
        .await
        .unwrap()
}
