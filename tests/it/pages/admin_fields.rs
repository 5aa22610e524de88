//! The custom fields pages: an admin adds a select field (without options
//! refused beside the options), sees how many tickets hold a value, cannot
//! drop an option a ticket holds (the API's words beside the options), and
//! deleting the field while tickets hold values asks first.
use super::*;
use postdesk::store::ticket_changes::{FieldChange, TicketChange};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_select_field_shows_its_tickets_keeps_used_options_and_asks_before_deleting() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes("fields-1@customer.example.net", "Upgrade", "Can I upgrade?")
        .await;
    let bob = session_cookie(&desk.base(), AGENT).await;
    let answer = page_as(&desk.base(), "/admin/fields", &bob).await;
    assert!(answer.contains("for admins"));

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.click("Custom fields").await;
    b.wait_text("Add a custom field").await;
    b.fill("label", "Plan").await;
    b.fill("key", "plan").await;
    b.choose("type", "select").await;
    b.click("Add field").await;
    b.wait_text("needs options").await;
    assert_eq!(b.value("#key").await, "plan", "the form kept");
    b.fill("options", "Free\nPro").await;
    b.click("Add field").await;
    b.wait_text("Free, Pro").await;

    let field = desk.gw.store().fields().await.unwrap().remove(0);
    let change = TicketChange {
        fields: vec![FieldChange {
            field_id: field.id,
            key: field.key.clone(),
            field_type: field.field_type,
            value: Some("Pro".into()),
        }],
        ..TicketChange::default()
    };
    let store = desk.gw.store();
    store.change_ticket(ticket, &change, None).await.unwrap();
    b.go("/admin/fields").await;
    assert_eq!(b.text_of("tr[data-field] td.tickets").await, "1 ticket(s)");

    b.click("Plan").await;
    b.wait_text("1 ticket(s) hold a value of it.").await;
    b.fill("options", "Free").await;
    b.click("Save").await;
    b.wait_text("still hold").await;
    let refusal = b.text_of("p.error").await;
    assert!(refusal.contains("Pro"), "{refusal}");
    let kept = store.field(field.id).await.unwrap().unwrap().options;
    assert_eq!(kept, ["Free", "Pro"]);

    b.click("Delete this field").await;
    b.wait_text("deleting the field deletes those values").await;
    b.screenshot("admin-field").await;
    b.click("Delete anyway").await;
    b.wait_text("No custom field yet.").await;
    assert!(store.fields().await.unwrap().is_empty());
    b.close().await;
}
