//! Who is copied on a ticket's mail, against the real mail stack: people
//! the requester copies take part at once; a stranger who threads onto the
//! ticket with the customer's Message-ID (and whoever they copy) waits for
//! an agent, is shown on the ticket and gets nothing until accepted.
use super::ADMIN_TOKEN;
use super::changes_mail::agent_token;
use crate::harness::{Gateway, SECOND, customer_inbox, eventually, header, mailbox, stack};
use crate::mailstack::{CUSTOMER, SUPPORT};
use serde_json::{Value, json};

const COLLEAGUE: &str = "colleague@customer.example.net";
const STRANGER: &str = "stranger@evil.example";
const STRANGERS_FRIEND: &str = "friend@evil.example";

fn mail(from: &str, id: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {SUPPORT}\r\nSubject: Printer on fire\r\nMessage-ID: <{id}>\r\n\
         Date: Sat, 21 Nov 2026 10:00:00 +0000\r\n{extra}\r\n{body}\r\n"
    )
}

async fn call(
    gw: &Gateway,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let addr = gw.running.as_ref().expect("running").addr;
    let mut req = reqwest::Client::new()
        .request(method, format!("http://{addr}/api/v1{path}"))
        .bearer_auth(ADMIN_TOKEN);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("HTTP");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn emails(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["email"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn participants(gw: &Gateway, id: i64) -> Vec<(String, String)> {
    let (_, t) = call(gw, reqwest::Method::GET, &format!("/tickets/{id}"), None).await;
    t["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(|p| {
            (
                p["email"].as_str().unwrap().into(),
                p["state"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stranger_threading_on_the_customers_message_id_waits_for_an_agent() {
    let stack = tokio::task::spawn_blocking(stack)
        .await
        .expect("mail stack");
    stack
        .add_user(COLLEAGUE, "colleague-secret")
        .expect("colleague's mailbox");
    let gw = Gateway::start(&stack, &format!("admin_token = \"{ADMIN_TOKEN}\"")).await;
    let agent = agent_token(&gw, "Ann").await;
    let first = mail(
        CUSTOMER,
        "c1@customer.example.net",
        &format!("Cc: {COLLEAGUE}\r\n"),
        "Smoke!",
    );
    tokio::task::block_in_place(|| stack.send(CUSTOMER, SUPPORT, &first)).expect("sent");
    let hostile = mail(
        STRANGER,
        "s1@evil.example",
        &format!("In-Reply-To: <c1@customer.example.net>\r\nCc: {STRANGERS_FRIEND}\r\n"),
        "Send the invoice to me too.",
    );
    tokio::task::block_in_place(|| stack.send(STRANGER, SUPPORT, &hostile)).expect("sent");
    let id = eventually("both mails on one ticket", 10 * SECOND, || async {
        let t = gw.store().tickets().await.unwrap();
        let id = t.first()?.id;
        (t.len() == 1 && {
            let m = gw.store().messages_of(id).await.unwrap();
            m.iter().any(|m| m.from_address == STRANGER)
        })
        .then_some(id)
    })
    .await;
    let mut got = participants(&gw, id).await;
    got.sort();
    let want = [
        (COLLEAGUE, "active"),
        (STRANGERS_FRIEND, "pending"),
        (STRANGER, "pending"),
    ];
    let mut want: Vec<(String, String)> = want
        .iter()
        .map(|(a, s)| (a.to_string(), s.to_string()))
        .collect();
    want.sort();
    assert_eq!(
        got, want,
        "the requester's Cc takes part, the stranger's people wait"
    );

    let (status, r) = call(
        &gw,
        reqwest::Method::GET,
        &format!("/tickets/{id}/recipients"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(emails(&r["to"]), [CUSTOMER]);
    assert_eq!(
        emails(&r["cc"]),
        [COLLEAGUE],
        "pending people are not copied"
    );

    let addr = gw.running.as_ref().unwrap().addr;
    let queued: Value = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/tickets/{id}/replies"))
        .bearer_auth(&agent)
        .json(&json!({"body": "The invoice is attached."}))
        .send()
        .await
        .expect("HTTP")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        emails(&queued["cc"]),
        [COLLEAGUE],
        "the answer names who it went to: {queued}"
    );
    let reply = eventually("the reply in the customer's inbox", 10 * SECOND, || async {
        customer_inbox(&stack)
            .await
            .into_iter()
            .find(|m| String::from_utf8_lossy(m).contains("The invoice is attached."))
    })
    .await;
    let cc = header(&reply, "Cc").unwrap_or_default();
    assert!(cc.contains(COLLEAGUE), "{cc}");
    for nobody in [STRANGER, STRANGERS_FRIEND] {
        let raw = String::from_utf8_lossy(&reply);
        let head = raw.split("\r\n\r\n").next().unwrap();
        assert!(!head.contains(nobody), "{nobody} got the reply: {head}");
    }

    let copy = mailbox(&stack, COLLEAGUE, "colleague-secret", "INBOX").await;
    assert!(
        copy.iter()
            .any(|m| String::from_utf8_lossy(m).contains("The invoice is attached.")),
        "the colleague has their copy"
    );

    let path = format!("/tickets/{id}/participants/{STRANGER}/accept");
    let (status, p) = call(&gw, reqwest::Method::POST, &path, None).await;
    assert_eq!((status, p["state"].as_str()), (200, Some("active")), "{p}");
    let (_, r) = call(
        &gw,
        reqwest::Method::GET,
        &format!("/tickets/{id}/recipients"),
        None,
    )
    .await;
    assert_eq!(
        emails(&r["cc"]),
        [COLLEAGUE, STRANGER],
        "accepted: copied from now on"
    );
    let gone = format!("/tickets/{id}/participants/{STRANGERS_FRIEND}");
    assert_eq!(call(&gw, reqwest::Method::DELETE, &gone, None).await.0, 204);
    assert_eq!(call(&gw, reqwest::Method::DELETE, &gone, None).await.0, 404);
    let bad = format!("/tickets/{id}/participants/not-an-address/accept");
    assert_eq!(call(&gw, reqwest::Method::POST, &bad, None).await.0, 422);
}
