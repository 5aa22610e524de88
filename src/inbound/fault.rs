//! Fault points for crash tests: with `POSTDESK_FAULT=<name>` in the
//! environment, the process aborts when it reaches the point of that name,
//! as a power cut would stop it there; with `POSTDESK_FAULT=<name>:<n>`, when
//! it reaches it the n-th time. Unset, a point costs one load.
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

static FAULT: OnceLock<Option<(String, u64)>> = OnceLock::new();
static REACHED: AtomicU64 = AtomicU64::new(0);

pub fn point(name: &str) {
    let armed = FAULT.get_or_init(|| {
        let value = std::env::var("POSTDESK_FAULT").ok()?;
        parse(&value)
    });
    let Some((armed, nth)) = armed else { return };
    if armed == name && REACHED.fetch_add(1, Ordering::SeqCst) + 1 == *nth {
        eprintln!("postdesk: fault point {name} reached: aborting (POSTDESK_FAULT)");
        std::process::abort();
    }
}

/// `name` or `name:n` (n ≥ 1); anything else arms nothing.
fn parse(value: &str) -> Option<(String, u64)> {
    let (name, nth) = match value.rsplit_once(':') {
        Some((name, n)) => (name, n.parse().ok().filter(|n| *n >= 1)?),
        None => (value, 1),
    };
    (!name.is_empty()).then(|| (name.to_owned(), nth))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_fault_names_a_point_and_optionally_the_time_it_fires() {
        assert_eq!(parse("after_fetch"), Some(("after_fetch".into(), 1)));
        assert_eq!(parse("after_send:12"), Some(("after_send".into(), 12)));
        assert_eq!(parse("after_send:0"), None);
        assert_eq!(parse("after_send:x"), None);
        assert_eq!(parse(""), None);
    }
}
