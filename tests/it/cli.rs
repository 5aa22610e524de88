use crate::support::{fixture_path, postdesk_cli};
use serde_json::Value;

fn inspect(name: &str) -> Value {
    let out = postdesk_cli(&["inspect", fixture_path(name).to_str().unwrap()], &[]);
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("inspect prints JSON")
}

#[test]
fn inspect_prints_every_field_of_the_api_contract() {
    let v = inspect("gmail_reply.eml");
    for key in [
        "message_id",
        "in_reply_to",
        "references",
        "from",
        "from_domain",
        "to",
        "cc",
        "subject",
        "ticket_tag",
        "reply_token",
        "reply_text",
        "auto",
        "attachments",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["message_id"], "CAF=reply2@mail.gmail.com");
    assert_eq!(v["in_reply_to"], "CAF=k7qx2mAbC+123@mail.gmail.com");
    assert_eq!(v["references"][0], "CAF=k7qx2mAbC+123@mail.gmail.com");
    assert_eq!(v["from"]["address"], "jose.garcia@gmail.com");
    assert_eq!(v["from"]["name"], "José García");
    assert_eq!(v["to"][0]["address"], "support@example.com");
    assert_eq!(
        v["reply_text"],
        "Perdón, olvidé el número de seguimiento: ES123456789."
    );
    assert_eq!(v["auto"], Value::Null);
}

#[test]
fn inspect_decodes_real_client_shapes() {
    // (fixture, subject, from_domain, auto, ticket_tag, reply_text)
    let table = [
        (
            "gmail_new.eml",
            "Pedido nº 1234 no llegó",
            "gmail.com",
            Value::Null,
            Value::Null,
            "Hola,\n\nMi pedido nº 1234 no llegó. ¿Pueden ayudarme?\n\nGracias,\nJosé",
        ),
        (
            "outlook_reply_de.eml",
            "AW: Rechnung für März – falsch [#K7QX2M]",
            "firma.de",
            Value::Null,
            "K7QX2M".into(),
            "Hallo,\n\ndie Rechnung für März ist immer noch falsch – bitte korrigieren.\n\nMit freundlichen Grüßen\nJürgen Müller",
        ),
        (
            "apple_reply.eml",
            "Re: Commande 778",
            "dubois.fr",
            Value::Null,
            Value::Null,
            "Bonjour,\n\nLe colis est bien arrivé. Merci !",
        ),
        (
            "vacation.eml",
            "Automatic reply: Your ticket [#K7QX2M]",
            "smith-co.example",
            "auto_reply".into(),
            "K7QX2M".into(),
            "I am out of the office until Monday with limited access to email.",
        ),
        (
            "dsn_bounce.eml",
            "Undelivered Mail Returned to Sender",
            "mx.example.com",
            "bounce".into(),
            Value::Null,
            "This is the mail system at host mx.example.com.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.",
        ),
        (
            "list_mail.eml",
            "This week at Vendor",
            "lists.vendor.example",
            "list".into(),
            Value::Null,
            "Our new features this week.",
        ),
        (
            "loop.eml",
            "Re: We received your request [#ABC234]",
            "other-desk.example",
            "loop".into(),
            "ABC234".into(),
            "Thanks, we got it.",
        ),
    ];
    for (name, subject, domain, auto, tag, reply) in table {
        let v = inspect(name);
        assert_eq!(v["subject"], subject, "{name}");
        assert_eq!(v["from_domain"], domain, "{name}");
        assert_eq!(v["auto"], auto, "{name}");
        assert_eq!(v["ticket_tag"], tag, "{name}");
        assert_eq!(v["reply_text"], reply, "{name}");
    }
}

#[test]
fn inspect_turns_html_only_latin1_mail_into_text_without_the_quote() {
    let v = inspect("html_only_latin1.eml");
    assert_eq!(v["from"]["name"], "João Conceição");
    assert_eq!(v["subject"], "Não consigo acessar");
    let text = v["reply_text"].as_str().unwrap();
    assert!(
        text.starts_with("Olá,\n\nNão consigo acessar minha conta desde ontem."),
        "{text}"
    );
    assert!(text.contains("Chrome"), "{text}");
    assert!(!text.contains("escreveu"), "{text}");
    assert!(!text.contains("Como podemos ajudar"), "{text}");
    assert!(!text.contains("color"), "style must not leak: {text}");
}

#[test]
fn inspect_lists_attachments_and_inline_images() {
    let v = inspect("attachments.eml");
    let list = v["attachments"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["filename"], "screen.png");
    assert_eq!(list[0]["content_type"], "image/png");
    assert_eq!(list[0]["size"], 70);
    assert_eq!(list[1]["filename"], "fatura março.pdf");
    assert_eq!(list[1]["content_type"], "application/pdf");
    assert_eq!(v["cc"][0]["address"], "bruno@souza.example");
}

#[test]
fn inspect_shows_the_reply_token_found_in_a_plus_address() {
    assert_eq!(
        inspect("apple_reply.eml")["reply_token"],
        "k7qx2m-aaaaaaaaaa"
    );
    assert_eq!(inspect("gmail_new.eml")["reply_token"], Value::Null);
}

#[test]
fn inspect_survives_an_unknown_charset() {
    let v = inspect("unknown_charset.eml");
    assert!(v["reply_text"].as_str().unwrap().contains("au lait"));
}

#[test]
fn inspect_exits_2_with_a_clear_message_on_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.eml");
    std::fs::write(&empty, b"\r\n  \n").unwrap();
    let missing = dir.path().join("missing.eml");
    for (path, words) in [(&empty, "empty"), (&missing, "cannot read")] {
        let out = postdesk_cli(&["inspect", path.to_str().unwrap()], &[]);
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(words), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn inspect_into_a_pipe_closed_early_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.eml");
    let body = "A long line of customer text.\r\n".repeat(40_000);
    let raw = format!(
        "From: a@example.net\r\nTo: support@example.com\r\nSubject: long\r\nMessage-ID: <long@example.net>\r\n\r\n{body}"
    );
    std::fs::write(&path, raw).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_postdesk"))
        .args(["inspect", path.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // More than a pipe holds, and nobody reads it: the write meets a closed pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}
