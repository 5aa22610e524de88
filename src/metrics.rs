//! Prometheus metrics. The pipeline bumps counters through the `metrics`
//! facade (a no-op until [`install`] runs, as in CLI commands); `/metrics`
//! renders them with the gauges read at scrape time.
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const REQUEST_SECONDS: &str = "postdesk_http_request_duration_seconds";

/// Installs the process-wide recorder once; None when another recorder
/// was installed first (metrics then go there).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), &buckets)
                .ok()?
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed"))
                .ok()
        })
        .as_ref()
}

/// Inbound mail by outcome (created, appended, duplicate, banned, …).
pub fn emails_in(outcome: &'static str, n: u64) {
    metrics::counter!("postdesk_emails_in_total", "outcome" => outcome).increment(n);
}

/// Outbound mail by delivery result (sent, retrying, failed).
pub fn emails_out(status: &'static str, n: u64) {
    metrics::counter!("postdesk_emails_out_total", "status" => status).increment(n);
}

/// An acknowledgement given up on (its pending mark cleared, nothing sent),
/// by reason: `template` when its template was refused or failed to render.
pub fn acknowledgement_failed(reason: &'static str) {
    metrics::counter!("postdesk_acknowledgements_failed_total", "reason" => reason).increment(1);
}

/// A mailbox session that ended in an error.
pub fn poll_error(domain: &str) {
    metrics::counter!("postdesk_poll_errors_total", "domain" => domain.to_string()).increment(1);
}

/// Outbox rows waiting to go out by status (queued, retrying), read when
/// scraped; sent and failed mail is counted by [`emails_out`].
/// Emails in or out of one email domain over all time, as stored.
pub fn domain_emails(address: &str, direction: &'static str, n: i64) {
    metrics::counter!(
        "postdesk_domain_emails_total",
        "email_domain" => address.to_string(),
        "direction" => direction
    )
    .absolute(n.max(0) as u64);
}

pub fn outbox(status: &str, n: i64) {
    metrics::gauge!("postdesk_outbox_messages", "status" => status.to_string()).set(n as f64);
}

/// One answered HTTP request.
pub fn request(method: &str, route: &str, status: u16, seconds: f64) {
    metrics::histogram!(
        REQUEST_SECONDS,
        "method" => method.to_string(),
        "route" => route.to_string(),
        "status" => status.to_string()
    )
    .record(seconds);
}
