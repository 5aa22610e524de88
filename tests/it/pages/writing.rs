//! Writing to customers: a new ticket, and people who join the thread.
use super::*;

/// An agent writes to a customer from the new-ticket page: a refusal shows
/// beside the form with what was typed kept; then the ticket opens and the
/// customer receives its first email with the uploaded file.
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
        b.value("#body").await,
        "Your replacement hinge left our warehouse today.",
        "the draft is kept"
    );
    b.fill("subject", "Your replacement hinge").await;
    let files = tempfile::tempdir().unwrap();
    let label = files.path().join("return-label.txt");
    std::fs::write(&label, "Return to: Example Warehouse\n").unwrap();
    b.c.find(Locator::Css("input[name=attachments]"))
        .await
        .unwrap()
        .send_keys(&label.display().to_string())
        .await
        .unwrap();
    b.click("Open ticket and send").await;
    b.wait_text("Bob Agent · replied").await;
    b.wait_text("return-label.txt").await;
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
    let text = String::from_utf8_lossy(&mail);
    assert!(text.contains("filename=\"return-label.txt\""), "{text}");
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
