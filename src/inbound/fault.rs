//! Fault points for crash tests: with `POSTDESK_FAULT=<name>` in the
//! environment, the process aborts when it reaches the point of that name,
//! as a power cut would stop it there. Unset, a point costs one load.
use std::sync::OnceLock;

static FAULT: OnceLock<Option<String>> = OnceLock::new();

pub fn point(name: &str) {
    let armed = FAULT.get_or_init(|| {
        std::env::var("POSTDESK_FAULT")
            .ok()
            .filter(|v| !v.is_empty())
    });
    if armed.as_deref() == Some(name) {
        eprintln!("postdesk: fault point {name} reached: aborting (POSTDESK_FAULT)");
        std::process::abort();
    }
}
