//! The collision check at send time: a reply written while another agent
//! answered stops, shows that answer with the draft kept, and goes out
//! when sent again.
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_written_while_another_agent_answered_stops_and_shows_it() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "collide-1@customer.example.net",
            "Wobbly shelf",
            "It leans.",
        )
        .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Wobbly shelf").await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.wait_text("It leans.").await;

    // Meanwhile Ann answers from her own session.
    let ann = session_cookie(&desk.base(), ADMIN).await;
    let token = csrf(&desk.base(), &ann).await;
    let answer = raw_client()
        .post(format!("{}/tickets/{ticket}/reply", desk.base()))
        .header("cookie", &ann)
        .form(&[
            ("csrf", token.as_str()),
            ("mode", "reply"),
            ("body", "Ann here: a new shelf is on its way."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "Ann's reply is sent");

    b.fill("body", "Bob here: please tighten the screws.").await;
    b.click("Send").await;
    b.wait_text("While you were writing, Ann Admin replied")
        .await;
    let page = b.text().await;
    assert!(
        page.contains("a new shelf is on its way."),
        "Ann's answer shows: {page}"
    );
    assert_eq!(
        b.value("#body").await,
        "Bob here: please tighten the screws.",
        "the draft is kept"
    );
    b.screenshot("collision").await;
    let bob_replies = || async {
        let messages = desk.gw.store().messages_of(ticket).await.unwrap();
        messages
            .iter()
            .filter(|m| m.reply_text.starts_with("Bob here"))
            .count()
    };
    assert_eq!(bob_replies().await, 0, "nothing of Bob's was queued");

    // Sent again, having seen Ann's answer: it goes.
    b.click("Send").await;
    eventually("Bob's reply is queued", WAIT, || async {
        (bob_replies().await == 1).then_some(())
    })
    .await;
    b.close().await;
}
