//! Undo send in the browser: a reply shows "sending in N s — Undo" while
//! it waits; Undo brings its text back to the composer and it never
//! reaches the customer; one left alone loses its Undo when the window
//! ends and arrives.
use super::*;

const WINDOW: u64 = 4;

fn carrying(inbox: &[Vec<u8>], text: &str) -> usize {
    inbox
        .iter()
        .filter(|m| String::from_utf8_lossy(m).contains(text))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_undone_reply_returns_to_the_composer_and_never_arrives_one_left_alone_does() {
    let desk = Desk::start_with_undo(WINDOW).await;
    let ticket = desk
        .customer_writes(
            "undo-page@customer.example.net",
            "Cracked mug",
            "It arrived cracked.",
        )
        .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Cracked mug").await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.wait_text("It arrived cracked.").await;

    compose(&b, "reply", "Oops, this was meant for another customer").await;
    b.wait_text("sending in").await;
    b.screenshot("undo").await;
    b.click("Undo").await;
    b.wait_text("It arrived cracked.").await;
    assert_eq!(
        b.value("#body").await,
        "Oops, this was meant for another customer",
        "back in the composer"
    );
    assert!(
        !b.text_of(".thread").await.contains("Oops"),
        "gone from the thread"
    );

    compose(&b, "reply", "A new mug is on its way").await;
    b.wait_text("sending in").await;
    eventually(
        "the Undo goes when the window ends",
        Duration::from_secs(WINDOW + 5),
        || async {
            b.c.find(Locator::Css("form.undo"))
                .await
                .is_err()
                .then_some(())
        },
    )
    .await;
    let inbox = eventually("the reply left alone arrives", WAIT, || async {
        let inbox = customer_inbox(&desk.stack).await;
        (carrying(&inbox, "A new mug is on its way") == 1).then_some(inbox)
    })
    .await;
    assert_eq!(
        carrying(&inbox, "Oops"),
        0,
        "the undone reply never went out"
    );
    b.close().await;
}
