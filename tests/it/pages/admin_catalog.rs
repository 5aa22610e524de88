//! The teams, topics and tags pages: an admin adds a tag in a group, sees
//! how many tickets use it, renames it in its row, and deleting it while a
//! ticket has it asks first; "General" cannot be renamed, said beside its
//! row; agents get a 403 page.
use super::*;
use postdesk::store::ticket_changes::TicketChange;

async fn fill_css(b: &Browser, css: &str, value: &str) {
    let field = b.c.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tags_show_their_tickets_rename_in_place_and_a_used_one_is_deleted_only_once_confirmed() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "catalog-1@customer.example.net",
            "Double charge",
            "I paid twice.",
        )
        .await;
    let bob = session_cookie(&desk.base(), AGENT).await;
    for path in ["/admin/teams", "/admin/topics", "/admin/tags"] {
        assert!(
            page_as(&desk.base(), path, &bob)
                .await
                .contains("for admins")
        );
    }

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.click("tags").await;
    b.wait_text("Add a tag").await;
    fill_css(&b, "#name", "none").await;
    b.click("Add tag").await;
    b.wait_text("reserved").await;
    fill_css(&b, "#name", "Billing").await;
    fill_css(&b, "#group", "Money").await;
    b.click("Add tag").await;
    b.wait_text("Rename").await;
    let change = TicketChange {
        tags: Some(vec!["Billing".into()]),
        ..TicketChange::default()
    };
    desk.gw
        .store()
        .change_ticket(ticket, &change, None)
        .await
        .unwrap();
    b.go("/admin/tags").await;
    assert_eq!(b.text_of("tr[data-row] td.tickets").await, "1");

    fill_css(&b, "tr[data-row] input[name='name']", "Invoices").await;
    b.click("Rename").await;
    eventually("renamed", WAIT, || async {
        (b.value("tr[data-row] input[name='name']").await == "Invoices").then_some(())
    })
    .await;
    assert_eq!(b.value("tr[data-row] input[name='group']").await, "Money");

    b.click("Delete").await;
    b.wait_text("is on 1 ticket(s)").await;
    b.screenshot("admin-tags").await;
    b.click("Delete anyway").await;
    b.wait_text("None yet.").await;
    let tags = desk.gw.store().tags().await.unwrap();
    assert!(tags.is_empty(), "{tags:?}");

    b.go("/admin/topics").await;
    b.wait_text("Add a topic").await;
    fill_css(&b, "tr[data-row] input[name='name']", "Misc").await;
    b.click("Rename").await;
    b.wait_text("cannot be renamed").await;
    let row = b.text_of("tr[data-row]").await;
    assert!(row.contains("cannot be renamed"), "beside its row: {row}");
    b.close().await;
}
