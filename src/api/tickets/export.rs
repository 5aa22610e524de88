//! `GET tickets/export.csv`: every ticket the list filters select (not
//! paged), streamed as CSV while the store reads them.
use super::filters;
use super::list::ListParams;
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::ApiQuery;
use crate::api::time;
use crate::store::ticket_export::ExportRow;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tokio::sync::mpsc;

const HEADER: [&str; 15] = [
    "id",
    "short_id",
    "subject",
    "status",
    "priority",
    "requester_email",
    "requester_name",
    "from_domain",
    "assignee",
    "teams",
    "topic",
    "tags",
    "created_at",
    "updated_at",
    "due_at",
];

/// The tickets as CSV, one row each in the list's order (`page` and
/// `per_page` are accepted and ignored).
#[utoipa::path(get, path = "/tickets/export.csv", tag = "tickets", params(ListParams),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export_csv(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let req = filters::parse(&state.store, &caller, &params).await?;
    let fields: Vec<(i64, String)> = state
        .store
        .fields_in(crate::domain::FieldScope::Ticket)
        .await?
        .into_iter()
        .filter(|f| f.agent_access.seen_by(caller.role))
        .map(|f| (f.id, f.key))
        .collect();
    let keys: Vec<String> = fields.iter().map(|(_, k)| format!("field.{k}")).collect();
    let (tx, rx) = mpsc::channel::<Vec<ExportRow>>(4);
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let store = state.store.clone();
    tokio::spawn(async move {
        let outcome = store.export_tickets(&req.query, &tx).await;
        let _ = done_tx.send(outcome);
    });
    let header = header_bytes(&keys);
    let header = futures::stream::once(async { Ok::<_, std::io::Error>(header) });
    let ids: std::sync::Arc<[i64]> = fields.iter().map(|(id, _)| *id).collect();
    let body = header.chain(futures::stream::unfold(
        (Some(rx), Some(done_rx)),
        move |(rx, done)| {
            let ids = ids.clone();
            async move {
                let mut rx = rx?;
                match rx.recv().await {
                    Some(batch) => Some((Ok(rows_bytes(&batch, &ids)), (Some(rx), done))),
                    // The reader stopped: finish, or break the response off if it failed.
                    None => match done?.await {
                        Ok(Err(e)) => {
                            tracing::error!(error = %format!("{e:#}"), "CSV export failed");
                            Some((Err(std::io::Error::other("export failed")), (None, None)))
                        }
                        _ => None,
                    },
                }
            }
        },
    ));
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (CONTENT_DISPOSITION, "attachment; filename=\"tickets.csv\""),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// The fixed columns, then one per custom field (`field.<key>`).
fn header_bytes(field_keys: &[String]) -> Bytes {
    write_csv(|w| {
        w.write_record(
            HEADER
                .iter()
                .copied()
                .chain(field_keys.iter().map(|k| k.as_str())),
        )
    })
}

/// Each row's custom field values, in the order of `field_ids`.
fn field_cells(row: &ExportRow, field_ids: &[i64]) -> Vec<String> {
    let values: std::collections::HashMap<String, String> = row
        .fields
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    field_ids
        .iter()
        .map(|id| {
            values
                .get(&id.to_string())
                .map(|v| cell(v).into_owned())
                .unwrap_or_default()
        })
        .collect()
}

fn rows_bytes(rows: &[ExportRow], field_ids: &[i64]) -> Bytes {
    write_csv(|w| {
        for r in rows {
            let fields = field_cells(r, field_ids);
            let id = r.id.to_string();
            let fixed = [
                id.as_str(),
                &r.short_id,
                &cell(&r.subject),
                &r.status,
                &r.priority,
                &cell(&r.requester_email),
                &cell(r.requester_name.as_deref().unwrap_or("")),
                &r.from_domain,
                r.assignee.as_deref().unwrap_or(""),
                &cell(r.teams.as_deref().unwrap_or("")),
                &cell(r.topic.as_deref().unwrap_or("")),
                &cell(r.tags.as_deref().unwrap_or("")),
                &time::format(&r.created_at),
                &time::format(&r.updated_at),
                &r.due_at.as_ref().map(time::format).unwrap_or_default(),
            ];
            w.write_record(
                fixed
                    .iter()
                    .map(|c| c.as_ref())
                    .chain(fields.iter().map(|f| f.as_str())),
            )?;
        }
        Ok(())
    })
}

fn write_csv(write: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>) -> Bytes {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing into memory fails only on a bug; the rows written so far stand.
    if let Err(e) = write(&mut w) {
        tracing::error!(error = %e, "writing CSV");
    }
    Bytes::from(w.into_inner().unwrap_or_default())
}

/// Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR
/// first) gets a leading `'`: subjects and names come from strangers' mail.
fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_a_spreadsheet_would_evaluate_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-1+1"), "'-1+1");
        assert_eq!(cell("Refund = yes"), "Refund = yes");
        assert_eq!(cell(""), "");
    }
}
