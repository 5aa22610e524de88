//! Service levels: a first-response target per priority. A ticket opened
//! from mail is due `target(priority)` after it arrived; a customer reply
//! starts the clock again when none is running. A background task marks
//! open and pending tickets past their due time `overdue`; an agent's reply
//! stops the clock (see `store::sla`).
use crate::domain::Priority;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::sync::watch;

/// How often [`run`] looks for tickets past due.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);
/// After a store error, [`run`] tries again after this pause.
const ERROR_PAUSE: Duration = Duration::from_secs(15);

/// First-response targets; a priority without one has no service level.
/// The default has none: SLA is off until configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaTargets {
    pub low: Option<Duration>,
    pub normal: Option<Duration>,
    pub high: Option<Duration>,
    pub urgent: Option<Duration>,
}

impl SlaTargets {
    pub fn target(&self, priority: Priority) -> Option<Duration> {
        match priority {
            Priority::Low => self.low,
            Priority::Normal => self.normal,
            Priority::High => self.high,
            Priority::Urgent => self.urgent,
        }
    }

    /// When a ticket of `priority` whose clock starts at `from` is due.
    pub fn due_from(&self, priority: Priority, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let target = chrono::Duration::from_std(self.target(priority)?).ok()?;
        from.checked_add_signed(target)
    }

    pub fn is_off(&self) -> bool {
        *self == Self::default()
    }
}

/// One step: marks open and pending tickets due at or before `now`
/// overdue, each with an `overdue` event. Returns how many.
pub async fn mark_overdue(store: &Store, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let marked = store.mark_overdue(now).await?;
    if marked > 0 {
        tracing::info!(tickets = marked, "tickets are now overdue");
    }
    Ok(marked)
}

/// Opens snoozed tickets whose time has come.
pub async fn wake_snoozed(store: &Store, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let woken = store.wake_snoozed(now).await?;
    if woken > 0 {
        tracing::info!(tickets = woken, "snoozed tickets are open again");
    }
    Ok(woken)
}

/// Marks tickets overdue and ends snoozes every [`CHECK_EVERY`] until
/// `shutdown` turns true.
pub async fn run(store: Store, mut shutdown: watch::Receiver<bool>) {
    loop {
        let now = crate::store::now();
        let done = async {
            mark_overdue(&store, now).await?;
            wake_snoozed(&store, now).await
        };
        let pause = match done.await {
            Ok(_) => CHECK_EVERY,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "the ticket clocks failed");
                ERROR_PAUSE
            }
        };
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_priority_without_a_target_is_never_due() {
        let targets = SlaTargets {
            high: Some(Duration::from_secs(4 * 3600)),
            ..SlaTargets::default()
        };
        let from = DateTime::parse_from_rfc3339("2025-03-01T10:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            targets.due_from(Priority::High, from).unwrap().to_rfc3339(),
            "2025-03-01T14:00:00+00:00"
        );
        assert_eq!(targets.due_from(Priority::Normal, from), None);
        assert!(!targets.is_off());
        assert!(SlaTargets::default().is_off());
    }
}
