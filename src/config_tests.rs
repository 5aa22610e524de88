use super::*;

const FULL: &str = r#"
database_url = "sqlite://file.db"
poll_interval = 10

[acknowledgement]
per_sender_per_hour = 5

[[email_domain]]
address = "Support@Example.COM"
name = "Example Support"
default_team = "Support"

[email_domain.imap]
host = "imap.example.com"
username = "support@example.com"
password_env = "IMAP_PW"
after = "move:Done"

[email_domain.smtp]
host = "smtp.example.com"
username = "support@example.com"
password = "inline-secret"
"#;

#[test]
fn a_full_file_reads_with_defaults_filled_in() {
    let c = Config::parse(FULL, &[("IMAP_PW", "from-env")]).unwrap();
    assert_eq!(c.database_url, "sqlite://file.db");
    assert_eq!(c.listen, DEFAULT_LISTEN);
    assert_eq!(c.poll_interval, Duration::from_secs(10));
    assert_eq!(c.acknowledgement.per_sender_per_hour, 5);
    assert!(c.acknowledgement.enabled);
    let d = &c.email_domains[0];
    assert_eq!(d.address.as_str(), "support@example.com");
    assert_eq!(d.default_team.as_deref(), Some("Support"));
    let imap = d.imap.as_ref().unwrap();
    assert_eq!((imap.port, imap.tls), (993, TlsMode::Tls));
    assert_eq!(imap.password.expose(), "from-env");
    assert_eq!(imap.folder, "INBOX");
    assert_eq!(imap.after, AfterAction::Move("Done".into()));
    let smtp = d.smtp.as_ref().unwrap();
    assert_eq!((smtp.port, smtp.tls), (587, TlsMode::Starttls));
    assert_eq!(smtp.password.as_ref().unwrap().expose(), "inline-secret");
}

#[test]
fn the_environment_wins_over_the_file() {
    let env = [
        ("IMAP_PW", "x"),
        ("POSTDESK_DATABASE_URL", "sqlite://env.db"),
        ("POSTDESK_POLL_INTERVAL", "3"),
        ("POSTDESK_LISTEN", "0.0.0.0:9000"),
    ];
    let c = Config::parse(FULL, &env).unwrap();
    assert_eq!(c.database_url, "sqlite://env.db");
    assert_eq!(c.poll_interval, Duration::from_secs(3));
    assert_eq!(c.listen, "0.0.0.0:9000");
}

#[test]
fn no_file_means_defaults() {
    let c = Config::parse("", &[]).unwrap();
    assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
    assert_eq!(c.poll_interval, Duration::from_secs(30));
    assert!(c.email_domains.is_empty());
    assert_eq!(c.max_message_bytes, DEFAULT_MAX_MESSAGE_BYTES);
    let small = Config::parse("max_message_bytes = 4000", &[]).unwrap();
    assert_eq!(small.max_message_bytes, 4000);
    assert!(Config::parse("max_message_bytes = 0", &[]).is_err());
    assert_eq!(c.auth_failures_per_minute, DEFAULT_AUTH_FAILURES_PER_MINUTE);
    let lenient = Config::parse("auth_failures_per_minute = 5000", &[]).unwrap();
    assert_eq!(lenient.auth_failures_per_minute, 5000);
}

#[test]
fn passwords_never_show_in_debug_output() {
    let c = Config::parse(FULL, &[("IMAP_PW", "from-env")]).unwrap();
    let printed = format!("{c:?}");
    assert!(!printed.contains("from-env") && !printed.contains("inline-secret"));
}

#[test]
fn a_password_file_is_read_without_its_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pw");
    std::fs::write(&path, "file-secret\n").unwrap();
    let text = FULL.replace(
        "password_env = \"IMAP_PW\"",
        &format!("password_file = {:?}", path.display().to_string()),
    );
    let c = Config::parse(&text, &[]).unwrap();
    let imap = c.email_domains[0].imap.as_ref().unwrap();
    assert_eq!(imap.password.expose(), "file-secret");
}

#[test]
fn mistakes_are_named() {
    let unset = format!("{:#}", Config::parse(FULL, &[]).unwrap_err());
    assert!(
        unset.contains("environment variable IMAP_PW is not set"),
        "{unset}"
    );
    let cases = [
        (
            FULL.replace("after = \"move:Done\"", "after = \"archive\""),
            "imap.after",
        ),
        (
            FULL.replace("Support@Example.COM", "not an address"),
            "not an email address",
        ),
        (format!("{FULL}\nunknown_key = 1"), "unknown field"),
        ("poll_interval = \"soon\"".into(), "line 1"),
        (
            FULL.replace("password = \"inline-secret\"", ""),
            "both username and a password",
        ),
    ];
    for (text, expected) in cases {
        let err = format!(
            "{:#}",
            Config::parse(&text, &[("IMAP_PW", "x")]).unwrap_err()
        );
        assert!(err.contains(expected), "{expected:?} not in {err:?}");
    }
}

#[test]
fn durations_read_in_their_units_and_refuse_the_rest() {
    let ok = [
        ("30m", 30 * 60),
        ("4h", 4 * 3600),
        ("2d", 2 * 86_400),
        ("45s", 45),
        ("1h30m", 5400),
        (" 12h ", 12 * 3600),
    ];
    for (text, secs) in ok {
        assert_eq!(
            parse_duration(text).unwrap(),
            Duration::from_secs(secs),
            "{text}"
        );
    }
    assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
    for bad in ["", "4", "h", "4 hours", "1.5h", "-3m", "0m", "4w"] {
        assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
    }
}

#[test]
fn sla_targets_come_from_the_file_and_the_environment() {
    let text = "[sla]\nlow = \"48h\"\nnormal = \"24h\"\nhigh = \"4h\"\n";
    let c = Config::parse(
        text,
        &[("POSTDESK_SLA_URGENT", "1h"), ("POSTDESK_SLA_LOW", "off")],
    )
    .unwrap();
    assert_eq!(c.sla.low, None);
    assert_eq!(c.sla.normal, Some(Duration::from_secs(24 * 3600)));
    assert_eq!(c.sla.high, Some(Duration::from_secs(4 * 3600)));
    assert_eq!(c.sla.urgent, Some(Duration::from_secs(3600)));
    assert!(
        Config::parse("", &[]).unwrap().sla.is_off(),
        "off by default"
    );
}

#[test]
fn sla_and_webhook_mistakes_name_the_key() {
    let cases = [
        ("[sla]\nmedium = \"4h\"", "unknown field `medium`"),
        ("[sla]\nhigh = \"soon\"", "sla.high"),
        ("[webhooks]\nretry_base = \"fast\"", "webhooks.retry_base"),
        ("[webhooks]\nmax_attempts = 0", "webhooks.max_attempts"),
    ];
    for (text, expected) in cases {
        let err = format!("{:#}", Config::parse(text, &[]).unwrap_err());
        assert!(err.contains(expected), "{expected:?} not in {err:?}");
    }
    let env = format!(
        "{:#}",
        Config::parse("", &[("POSTDESK_SLA_HIGH", "4x")]).unwrap_err()
    );
    assert!(env.contains("POSTDESK_SLA_HIGH"), "{env}");
}

#[test]
fn webhook_retry_timing_is_configurable() {
    let c = Config::parse(
        "[webhooks]\nmax_attempts = 3\nretry_base = \"50ms\"\npoll_interval = \"100ms\"\n",
        &[],
    )
    .unwrap();
    assert_eq!(c.webhooks.max_attempts, 3);
    assert_eq!(c.webhooks.retry_base, Duration::from_millis(50));
    assert_eq!(c.webhooks.poll_interval, Duration::from_millis(100));
    assert_eq!(c.webhooks.timeout, Duration::from_secs(10));
}

#[test]
fn the_shipped_example_file_reads() {
    let text = include_str!("../postdesk.example.toml");
    let env = [
        ("SUPPORT_IMAP_PASSWORD", "imap-secret"),
        ("SUPPORT_SMTP_PASSWORD", "smtp-secret"),
    ];
    let c = Config::parse(text, &env).expect("the example parses");
    assert_eq!(c.listen, "127.0.0.1:8080");
    assert_eq!(c.email_domains.len(), 1);
    assert_eq!(c.webhooks.max_attempts, 8);
}

#[test]
fn replies_wait_ten_seconds_to_be_taken_back_unless_configured() {
    assert_eq!(Config::parse("", &[]).unwrap().outbound.undo_secs, 10);
    let c = Config::parse("[outbound]\nundo_secs = 0", &[]).unwrap();
    assert_eq!(c.outbound.undo_secs, 0, "sent at once");
    let err = format!(
        "{:#}",
        Config::parse("[outbound]\nundo_secs = 601", &[]).unwrap_err()
    );
    assert!(err.contains("outbound.undo_secs"), "{err}");
}

#[test]
fn the_assistant_is_off_unless_configured_and_its_key_may_come_from_the_environment() {
    assert!(Config::parse("", &[]).unwrap().assist.is_none());
    let text = "[assist]\nbase_url = \"https://llm.example/v1/\"\nmodel = \"small\"\napi_key_env = \"LLM_KEY\"";
    let c = Config::parse(text, &[("LLM_KEY", "sk-env")]).unwrap();
    let a = c.assist.expect("configured");
    assert_eq!(
        a.base_url, "https://llm.example/v1",
        "the trailing slash goes"
    );
    assert_eq!(a.api_key.expect("a key").expose(), "sk-env");
    assert_eq!(a.timeout, Duration::from_secs(20));
    for (bad, says) in [
        (
            "[assist]\nbase_url = \"llm.example\"\nmodel = \"m\"",
            "assist.base_url",
        ),
        (
            "[assist]\nbase_url = \"http://x\"\nmodel = \" \"",
            "assist.model",
        ),
        (
            "[assist]\nbase_url = \"http://x\"\nmodel = \"m\"\ntimeout_secs = 0",
            "timeout_secs",
        ),
        (
            "[assist]\nbase_url = \"http://x\"\nmodel = \"m\"\napi_key = \"a\"\napi_key_env = \"B\"",
            "api_key_env",
        ),
    ] {
        let err = format!("{:#}", Config::parse(bad, &[]).unwrap_err());
        assert!(err.contains(says), "{bad}: {err}");
    }
}
