//! The templates editor: a template with a syntax error is refused with
//! its line beside the text and nothing is saved; the variables are listed
//! beside the editor; a preview renders what is in the editor, unsaved,
//! against a real ticket; agents get a 403 page.
use super::*;

async fn stored_bodies(desk: &Desk) -> Vec<String> {
    let all = desk.gw.store().templates().await.unwrap();
    all.into_iter().map(|t| t.body).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_template_with_an_error_shows_its_line_and_a_fixed_one_previews_against_a_ticket() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "templates-1@customer.example.net",
            "Lost parcel",
            "Where is it?",
        )
        .await;
    let bob = session_cookie(&desk.base(), AGENT).await;
    assert!(
        page_as(&desk.base(), "/admin/templates", &bob)
            .await
            .contains("for admins")
    );

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.click("Templates").await;
    b.wait_text("New template").await;
    b.fill("name", "Parcel found").await;
    b.fill(
        "body",
        "Hello {{ requester.name }},\n{% if %}\nWe found it.",
    )
    .await;
    b.click("Add template").await;
    b.wait_text("does not compile").await;
    let refusal = b.text_of("p.error").await;
    assert!(refusal.contains("line 2"), "the line: {refusal}");
    assert!(stored_bodies(&desk).await.is_empty(), "nothing saved");

    let good = "Hello {{ requester.name }},\nWe found your parcel ({{ ticket.subject }}).";
    b.fill("body", good).await;
    b.click("Add template").await;
    b.wait_text("Variables").await;
    let variables = b.text_of("aside.variables").await;
    assert!(
        variables.contains("requester.name") && variables.contains("ticket.subject"),
        "{variables}"
    );

    b.fill(
        "body",
        "Hello {{ requester.name }},\nWe found\n{% endif %}.",
    )
    .await;
    b.click("Save").await;
    b.wait_text("does not compile").await;
    let refusal = b.text_of("p.error").await;
    assert!(refusal.contains("line 3"), "the line: {refusal}");
    assert_eq!(stored_bodies(&desk).await, [good], "nothing saved");

    let unsaved = "Dear {{ requester.name }}: {{ ticket.subject }} is on its way.";
    b.fill("body", unsaved).await;
    b.fill("ticket_id", &ticket.to_string()).await;
    b.click("Preview").await;
    b.wait_text("is on its way").await;
    let text = b.text_of("#preview-text").await;
    assert_eq!(text, "Dear Carla Customer: Lost parcel is on its way.");
    assert_eq!(
        stored_bodies(&desk).await,
        [good],
        "a preview saves nothing"
    );
    assert_eq!(b.value("#body").await, unsaved, "the editor keeps the text");
    b.screenshot("admin-template").await;

    b.click("Save").await;
    b.wait_text("Saved.").await;
    assert_eq!(stored_bodies(&desk).await, [unsaved]);
    b.close().await;
}
