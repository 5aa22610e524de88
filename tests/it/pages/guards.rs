//! The walls: roles, CSRF, origins, sessions, login limits.
use super::*;
use postdesk::store::Modified;
use postdesk::store::agents::LastAdmin;

/// Agents get a 403 page under /admin; a POST without the session's token
/// or from another origin is refused; logout, a new password and
/// deactivation end sessions; a session survives a restart of `serve`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_and_forms_are_guarded() {
    let mut desk = Desk::start().await;
    let ticket = desk
        .customer_writes("guard-1@customer.example.net", "Guarded", "Hello.")
        .await;
    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Bob Agent").await;
    b.go("/admin").await;
    b.wait_text("403").await;
    assert!(b.text().await.contains("for admins"), "{}", b.text().await);
    assert!(b.loaded_only_from_here().await.is_empty());
    b.screenshot("forbidden").await;
    b.close().await;

    let base = desk.base();
    let cookie = session_cookie(&base, AGENT).await;
    let token = csrf(&base, &cookie).await;
    let change = |form: Vec<(&'static str, String)>| {
        raw_client()
            .post(format!("{base}/tickets/{ticket}/change"))
            .header("cookie", cookie.clone())
            .form(&form)
    };
    let assign = || vec![("action", "assign_me".to_string())];
    assert_eq!(status_of(change(assign())).await, 403, "no token");
    let mut wrong = assign();
    wrong.push(("csrf", "0".repeat(48)));
    assert_eq!(status_of(change(wrong)).await, 403, "another token");
    let mut good = assign();
    good.push(("csrf", token.clone()));
    let cross = change(good.clone()).header("origin", "https://evil.example");
    assert_eq!(status_of(cross).await, 403, "another origin");
    let cross_site = change(good.clone()).header("sec-fetch-site", "cross-site");
    assert_eq!(status_of(cross_site).await, 403, "another site");
    assert_eq!(desk.gw.store().tickets().await.unwrap().len(), 1);
    assert_eq!(status_of(change(good.clone())).await, 303, "with its token");

    desk.gw.restart().await;
    let base = desk.base();
    let inbox = |cookie: &str| {
        raw_client()
            .get(format!("{base}/"))
            .header("cookie", cookie.to_owned())
    };
    assert_eq!(status_of(inbox(&cookie)).await, 200, "survives a restart");
    let logout = raw_client()
        .post(format!("{base}/logout"))
        .header("cookie", cookie.clone())
        .form(&[("csrf", token.as_str())]);
    assert_eq!(status_of(logout).await, 303);
    assert_eq!(status_of(inbox(&cookie)).await, 303, "logged out");

    let store = desk.gw.store();
    let bob = store.login_row(AGENT).await.unwrap().unwrap().id;
    let cookie = session_cookie(&base, AGENT).await;
    passwords::set(store, bob, "another fine password".into())
        .await
        .unwrap();
    assert_eq!(
        status_of(inbox(&cookie)).await,
        303,
        "a new password ends it"
    );
    let ann = store.login_row(ADMIN).await.unwrap().unwrap().id;
    let cookie = session_cookie(&base, ADMIN).await;
    // Another admin first: the last active one cannot be deactivated.
    store
        .insert_agent(&AgentSpec {
            email: EmailAddress::parse("second-admin@example.com").unwrap(),
            name: "Second Admin".into(),
            role: Role::Admin,
            signature: String::new(),
            active: true,
            team_ids: Vec::new(),
        })
        .await
        .unwrap();
    let deactivated = store
        .modify_agent(ann, |a| {
            Ok::<_, LastAdmin>(AgentSpec {
                email: EmailAddress::parse(&a.row.email).unwrap(),
                name: a.row.name,
                role: Role::Admin,
                signature: a.row.signature,
                active: false,
                team_ids: a.team_ids,
            })
        })
        .await
        .unwrap();
    assert!(matches!(deactivated, Modified::Done(())), "{deactivated:?}");
    assert_eq!(status_of(inbox(&cookie)).await, 303, "deactivation ends it");
    let login = raw_client()
        .post(format!("{base}/login"))
        .form(&[("email", ADMIN), ("password", PASSWORD)]);
    assert_eq!(status_of(login).await, 401, "and no new one starts");

    // Guessing: ten failures lock the account for a while, whoever asks,
    // and the right password is refused too until then.
    let guess = |password: &'static str| {
        raw_client()
            .post(format!("{base}/login"))
            .form(&[("email", AGENT), ("password", password)])
    };
    for _ in 0..10 {
        assert_eq!(status_of(guess("guess")).await, 401);
    }
    assert_eq!(status_of(guess("guess")).await, 429);
    assert_eq!(status_of(guess("another fine password")).await, 429);
}

/// Every admin page and every admin form answers an agent 403, with the
/// session's own token: nothing under /admin is an agent's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_gets_403_on_every_admin_page_and_form() {
    let desk = Desk::start().await;
    let base = desk.base();
    let cookie = session_cookie(&base, AGENT).await;
    let token = csrf(&base, &cookie).await;
    let pages = [
        "/admin",
        "/admin/email-domains",
        "/admin/email-domains/1",
        "/admin/agents",
        "/admin/agents/1",
        "/admin/teams",
        "/admin/topics",
        "/admin/tags",
        "/admin/fields",
        "/admin/fields/1",
        "/admin/templates",
        "/admin/templates/1",
        "/admin/bans",
        "/admin/webhooks",
        "/admin/webhooks/1",
        "/admin/tokens",
        "/admin/usage",
        "/admin/quarantine",
        "/admin/usage?period=month",
    ];
    for path in pages {
        let get = raw_client()
            .get(format!("{base}{path}"))
            .header("cookie", &cookie);
        assert_eq!(status_of(get).await, 403, "GET {path}");
    }
    let forms = [
        "/admin/email-domains",
        "/admin/email-domains/1",
        "/admin/email-domains/1/test",
        "/admin/email-domains/1/delete",
        "/admin/agents",
        "/admin/agents/1",
        "/admin/agents/1/signature-preview",
        "/admin/agents/1/invite",
        "/admin/teams",
        "/admin/teams/1/rename",
        "/admin/topics/1/delete",
        "/admin/tags",
        "/admin/fields",
        "/admin/fields/1/delete",
        "/admin/templates",
        "/admin/templates/1/preview",
        "/admin/bans",
        "/admin/webhooks",
        "/admin/webhooks/1/delete",
        "/admin/tokens",
        "/admin/tokens/1/revoke",
        "/admin/quarantine/1/retry",
        "/admin/quarantine/1/discard",
    ];
    for path in forms {
        let post = raw_client()
            .post(format!("{base}{path}"))
            .header("cookie", &cookie)
            .form(&[("csrf", token.as_str()), ("name", "x")]);
        assert_eq!(status_of(post).await, 403, "POST {path}");
    }
    let domains = desk.gw.store().email_domain_records().await.unwrap();
    assert_eq!(domains.len(), 1, "nothing changed");
    assert_eq!(desk.gw.store().token_count().await.unwrap(), 1);
}
