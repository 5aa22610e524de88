//! The agents pages: an admin adds an agent with a password and a team in
//! the browser (a too short password refused beside its field), the agent
//! logs in, the signature the admin writes previews as typed, rendered as
//! a reply carries it, and is on the agent's next reply in the customer's
//! mailbox; agents get a 403 page.
use super::*;
use postdesk::store::teams::Catalog;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_admin_adds_an_agent_who_logs_in_and_replies_with_the_signature_set() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "agents-1@customer.example.net",
            "Torn box",
            "The box came torn.",
        )
        .await;
    let bob = session_cookie(&desk.base(), AGENT).await;
    assert!(
        page_as(&desk.base(), "/admin/agents", &bob)
            .await
            .contains("for admins")
    );

    let store = desk.gw.store();
    let team = store
        .create_named(Catalog::Teams, "Warehouse")
        .await
        .unwrap();
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.click("Agents").await;
    b.wait_text("Add an agent").await;
    b.fill("email", "cara@example.com").await;
    b.fill("name", "Cara Clerk").await;
    b.fill("password", "short").await;
    b.click("Add agent").await;
    b.wait_text("Add an agent").await;
    let refusal = b.text_of("p.error").await;
    assert!(
        refusal.contains("password"),
        "the API's words beside it: {refusal}"
    );
    assert_eq!(b.value("#email").await, "cara@example.com", "the form kept");
    b.fill("password", "cara's long password").await;
    let tick = format!("[name='team:{}']", team.id);
    b.c.find(Locator::Css(&tick))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.click("Add agent").await;
    b.wait_text("New password").await;
    let cara = store.agent_id_by_email("cara@example.com").await.unwrap();
    let cara = store.agent(cara.unwrap()).await.unwrap().unwrap();
    assert_eq!(cara.team_ids, [team.id], "in the team ticked");

    b.fill("signature", "{{ agent.name }} from the warehouse")
        .await;
    eventually("the signature previews as typed", WAIT, || async {
        let shown = b.text_of("#signature-preview").await;
        let lines: Vec<&str> = shown.lines().map(str::trim_end).collect();
        (lines == ["--", "Cara Clerk from the warehouse"]).then_some(())
    })
    .await;
    b.click("Save").await;
    b.wait_text("Saved.").await;
    b.screenshot("admin-agent").await;
    let cara = log_in_over_http(&desk.base(), "cara@example.com", "cara's long password").await;
    let token = csrf(&desk.base(), &cara).await;
    let sent = raw_client()
        .post(format!("{}/tickets/{ticket}/reply", desk.base()))
        .header("cookie", &cara)
        .form(&[
            ("csrf", token.as_str()),
            ("mode", "reply"),
            ("body", "A new box is on its way."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 303);
    eventually("her reply arrives signed", WAIT, || async {
        customer_inbox(&desk.stack).await.into_iter().find(|m| {
            let text = String::from_utf8_lossy(m);
            text.contains("A new box is on its way.")
                && text.contains("Cara Clerk from the warehouse")
        })
    })
    .await;
    b.close().await;
}
