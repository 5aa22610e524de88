//! An agent's day with one ticket, from login to reopening it.
use super::*;

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
        scope: postdesk::domain::FieldScope::Ticket,
        agent_access: postdesk::domain::FieldAccess::Edit,
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

    log_in_and_find(&b).await;
    filter(&b).await;
    answer_from_a_template(&b, &desk, ticket).await;
    note(&b).await;
    side_panel(&b, &desk, ticket).await;
    assign_resolve_reopen(&b, &desk, ticket).await;
    b.close().await;
}

/// Logs in (a wrong password does not) and finds the mail in Unassigned.
async fn log_in_and_find(b: &Browser) {
    b.go("/").await;
    assert!(b.path().await.starts_with("/login"), "{}", b.path().await);
    try_log_in(b, ADMIN, "not the password").await;
    b.wait_text("do not match an active account").await;
    log_in(b, ADMIN, PASSWORD).await;
    b.wait_text("Unassigned").await;
    b.click("Unassigned").await;
    b.wait_text("Printer on fire").await;
    assert!(
        b.text().await.contains("It smokes. Help!"),
        "the row's snippet"
    );
    assert!(b.loaded_only_from_here().await.is_empty());
    b.screenshot("inbox").await;
}

/// The filter form writes the API's filters into the URL.
async fn filter(b: &Browser) {
    // The filter form writes the API's filters into the URL.
    b.c.find(Locator::Css("details.filters summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.choose("priority", "urgent").await;
    apply_filter(b, "No tickets here.", "priority=urgent").await;
    b.choose("priority", "normal").await;
    b.choose("assignee", "none").await;
    apply_filter(b, "Printer on fire", "assignee=none").await;
    // A custom field: a value no ticket has, then "none".
    b.fill("field.order", "99").await;
    apply_filter(b, "No tickets here.", "field.order=99").await;
    b.fill("field.order", "none").await;
    apply_filter(b, "Printer on fire", "field.order=none").await;
}

/// Submits the filter form: the page shows `shown`, the URL has `param`.
async fn apply_filter(b: &Browser, shown: &str, param: &str) {
    b.click("Filter").await;
    b.wait_text(shown).await;
    assert!(b.path().await.contains(param), "{}", b.path().await);
}

/// Opens the ticket and answers from a template after its preview, the
/// relay refusing for a while.
async fn answer_from_a_template(b: &Browser, desk: &Desk, ticket: i64) {
    click_link_containing(b, "Printer on fire").await;
    b.wait_text("It smokes. Help!").await;
    assert_eq!(b.path().await, format!("/tickets/{ticket}"));
    // The signature shows under the text as a reply appends it, and goes
    // away while a note is written.
    let signature =
        b.c.find(Locator::Css(".composer .signature"))
            .await
            .unwrap();
    assert_eq!(
        signature.text().await.unwrap(),
        "-- \nAnn Admin, Example Support"
    );
    b.c.find(Locator::Css("input[name=mode][value=note]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        !signature.is_displayed().await.unwrap(),
        "no signature on notes"
    );
    b.c.find(Locator::Css("input[name=mode][value=reply]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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
}

/// A note in a colour, edited and deleted in place.
async fn note(b: &Browser) {
    b.choose("colour", "blue").await;
    compose(b, "note", "Called them: the printer is unplugged now.").await;
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
    compose(b, "note", "A second note, to be deleted.").await;
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
}

async fn side_panel(b: &Browser, desk: &Desk, ticket: i64) {
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
}

/// Assigned to me, resolved, reopened; the pages at phone width.
async fn assign_resolve_reopen(b: &Browser, desk: &Desk, ticket: i64) {
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
    // The row's snippet is our reply, without the signature it went with.
    let row = b.text().await;
    assert!(
        row.contains("a technician comes tomorrow at nine."),
        "{row}"
    );
    assert!(!row.contains("Example Support"), "{row}");

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
}
