//! Is this mail written by a person, or by a machine? (RFC 3834 and what
//! real servers send.) Machine mail never triggers an automatic answer.
use regex::Regex;
use std::sync::LazyLock;

/// Why a mail is automatic. Serialised as in `postdesk inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoKind {
    AutoReply,
    Bounce,
    List,
    Loop,
}

impl AutoKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AutoKind::AutoReply => "auto_reply",
            AutoKind::Bounce => "bounce",
            AutoKind::List => "list",
            AutoKind::Loop => "loop",
        }
    }
}

/// The header facts classification looks at, lifted out of a parsed mail so
/// the rules stay a pure function with a table of tests.
#[derive(Debug, Default, Clone)]
pub struct Signals {
    pub auto_submitted: Option<String>,
    pub x_autoreply: bool,
    pub x_autorespond: bool,
    pub x_auto_response_suppress: bool,
    pub precedence: Option<String>,
    pub list_id: bool,
    pub list_unsubscribe: bool,
    /// `Return-Path: <>` present.
    pub null_return_path: bool,
    /// Content-Type multipart/report (any report type) at the top.
    pub report: bool,
    /// Local part of From, lowercased.
    pub from_local: Option<String>,
    pub subject: String,
    /// Our own loop header (`X-Postdesk-Loop`) is present.
    pub our_loop_header: bool,
}

/// The header Postdesk puts on every mail it sends.
pub const LOOP_HEADER: &str = "X-Postdesk-Loop";

static VACATION_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(
            auto(matic)?[\s_-]*(reply|response|answer)\b | autoreply\b | auto: |
            out\ of\ (the\ )?office\b | on\ vacation\b | away\ from\ (my\ )?(office|desk) |
            respuesta\ autom[aá]tica | fuera\ de\ la\ oficina |
            resposta\ autom[aá]tica | fora\ do\ escrit[oó]rio | aus[eê]ncia\ tempor[aá]ria |
            r[eé]ponse\ automatique | absent(e)?\ du\ bureau | message\ d['’]absence |
            automatische\ antwort | abwesenheitsnotiz | abwesend\b | au[sß]er\ haus |
            risposta\ automatica | fuori\ sede | automatisch\ antwoord | afwezig
        )",
    )
    .expect("vacation subject regex")
});

static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(undeliver(able|ed)|delivery (status notification|failure|has failed)|mail delivery (failed|subsystem)|returned mail|failure notice|non-?delivery)",
    )
    .expect("bounce subject regex")
});

pub fn classify(s: &Signals) -> Option<AutoKind> {
    if s.our_loop_header {
        return Some(AutoKind::Loop);
    }
    let daemon = s.from_local.as_deref().is_some_and(|l| {
        matches!(
            l,
            "mailer-daemon" | "postmaster" | "mail-daemon" | "mailerdaemon"
        )
    });
    if s.report || (daemon && (s.null_return_path || BOUNCE_SUBJECT.is_match(&s.subject))) {
        return Some(AutoKind::Bounce);
    }
    if is_auto_reply(s) {
        return Some(AutoKind::AutoReply);
    }
    let bulk = s.precedence.as_deref().is_some_and(|p| {
        let p = p.trim().to_ascii_lowercase();
        p == "bulk" || p == "list" || p == "junk"
    });
    if s.list_id || s.list_unsubscribe || bulk {
        return Some(AutoKind::List);
    }
    if s.null_return_path || daemon {
        return Some(AutoKind::Bounce);
    }
    None
}

fn is_auto_reply(s: &Signals) -> bool {
    let auto_submitted = s
        .auto_submitted
        .as_deref()
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| !v.is_empty() && v != "no");
    let precedence_auto = s
        .precedence
        .as_deref()
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("auto_reply"));
    auto_submitted
        || s.x_autoreply
        || s.x_autorespond
        || s.x_auto_response_suppress
        || precedence_auto
        || VACATION_SUBJECT.is_match(&s.subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(s: &str) -> Signals {
        Signals {
            subject: s.into(),
            ..Default::default()
        }
    }

    #[test]
    fn classification_table() {
        let person = subject("Invoice question");
        let table: Vec<(&str, Signals, Option<AutoKind>)> = vec![
            ("plain person mail", person.clone(), None),
            (
                "auto-submitted no",
                Signals {
                    auto_submitted: Some("no".into()),
                    ..person.clone()
                },
                None,
            ),
            (
                "auto-submitted auto-replied",
                Signals {
                    auto_submitted: Some("auto-replied".into()),
                    ..person.clone()
                },
                Some(AutoKind::AutoReply),
            ),
            (
                "auto-submitted auto-generated with params",
                Signals {
                    auto_submitted: Some("Auto-Generated; foo=bar".into()),
                    ..person.clone()
                },
                Some(AutoKind::AutoReply),
            ),
            (
                "x-autoreply",
                Signals {
                    x_autoreply: true,
                    ..person.clone()
                },
                Some(AutoKind::AutoReply),
            ),
            (
                "x-autorespond",
                Signals {
                    x_autorespond: true,
                    ..person.clone()
                },
                Some(AutoKind::AutoReply),
            ),
            (
                "x-auto-response-suppress",
                Signals {
                    x_auto_response_suppress: true,
                    ..person.clone()
                },
                Some(AutoKind::AutoReply),
            ),
            (
                "precedence auto_reply",
                Signals {
                    precedence: Some("auto_reply".into()),
                    ..person.clone()
                },
                Some(AutoKind::AutoReply),
            ),
            (
                "out of office subject",
                subject("Out of Office: Invoice question"),
                Some(AutoKind::AutoReply),
            ),
            (
                "outlook automatic reply",
                subject("Automatic reply: Invoice question"),
                Some(AutoKind::AutoReply),
            ),
            (
                "gmail auto subject",
                subject("Auto: Re: your ticket"),
                Some(AutoKind::AutoReply),
            ),
            (
                "spanish",
                subject("Respuesta automática: Re: pedido"),
                Some(AutoKind::AutoReply),
            ),
            (
                "portuguese",
                subject("Resposta automática: pedido"),
                Some(AutoKind::AutoReply),
            ),
            (
                "french",
                subject("Réponse automatique : commande"),
                Some(AutoKind::AutoReply),
            ),
            (
                "german",
                subject("Abwesenheitsnotiz: Bestellung"),
                Some(AutoKind::AutoReply),
            ),
            (
                "german 2",
                subject("Automatische Antwort: Bestellung"),
                Some(AutoKind::AutoReply),
            ),
            (
                "word office in normal subject",
                subject("Office chair broken"),
                None,
            ),
            (
                "list-id",
                Signals {
                    list_id: true,
                    ..person.clone()
                },
                Some(AutoKind::List),
            ),
            (
                "list-unsubscribe",
                Signals {
                    list_unsubscribe: true,
                    ..person.clone()
                },
                Some(AutoKind::List),
            ),
            (
                "precedence bulk",
                Signals {
                    precedence: Some("bulk".into()),
                    ..person.clone()
                },
                Some(AutoKind::List),
            ),
            (
                "precedence junk",
                Signals {
                    precedence: Some(" Junk ".into()),
                    ..person.clone()
                },
                Some(AutoKind::List),
            ),
            (
                "precedence list",
                Signals {
                    precedence: Some("list".into()),
                    ..person.clone()
                },
                Some(AutoKind::List),
            ),
            (
                "multipart/report",
                Signals {
                    report: true,
                    auto_submitted: Some("auto-replied".into()),
                    ..person.clone()
                },
                Some(AutoKind::Bounce),
            ),
            (
                "mailer-daemon with null return path",
                Signals {
                    from_local: Some("mailer-daemon".into()),
                    null_return_path: true,
                    ..person.clone()
                },
                Some(AutoKind::Bounce),
            ),
            (
                "postmaster undeliverable",
                Signals {
                    from_local: Some("postmaster".into()),
                    ..subject("Undeliverable: Invoice")
                },
                Some(AutoKind::Bounce),
            ),
            (
                "null return path alone",
                Signals {
                    null_return_path: true,
                    ..person.clone()
                },
                Some(AutoKind::Bounce),
            ),
            (
                "null return path vacation is an auto reply",
                Signals {
                    null_return_path: true,
                    ..subject("Out of office")
                },
                Some(AutoKind::AutoReply),
            ),
            (
                "our loop header beats everything",
                Signals {
                    our_loop_header: true,
                    report: true,
                    ..person.clone()
                },
                Some(AutoKind::Loop),
            ),
        ];
        for (name, signals, expected) in table {
            assert_eq!(classify(&signals), expected, "{name}");
        }
    }
}
