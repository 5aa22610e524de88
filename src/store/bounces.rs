//! Bounces (delivery-status notifications) for our outbound mail. Anyone who
//! knows one of our Message-IDs can write a DSN, so a bounce counts only
//! when the recipient it reports on is one the message was sent to, and it
//! is shown as reported (who reported it, for whom), not as fact. Repeats
//! for the same message and recipient fold into the first event.
use super::Tx;
use super::ingest::{NewEvent, insert_events};
use crate::ingest::Prepared;
use crate::ingest::plan::{Decision, KnownMessage, Plan};
use crate::mail::bounce::BounceInfo;
use anyhow::Context;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// Marks each bounced outbound message failed with the reported words.
/// Returns, per item, the message (and ticket) a bounce was matched to.
pub(super) async fn record_bounces(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    plan: &Plan,
    now: DateTime<Utc>,
) -> anyhow::Result<HashMap<usize, KnownMessage>> {
    let mut matched = HashMap::new();
    let mut events = Vec::new();
    let mut folded = HashSet::new();
    for (i, decision) in plan.decisions.iter().enumerate() {
        let Decision::Bounce {
            original: Some(original),
        } = decision
        else {
            continue;
        };
        let Ok(mail) = &items[i].mail else { continue };
        let Some(info) = &mail.bounce else { continue };
        let Some(recipient) = sent_to(tx, original.id, info).await? else {
            continue;
        };
        matched.insert(i, *original);
        if !folded.insert((original.id, recipient.clone()))
            || reported_before(tx, original, &recipient).await?
        {
            continue;
        }
        let reporter = mail.from.as_ref().map_or("", |f| f.address.as_str());
        let error = format!(
            "reported by {reporter} for {recipient}: {}",
            info.diagnostic
        );
        sqlx::query(
            "UPDATE messages SET delivery_status = 'failed', delivery_error = $1 WHERE id = $2 AND direction = 'outbound'",
        )
        .bind(&error)
        .bind(original.id)
        .execute(&mut **tx)
        .await
        .context("marking a bounced message failed")?;
        let data = serde_json::json!({
            "message_id": original.id,
            "error": info.diagnostic,
            "recipient": recipient,
            "reported_by": reporter,
            "reported": true,
        });
        events.push(NewEvent::by(
            "system",
            original.ticket_id,
            "delivery_failed",
            data.to_string(),
        ));
    }
    insert_events(tx, &events, now).await?;
    Ok(matched)
}

/// The reported recipient, when message `id` was sent to it.
async fn sent_to(tx: &mut Tx<'_>, id: i64, info: &BounceInfo) -> anyhow::Result<Option<String>> {
    let Some(recipient) = info.recipient.as_deref().map(bare_address) else {
        return Ok(None);
    };
    let (to, cc): (String, String) =
        sqlx::query_as("SELECT to_addrs, cc_addrs FROM messages WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await
            .context("reading a bounced message's recipients")?;
    let ours = [to, cc].iter().any(|list| {
        serde_json::from_str::<Vec<serde_json::Value>>(list)
            .unwrap_or_default()
            .iter()
            .filter_map(|a| a["address"].as_str())
            .any(|a| a.eq_ignore_ascii_case(&recipient))
    });
    Ok(ours.then_some(recipient))
}

/// `<User@Example.com>` → `user@example.com`.
fn bare_address(text: &str) -> String {
    text.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_ascii_lowercase()
}

/// Whether a bounce for this message and recipient is already on its ticket.
async fn reported_before(
    tx: &mut Tx<'_>,
    original: &KnownMessage,
    recipient: &str,
) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM ticket_events WHERE ticket_id = $1 AND kind = 'delivery_failed'
           AND json_extract(data, '$.message_id') = $2 AND json_extract(data, '$.recipient') = $3",
    )
    .bind(original.ticket_id)
    .bind(original.id)
    .bind(recipient)
    .fetch_optional(&mut **tx)
    .await
    .context("looking for an earlier bounce")?;
    Ok(found.is_some())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reported_recipient_is_compared_bare_and_in_lower_case() {
        assert_eq!(
            super::bare_address(" <Dana@Example.COM> "),
            "dana@example.com"
        );
        assert_eq!(super::bare_address("dana@example.com"), "dana@example.com");
    }
}
