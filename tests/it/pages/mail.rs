//! What mail brings and takes: hostile HTML, images, attachments both ways.
use super::*;

/// A 1×1 transparent PNG.
const PIXEL: [u8; 67] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// An image server on loopback that counts the requests it gets.
async fn counting_image_server() -> (std::sync::Arc<std::sync::atomic::AtomicUsize>, String) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/pixel.png",
        axum::routing::get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { ([("content-type", "image/png")], PIXEL.to_vec()) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/pixel.png", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (hits, url)
}

fn hostile_mail(image: &str, attachment: &[u8]) -> String {
    let b64 = data_encoding::BASE64.encode(attachment);
    let b64: Vec<&str> = b64
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let b64 = b64.join("\r\n");
    format!(
        "From: Carla Customer <{CUSTOMER}>\r\nTo: {SUPPORT}\r\nSubject: Hinge photo\r\n\
         Message-ID: <hinge-1@customer.example.net>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n\
         --alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe hinge broke, photo below.\r\n\
         --alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>The hinge <b>broke</b>, photo below.</p><script>window.pwned = 1</script>\
         <img src=\"x\" onerror=\"window.pwned = 2\"><a href=\"javascript:window.pwned = 3\">details</a>\
         <img src=\"{image}\" alt=\"hinge\">\r\n--alt--\r\n\
         --outer\r\nContent-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"receipt.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--outer--\r\n"
    )
}

/// A mail with a script, an event handler, a `javascript:` link and a
/// remote image: its original shows the text, runs nothing and loads
/// nothing until the agent loads images (then only through Postdesk); its
/// attachment downloads with its bytes intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hostile_mail_runs_nothing_and_loads_nothing_until_asked() {
    use std::sync::atomic::Ordering;
    let stack = stack();
    // The image server is on loopback, which the image fetcher refuses
    // unless the allow list names it.
    let gw = Gateway::start(&stack, "[webhooks]\nallow_targets = [\"127.0.0.1\"]").await;
    let id = gw
        .store()
        .create_agent(AGENT, "Bob Agent", "agent", "")
        .await
        .unwrap();
    passwords::set(gw.store(), id, PASSWORD.into())
        .await
        .unwrap();
    let desk = Desk { stack, gw };
    let (hits, image) = counting_image_server().await;
    let attachment: Vec<u8> = (0..5000u32).map(|n| (n * 7 % 256) as u8).collect();
    desk.stack
        .send(CUSTOMER, SUPPORT, &hostile_mail(&image, &attachment))
        .unwrap();
    let ticket = eventually("the mail is a ticket", WAIT, || async {
        desk.gw
            .store()
            .tickets()
            .await
            .unwrap()
            .first()
            .map(|t| t.id)
    })
    .await;

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.go(&format!("/tickets/{ticket}")).await;
    b.wait_text("The hinge broke, photo below.").await;
    let href =
        b.c.find(Locator::Css("a[href^='/attachments/']"))
            .await
            .unwrap();
    assert_eq!(href.text().await.unwrap(), "receipt.bin");
    let path = href.attr("href").await.unwrap().unwrap();
    let fetched =
        b.c.execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done({
                 status: r.status,
                 disposition: r.headers.get('content-disposition'),
                 bytes: Array.from(new Uint8Array(b)) })));",
            vec![serde_json::json!(path)],
        )
        .await
        .unwrap();
    assert_eq!(fetched["status"], 200);
    assert!(
        fetched["disposition"]
            .as_str()
            .unwrap()
            .starts_with("attachment; filename=\"receipt.bin\"")
    );
    let bytes: Vec<u8> = serde_json::from_value(fetched["bytes"].clone()).unwrap();
    assert!(bytes == attachment, "the bytes are intact");

    b.click("Show original").await;
    b.wait_text("1 remote image blocked").await;
    assert!(b.text().await.contains("The hinge broke"));
    let pwned =
        b.c.execute("return typeof window.pwned", vec![])
            .await
            .unwrap();
    assert_eq!(pwned, "undefined", "no script ran");
    assert_eq!(
        b.c.find_all(Locator::Css(".mail-html script, .mail-html [onerror]"))
            .await
            .unwrap()
            .len(),
        0
    );
    let link = b.c.find(Locator::Css(".mail-html a")).await.unwrap();
    assert_eq!(
        link.attr("href").await.unwrap(),
        None,
        "the javascript: link is gone"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing loaded from the sender's server"
    );
    assert!(b.loaded_only_from_here().await.is_empty());
    b.screenshot("original-blocked").await;

    b.click("load").await;
    eventually("the page with images", WAIT, || async {
        b.path().await.contains("images=1").then_some(())
    })
    .await;
    eventually("the image loads through Postdesk", WAIT, || async {
        let loaded = b
            .c
            .execute("const i = document.querySelector('.mail-html img[alt=hinge]'); return i && i.complete && i.naturalWidth", vec![])
            .await
            .unwrap();
        (loaded == 1).then_some(())
    })
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(
        b.loaded_only_from_here().await.is_empty(),
        "through our own URL"
    );
    b.close().await;
}

/// Files chosen in the composer go out with the reply; too much is refused
/// with a page that says how much is allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_carries_uploaded_attachments_and_too_much_is_refused_clearly() {
    let desk = Desk::start().await;
    let ticket = desk
        .customer_writes(
            "manual-1@customer.example.net",
            "Manual please",
            "Send the manual?",
        )
        .await;
    let files = tempfile::tempdir().unwrap();
    let manual = files.path().join("manual.txt");
    std::fs::write(&manual, "Step 1: unplug the printer.\n").unwrap();
    let huge = files.path().join("huge.bin");
    std::fs::write(&huge, vec![7u8; 33 * 1024 * 1024]).unwrap();

    let b = Browser::open(&desk.base(), 1280).await;
    log_in(&b, AGENT, PASSWORD).await;
    b.wait_text("Bob Agent").await;
    b.go(&format!("/tickets/{ticket}")).await;
    let upload =
        b.c.find(Locator::Css("input[name=attachments]"))
            .await
            .unwrap();
    upload
        .send_keys(&manual.display().to_string())
        .await
        .unwrap();
    compose(&b, "reply", "The manual is attached.").await;
    b.wait_text("manual.txt").await;
    let mail = eventually("the customer receives it", WAIT, || async {
        customer_inbox(&desk.stack)
            .await
            .into_iter()
            .find(|m| String::from_utf8_lossy(m).contains("The manual is attached."))
    })
    .await;
    let text = String::from_utf8_lossy(&mail);
    assert!(text.contains("filename=\"manual.txt\""), "{text}");

    let upload =
        b.c.find(Locator::Css("input[name=attachments]"))
            .await
            .unwrap();
    upload.send_keys(&huge.display().to_string()).await.unwrap();
    compose(&b, "reply", "Far too much.").await;
    b.wait_text("too large").await;
    assert!(
        b.text().await.contains("at most 32 MB"),
        "{}",
        b.text().await
    );
    b.close().await;
}
