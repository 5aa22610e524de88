//! Two admins change different settings of one item at the same moment:
//! both changes stay, for every kind of item a PATCH merges into.
use super::Api;
use super::settings::created;
use serde_json::{Value, json};

/// An item to create, and two settings to change at once: each a key and
/// the value it gets in round `n`.
struct Case {
    path: &'static str,
    create: Value,
    first: (&'static str, fn(usize) -> Value),
    second: (&'static str, fn(usize) -> Value),
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            path: "/api/v1/agents",
            create: json!({"email": "ann@example.com", "name": "Ann"}),
            first: ("name", |n| json!(format!("Ann {n}"))),
            second: ("signature", |n| json!(format!("Ann, round {n}"))),
        },
        Case {
            path: "/api/v1/email-domains",
            create: json!({"address": "help@example.com", "name": "Help"}),
            first: ("name", |n| json!(format!("Help {n}"))),
            second: ("enabled", |n| json!(n % 2 == 0)),
        },
        Case {
            path: "/api/v1/templates",
            create: json!({"name": "thanks", "body": "Thanks"}),
            first: ("name", |n| json!(format!("thanks-{n}"))),
            second: ("body", |n| json!(format!("Thanks, round {n}"))),
        },
        Case {
            path: "/api/v1/tags",
            create: json!({"name": "vip"}),
            first: ("name", |n| json!(format!("vip-{n}"))),
            second: ("group", |n| json!(format!("group-{n}"))),
        },
        Case {
            path: "/api/v1/bans",
            create: json!({"pattern": "@spam.example", "reason": "spam"}),
            first: ("reason", |n| json!(format!("spam, round {n}"))),
            second: ("expires_at", |n| {
                json!(format!("2099-01-{:02}T00:00:00Z", n + 1))
            }),
        },
        Case {
            path: "/api/v1/fields",
            create: json!({"key": "plan", "label": "Plan", "type": "text"}),
            first: ("label", |n| json!(format!("Plan {n}"))),
            second: ("position", |n| json!(n)),
        },
    ]
}

#[tokio::test]
async fn concurrent_patches_of_different_settings_both_stay() {
    let api = Api::start().await;
    for case in cases() {
        let id = created(api.post(case.path, &case.create).await);
        let path = format!("{}/{id}", case.path);
        for round in 0..12 {
            let (a, b) = (case.first, case.second);
            let (one, other) = (json!({a.0: a.1(round)}), json!({b.0: b.1(round)}));
            let (first, second) = tokio::join!(api.patch(&path, &one), api.patch(&path, &other));
            first.expect(200);
            second.expect(200);
            let now = api.get(&path).await.expect(200);
            for (key, value) in [a, b] {
                let got = &now[key];
                let want = value(round);
                // Times come back to the microsecond.
                let same = got == &want
                    || (key == "expires_at"
                        && got.as_str().map(|t| t.replace(".000000", ""))
                            == want.as_str().map(String::from));
                assert!(same, "{path} round {round}: {key} is {got}, not {want}");
            }
        }
    }
    api.stop().await;
}
