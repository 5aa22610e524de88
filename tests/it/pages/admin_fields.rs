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

/// An admin makes one field view-only and another hidden on the field's
/// page; the agent's side panel shows the first as text, not an input, and
/// not the second at all; the agent's save of the panel leaves both values.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_sees_a_view_only_field_as_text_and_not_a_hidden_one() {
    use postdesk::domain::{FieldAccess, FieldScope, FieldType};
    use postdesk::store::fields::FieldSpec;
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes("fields-2@customer.example.net", "Quote", "How much?")
        .await;
    let store = desk.gw.store();
    let mut made = Vec::new();
    for (key, label, field_type) in [
        ("vip", "VIP", FieldType::Checkbox),
        ("margin", "Margin", FieldType::Text),
    ] {
        let spec = FieldSpec {
            scope: FieldScope::Ticket,
            key: key.into(),
            label: label.into(),
            field_type,
            options: Vec::new(),
            position: None,
            agent_access: FieldAccess::Edit,
        };
        made.push(store.create_field(&spec).await.unwrap());
    }
    let change = TicketChange {
        fields: vec![
            FieldChange {
                field_id: made[0].id,
                key: "vip".into(),
                field_type: FieldType::Checkbox,
                value: Some("true".into()),
            },
            FieldChange {
                field_id: made[1].id,
                key: "margin".into(),
                field_type: FieldType::Text,
                value: Some("40 percent".into()),
            },
        ],
        ..TicketChange::default()
    };
    store.change_ticket(ticket, &change, None).await.unwrap();

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    for (id, access) in [(made[0].id, "view"), (made[1].id, "hidden")] {
        b.go(&format!("/admin/fields/{id}")).await;
        b.choose("agent_access", access).await;
        b.click("Save").await;
        b.wait_text("Saved.").await;
    }
    b.go("/admin/fields").await;
    assert_eq!(
        b.text_of(&format!("tr[data-field='{}'] td.access", made[1].id))
            .await,
        "hidden"
    );
    b.close().await;

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.wait_text("Notepad on").await;
    assert_eq!(
        b.text_of(".panel p.readonly[data-field=vip]").await,
        "VIP\nyes"
    );
    let text = b.text().await;
    assert!(
        !text.contains("Margin") && !text.contains("40 percent"),
        "hidden from agents"
    );
    assert!(
        b.c.find(Locator::Css("[name='field.vip']")).await.is_err(),
        "no input"
    );
    b.choose("priority", "high").await;
    b.c.find(Locator::Css(".panel form.fields button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually("the priority is saved", WAIT, || async {
        let t = store.ticket_detail(ticket).await.unwrap().unwrap();
        (t.base.priority == "high").then_some(t)
    })
    .await;
    let t = store.ticket_detail(ticket).await.unwrap().unwrap();
    let values: Vec<(&str, &str)> = t
        .fields
        .iter()
        .map(|f| (f.key.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        values,
        [("vip", "true"), ("margin", "40 percent")],
        "the agent's save left both"
    );
    b.screenshot("panel-view-only-field").await;
    b.close().await;
}
