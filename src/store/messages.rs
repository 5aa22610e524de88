//! Inbound messages: rows, raw sources, attachments, participants.
use super::Tx;
use crate::ingest::Prepared;
use crate::mail::inspect::AddressJson;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{QueryBuilder, Sqlite};
use std::collections::{HashMap, HashSet};

use super::CHUNK;

fn addresses_json(list: &[crate::domain::Mailbox]) -> String {
    let list: Vec<AddressJson> = list.iter().map(AddressJson::from).collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

/// Stores the message of every item with a target ticket; returns, per
/// item, the stored message's id.
pub async fn insert_messages(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    targets: &[Option<i64>],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Option<i64>>> {
    let mut rows: Vec<(usize, i64)> = targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| Some((i, (*t)?)))
        .filter(|(i, _)| items[*i].mail.is_ok())
        .collect();
    // In ticket order (arrival order within a ticket): the search index
    // keys a message by its ticket first (migration 0007), and FTS5 writes
    // out what it holds whenever a key comes lower than the one before, so
    // replies to older tickets in arrival order would cost a segment each.
    rows.sort_by_key(|(_, ticket)| *ticket);
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (ticket_id, direction, message_id, in_reply_to, refs, from_address, from_name, to_addrs, cc_addrs, subject, body_text, reply_text, auto_kind, delivery_status, created_at) ",
        );
        q.push_values(chunk, |mut b, (i, ticket)| {
            let item = &items[*i];
            let Ok(mail) = &item.mail else {
                unreachable!("filtered above")
            };
            let from = mail.from.as_ref();
            let refs: Vec<String> = mail.references.iter().map(|r| r.to_string()).collect();
            b.push_bind(*ticket)
                .push_bind("inbound")
                .push_bind(item.message_id.as_str())
                .push_bind(mail.in_reply_to.first().map(|m| m.to_string()))
                .push_bind(refs.join(" "))
                .push_bind(from.map_or("", |f| f.address.as_str()))
                .push_bind(from.and_then(|f| f.name.as_deref()))
                .push_bind(addresses_json(&mail.to))
                .push_bind(addresses_json(&mail.cc))
                .push_bind(mail.subject.as_str())
                .push_bind(mail.text.as_str())
                .push_bind((mail.reply_text != mail.text).then_some(mail.reply_text.as_str()))
                .push_bind(mail.auto.map(|a| a.as_str()))
                .push_bind("received")
                .push_bind(now);
        });
        q.push(" RETURNING id, message_id");
        let got: Vec<(i64, String)> = q
            .build_query_as()
            .fetch_all(&mut **tx)
            .await
            .context("storing messages")?;
        ids.extend(got.into_iter().map(|(id, mid)| (mid, id)));
    }
    Ok(items
        .iter()
        .zip(targets)
        .map(|(item, t)| t.and_then(|_| ids.get(item.message_id.as_str()).copied()))
        .collect())
}

pub async fn insert_sources(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    stored: &[Option<i64>],
) -> anyhow::Result<()> {
    let rows: Vec<(i64, &[u8])> = stored
        .iter()
        .zip(items)
        .filter_map(|(id, item)| Some(((*id)?, item.raw.as_slice())))
        .collect();
    for chunk in rows.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO message_sources (message_id, raw) ");
        q.push_values(chunk, |mut b, (id, raw)| {
            b.push_bind(*id).push_bind(*raw);
        });
        q.build()
            .execute(&mut **tx)
            .await
            .context("keeping raw sources")?;
    }
    Ok(())
}

/// One attachment to list on a message, with its bytes.
pub struct AttachmentRow<'a> {
    pub message: i64,
    pub filename: Option<&'a str>,
    pub content_type: &'a str,
    pub data: &'a [u8],
    pub content_id: Option<&'a str>,
    pub inline: bool,
}

/// Attachment bytes are stored once per content hash; a part over the cap
/// is listed on its message with the reason its bytes were not kept.
pub async fn insert_attachments(
    tx: &mut Tx<'_>,
    items: &[Prepared],
    stored: &[Option<i64>],
    cap: usize,
) -> anyhow::Result<()> {
    let mut rows: Vec<AttachmentRow> = Vec::new();
    for (item, id) in items.iter().zip(stored) {
        let (Some(message), Ok(mail)) = (id, &item.mail) else {
            continue;
        };
        rows.extend(mail.attachments.iter().map(|part| AttachmentRow {
            message: *message,
            filename: part.filename.as_deref(),
            content_type: part.content_type.as_str(),
            data: &part.data,
            content_id: part.content_id.as_deref(),
            inline: part.inline,
        }));
    }
    insert_attachment_rows(tx, &rows, cap).await
}

/// Bytes of one attachment per stored piece: a download reads one piece at
/// a time (migration 0015).
pub const PIECE_BYTES: usize = 256 * 1024;

/// Stores each content's first piece with its hash and size, and the rest
/// as numbered pieces; content already stored is left as it is.
async fn insert_blobs(tx: &mut Tx<'_>, blobs: &[(String, &[u8])]) -> anyhow::Result<()> {
    let first = |data: &[u8]| data.chunks(PIECE_BYTES).next().unwrap_or_default().to_vec();
    for batch in blobs.chunks(64) {
        let mut q =
            QueryBuilder::<Sqlite>::new("INSERT INTO attachment_blobs (sha256, size, data) ");
        q.push_values(batch, |mut b, (hash, data)| {
            b.push_bind(hash.as_str())
                .push_bind(data.len() as i64)
                .push_bind(first(data));
        });
        q.push(" ON CONFLICT (sha256) DO NOTHING");
        q.build()
            .execute(&mut **tx)
            .await
            .context("storing attachment bytes")?;
    }
    let rest: Vec<(&str, i64, &[u8])> = blobs
        .iter()
        .flat_map(|(hash, data)| {
            data.chunks(PIECE_BYTES)
                .enumerate()
                .skip(1)
                .map(move |(seq, piece)| (hash.as_str(), seq as i64, piece))
        })
        .collect();
    for batch in rest.chunks(16) {
        let mut q =
            QueryBuilder::<Sqlite>::new("INSERT INTO attachment_chunks (sha256, seq, data) ");
        q.push_values(batch, |mut b, (hash, seq, piece)| {
            b.push_bind(*hash).push_bind(*seq).push_bind(*piece);
        });
        q.push(" ON CONFLICT (sha256, seq) DO NOTHING");
        q.build()
            .execute(&mut **tx)
            .await
            .context("storing attachment bytes")?;
    }
    Ok(())
}

/// Lists `rows` on their messages, keeping each distinct content once.
pub async fn insert_attachment_rows(
    tx: &mut Tx<'_>,
    rows: &[AttachmentRow<'_>],
    cap: usize,
) -> anyhow::Result<()> {
    let mut blobs: Vec<(String, &[u8])> = Vec::new();
    let mut seen = HashSet::new();
    let hashes: Vec<Option<String>> = rows
        .iter()
        .map(|r| {
            let sha256 = (r.data.len() <= cap)
                .then(|| data_encoding::HEXLOWER.encode(&Sha256::digest(r.data)));
            if let Some(h) = &sha256
                && seen.insert(h.clone())
            {
                blobs.push((h.clone(), r.data));
            }
            sha256
        })
        .collect();
    insert_blobs(tx, &blobs).await?;
    let listed: Vec<(&AttachmentRow, &Option<String>)> = rows.iter().zip(&hashes).collect();
    for chunk in listed.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO attachments (message_id, blob_sha256, filename, content_type, size, content_id, inline, omitted_reason) ",
        );
        q.push_values(chunk, |mut b, (r, sha256)| {
            let omitted = sha256
                .is_none()
                .then(|| format!("larger than the {cap}-byte limit"));
            b.push_bind(r.message)
                .push_bind(sha256.as_deref())
                .push_bind(r.filename)
                .push_bind(r.content_type)
                .push_bind(r.data.len() as i64)
                .push_bind(r.content_id)
                .push_bind(r.inline)
                .push_bind(omitted);
        });
        q.build()
            .execute(&mut **tx)
            .await
            .context("listing attachments")?;
    }
    Ok(())
}

/// An outbound message as the composer hands it to the store.
#[derive(Debug, Clone)]
pub struct Outbound {
    pub ticket_id: i64,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub from_address: String,
    pub from_name: Option<String>,
    pub to: Vec<crate::domain::Mailbox>,
    pub cc: Vec<crate::domain::Mailbox>,
    pub subject: String,
    pub body_text: String,
    /// `auto_reply` for our automatic answers (acknowledgements).
    pub auto_kind: Option<&'static str>,
    pub author_id: Option<i64>,
}

/// Stores an outbound message (queued for delivery); its Message-ID takes
/// part in threading from now on.
pub async fn insert_outbound(
    tx: &mut Tx<'_>,
    m: &Outbound,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let ids = insert_outbounds(tx, &[m], now).await?;
    ids.first()
        .copied()
        .context("storing an outbound message: no id came back")
}

/// Runs a multi-row INSERT of `rows` rows: their ids, in the order of its
/// values (one statement numbers its rows in that order; RETURNING need
/// not list them in it).
pub(super) async fn inserted_ids(
    tx: &mut Tx<'_>,
    mut insert: QueryBuilder<'_, Sqlite>,
    rows: usize,
    what: &str,
) -> anyhow::Result<Vec<i64>> {
    insert.push(" RETURNING id");
    let mut ids: Vec<i64> = insert
        .build_query_scalar()
        .fetch_all(&mut **tx)
        .await
        .context(what.to_owned())?;
    ids.sort_unstable();
    anyhow::ensure!(
        ids.len() == rows,
        "{what}: {} ids for {rows} rows",
        ids.len()
    );
    Ok(ids)
}

/// Stores outbound messages, a statement per [`CHUNK`]; their ids, in the
/// order given.
pub async fn insert_outbounds(
    tx: &mut Tx<'_>,
    messages: &[&Outbound],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(messages.len());
    for chunk in messages.chunks(CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO messages (ticket_id, direction, message_id, in_reply_to, refs, from_address, from_name, to_addrs, cc_addrs, subject, body_text, reply_text, auto_kind, author_id, delivery_status, created_at) ",
        );
        q.push_values(chunk, |mut b, m| {
            b.push_bind(m.ticket_id)
                .push("'outbound'")
                .push_bind(&m.message_id)
                .push_bind(m.in_reply_to.as_deref())
                .push_bind(m.references.join(" "))
                .push_bind(&m.from_address)
                .push_bind(m.from_name.as_deref())
                .push_bind(addresses_json(&m.to))
                .push_bind(addresses_json(&m.cc))
                .push_bind(&m.subject)
                .push_bind(&m.body_text)
                .push("NULL")
                .push_bind(m.auto_kind)
                .push_bind(m.author_id)
                .push("'queued'")
                .push_bind(now);
        });
        let got = inserted_ids(tx, q, chunk.len(), "storing outbound messages").await?;
        ids.extend(got);
    }
    Ok(ids)
}

impl super::Store {
    pub async fn add_outbound(&self, m: &Outbound) -> anyhow::Result<i64> {
        let mut tx = self.begin_write().await?;
        let id = insert_outbound(&mut tx, m, super::now()).await?;
        tx.commit().await?;
        Ok(id)
    }
}
