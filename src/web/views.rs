//! What every page's layout needs, and small formatting shared by pages.
use super::assets;
use super::session::WebAgent;
use chrono::{DateTime, Utc};

/// The frame around a page: title, assets, and who is logged in.
pub struct Layout {
    pub title: String,
    pub css: String,
    pub js: String,
    pub me: Option<Me>,
}

pub struct Me {
    pub name: String,
    pub csrf: String,
    pub admin: bool,
}

impl Layout {
    pub fn public(title: &str) -> Self {
        Self {
            title: title.into(),
            css: assets::url("app", "css"),
            js: assets::url("app", "js"),
            me: None,
        }
    }

    pub fn for_agent(title: &str, agent: &WebAgent) -> Self {
        Self {
            me: Some(Me {
                name: agent.name.clone(),
                csrf: agent.csrf.clone(),
                admin: agent.is_admin(),
            }),
            ..Self::public(title)
        }
    }

    /// The CSRF token forms carry (empty when logged out).
    pub fn csrf(&self) -> &str {
        self.me.as_ref().map_or("", |m| m.csrf.as_str())
    }
}

/// `3 min`, `5 h`, `2 d`, or the date when older than a month.
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    match secs {
        s if s < 60 => "now".into(),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3600),
        s if s < 30 * 86_400 => format!("{} d", s / 86_400),
        _ => at.format("%Y-%m-%d").to_string(),
    }
}

/// A time as agents read it: `2026-12-07 14:03 UTC`.
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `in 3 h` or `5 h ago`, for a due time.
pub fn due(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if at >= now {
        format!("in {}", ago(now, at))
    } else {
        format!("{} ago", ago(at, now))
    }
}

/// `1.2 MB`, `340 KB`, `12 B`.
pub fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{} KB", b / 1_000),
        b => format!("{b} B"),
    }
}

/// `28,572`, or `1,000+` for a total counted up to a bound.
pub fn count(n: i64, at_least: bool) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if at_least {
        out.push('+');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn times_read_short() {
        let now = Utc::now();
        assert_eq!(ago(now - Duration::seconds(5), now), "now");
        assert_eq!(ago(now - Duration::minutes(7), now), "7 min");
        assert_eq!(ago(now - Duration::hours(5), now), "5 h");
        assert_eq!(ago(now - Duration::days(3), now), "3 d");
        assert_eq!(due(now + Duration::hours(2), now), "in 2 h");
        assert_eq!(due(now - Duration::hours(2), now), "2 h ago");
        assert_eq!(size(1_500_000), "1.5 MB");
        assert_eq!(size(2_048), "2 KB");
    }

    #[test]
    fn counts_group_thousands_and_mark_a_bound() {
        assert_eq!(count(0, false), "0");
        assert_eq!(count(999, false), "999");
        assert_eq!(count(28_572, false), "28,572");
        assert_eq!(count(1_000_000, false), "1,000,000");
        assert_eq!(count(1_000, true), "1,000+");
    }
}

/// What the pages offer to choose from, as (id, name): read the same way by
/// the inbox, the ticket page and the new-ticket page.
pub mod choices {
    use crate::store::Store;
    use crate::store::teams::Catalog;

    /// Agents who can be assigned (the active ones), by name.
    pub async fn active_agents(store: &Store) -> anyhow::Result<Vec<(i64, String)>> {
        Ok(store
            .agents()
            .await?
            .into_iter()
            .filter(|a| a.row.active)
            .map(|a| (a.row.id, a.row.name))
            .collect())
    }

    /// Teams or topics, by name.
    pub async fn named(store: &Store, catalog: Catalog) -> anyhow::Result<Vec<(i64, String)>> {
        let list = store.named_list(catalog).await?;
        Ok(list.into_iter().map(|n| (n.id, n.name)).collect())
    }

    /// The templates' names, for a reply or a first email.
    pub async fn template_names(store: &Store) -> anyhow::Result<Vec<String>> {
        Ok(store
            .templates()
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect())
    }
}

/// A textarea's text with the CRLF line ends browsers submit made LF, as
/// the API's callers write it.
pub fn unix_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The first value of `key` in a form or query given as pairs.
pub fn form_value<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// [`form_value`] trimmed, None when empty.
pub fn filled(form: &[(String, String)], key: &str) -> Option<String> {
    form_value(form, key)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}
