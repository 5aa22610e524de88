//! The API tokens page: an admin creates a token for an agent, it is shown
//! once, works on the API once copied, its last use shows, and a revoked
//! one stops working; agents get a 403 page.
use super::*;

async fn tickets_with(base: &str, token: &str) -> u16 {
    status_of(
        raw_client()
            .get(format!("{base}/api/v1/tickets"))
            .bearer_auth(token),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_made_on_the_page_is_shown_once_works_and_stops_when_revoked() {
    let desk = Desk::start().await;
    let bob = session_cookie(&desk.base(), AGENT).await;
    assert!(
        page_as(&desk.base(), "/admin/tokens", &bob)
            .await
            .contains("for admins")
    );
    let bob_id = desk.gw.store().agent_id_by_email(AGENT).await.unwrap();

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, ADMIN, PASSWORD).await;
    b.go("/admin").await;
    b.click("API tokens").await;
    b.wait_text("Create a token").await;
    b.fill("name", "flow-runner").await;
    b.choose("agent", &bob_id.unwrap().to_string()).await;
    b.click("Create token").await;
    b.wait_text("copy it now").await;
    let token = b.text_of("#new-token").await;
    assert!(token.starts_with("pd_"), "{token}");
    b.screenshot("admin-tokens").await;

    b.go("/admin/tokens").await;
    let listed = b.text().await;
    assert!(listed.contains("flow-runner") && listed.contains("Bob Agent"));
    assert!(!listed.contains(&token), "shown only once");
    let row = listed.lines().find(|l| l.contains("flow-runner")).unwrap();
    assert!(row.contains("never"), "not used yet: {row}");

    assert_eq!(tickets_with(&desk.base(), &token).await, 200);
    eventually("its last use shows", WAIT, || async {
        b.go("/admin/tokens").await;
        let page = b.text().await;
        let row = page
            .lines()
            .find(|l| l.contains("flow-runner"))
            .unwrap_or("");
        (!row.contains("never") && row.contains("UTC")).then_some(())
    })
    .await;

    let revoke =
        b.c.find(Locator::XPath(
            "//tr[contains(., 'flow-runner')]//button[normalize-space(.)='Revoke']",
        ))
        .await
        .unwrap();
    revoke.click().await.unwrap();
    eventually("the row is gone", WAIT, || async {
        (!b.text().await.contains("flow-runner")).then_some(())
    })
    .await;
    assert_eq!(tickets_with(&desk.base(), &token).await, 401);
    b.close().await;
}
