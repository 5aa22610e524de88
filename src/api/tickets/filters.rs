//! The query string of `GET tickets` (and its CSV export) parsed into a
//! [`TicketQuery`] and a page. Unknown parameters are a 400; values that
//! cannot be used are a 422 naming the parameter.
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult};
use crate::domain::{FieldScope, FieldType, Priority, Role, Status};
use crate::store::Store;
use crate::store::search::match_terms;
use crate::store::teams::Catalog;
use crate::store::ticket_list::{Cond, Sort, SortKey, TicketQuery};
use serde_json::Value;
use std::collections::HashSet;

pub const DEFAULT_PER_PAGE: i64 = 25;
pub const MAX_PER_PAGE: i64 = 100;
/// Deeper pages cost a scan of every row before them.
pub const MAX_PAGE: i64 = 100_000;
/// Longest keyword search, in characters, and most words in one.
pub const MAX_Q_CHARS: usize = 500;
pub const MAX_Q_WORDS: usize = 10;

/// What a list request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    pub query: TicketQuery,
    pub page: i64,
    pub per_page: i64,
}

impl ListRequest {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

/// Parameters that may repeat (their values add up).
const LISTS: &[&str] = &["status", "priority"];

/// Parses every parameter; field filters look their definitions up.
pub async fn parse(
    store: &Store,
    caller: &Caller,
    params: &[(String, String)],
) -> ApiResult<ListRequest> {
    let mut req = ListRequest {
        query: TicketQuery::default(),
        page: 1,
        per_page: DEFAULT_PER_PAGE,
    };
    let mut seen = HashSet::new();
    for (key, value) in params {
        if !seen.insert(key.as_str()) && !LISTS.contains(&key.as_str()) {
            return Err(ApiError::bad_request(format!("{key} is given more than once")).field(key));
        }
        if let Some(field) = key.strip_prefix("field.") {
            let cond = field_cond(store, caller.role, field, value).await?;
            req.query.conds.push(cond);
        } else if NAMED.contains(&key.as_str()) {
            let cond = list_cond(store, caller, key, value).await?;
            req.query.conds.push(cond);
        } else {
            parse_param(&mut req, caller, key, value)?;
        }
    }
    Ok(req)
}

fn parse_param(req: &mut ListRequest, caller: &Caller, key: &str, value: &str) -> ApiResult<()> {
    let cond = match key {
        "status" => Cond::Status(comma_list(key, value, Status::parse)?),
        "priority" => Cond::Priority(comma_list(key, value, Priority::parse)?),
        "from_domain" => Cond::FromDomain(name(key, value)?.to_lowercase()),
        "channel" => Cond::Channel(name(key, value)?),
        "linked_conversation" => Cond::Linked(match value {
            "none" => None,
            v => Some(name(key, v)?),
        }),
        "folder" => match folder(caller, value)? {
            Some(cond) => cond,
            None => return Ok(()),
        },
        "q" => {
            req.query.conds.extend(text(value)?);
            return Ok(());
        }
        "sort" => {
            req.query.sort = sort(value)?;
            return Ok(());
        }
        "page" => {
            req.page = number(key, value, 1, MAX_PAGE)?;
            return Ok(());
        }
        "per_page" => {
            req.per_page = number(key, value, 1, MAX_PER_PAGE)?;
            return Ok(());
        }
        _ => {
            return Err(ApiError::bad_request(format!(
                "unknown parameter {key:?}: filters are status, assignee, team, tag, topic, \
                 priority, from_domain, channel, linked_conversation, field.<key>, created_by, \
                 folder, q, sort, page, per_page"
            ))
            .field(key));
        }
    };
    add(&mut req.query.conds, cond);
    Ok(())
}

/// Adds a condition; a repeated status or priority widens the one before.
fn add(conds: &mut Vec<Cond>, cond: Cond) {
    for c in conds.iter_mut() {
        match (c, &cond) {
            (Cond::Status(have), Cond::Status(more)) => {
                have.extend(
                    more.iter()
                        .filter(|s| !have.contains(s))
                        .collect::<Vec<_>>(),
                );
                return;
            }
            (Cond::Priority(have), Cond::Priority(more)) => {
                have.extend(
                    more.iter()
                        .filter(|p| !have.contains(p))
                        .collect::<Vec<_>>(),
                );
                return;
            }
            _ => {}
        }
    }
    conds.push(cond);
}

fn comma_list<T: PartialEq>(
    key: &str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, crate::domain::Invalid>,
) -> ApiResult<Vec<T>> {
    let mut out = Vec::new();
    for part in value.split(',').map(str::trim) {
        let v = parse(part).map_err(|e| ApiError::invalid(key, e.0))?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Filters that take one value or a comma list of them, each an id, a
/// name where the thing has one, `none`, or (for people) `me`.
const NAMED: &[&str] = &["assignee", "created_by", "team", "topic", "tag"];
/// Most values in one comma list.
pub const MAX_LIST: usize = 50;

/// `team=1,3`, `tag=a,b`, `topic=Billing`, `assignee=me,none`: tickets
/// meeting any of the values. A tag whose own name holds a comma is taken
/// whole.
async fn list_cond(store: &Store, caller: &Caller, key: &str, value: &str) -> ApiResult<Cond> {
    let whole_tag = key == "tag" && value.contains(',') && store.tag_named(value).await?;
    let parts: Vec<&str> = if whole_tag {
        vec![value]
    } else {
        value.split(',').map(str::trim).collect()
    };
    if parts.len() > MAX_LIST {
        return Err(ApiError::invalid(
            key,
            format!("{key} may list at most {MAX_LIST} values"),
        ));
    }
    let mut conds: Vec<Cond> = Vec::new();
    for part in parts {
        let cond = one_value(store, caller, key, part).await?;
        if !conds.contains(&cond) {
            conds.push(cond);
        }
    }
    Ok(match <[Cond; 1]>::try_from(conds) {
        Ok([one]) => one,
        Err(many) => Cond::AnyOf(many),
    })
}

async fn one_value(store: &Store, caller: &Caller, key: &str, value: &str) -> ApiResult<Cond> {
    let me = || me(caller).map(Some).map_err(|e| e.field(key));
    Ok(match key {
        "assignee" if value == "me" => Cond::Assignee(me()?),
        "assignee" => Cond::Assignee(id_or_none(key, value)?),
        "created_by" if value == "me" => Cond::CreatedBy(me()?),
        "created_by" => Cond::CreatedBy(id_or_none(key, value)?),
        "team" => Cond::Team(named_id(store, Catalog::Teams, key, value).await?),
        "topic" => Cond::Topic(named_id(store, Catalog::Topics, key, value).await?),
        _ => Cond::Tag((value != "none").then(|| name(key, value)).transpose()?),
    })
}

/// An id, `none`, or the name of a team or topic. A name that no team
/// (topic) has selects no ticket, as an id that none has does.
async fn named_id(
    store: &Store,
    catalog: Catalog,
    key: &str,
    value: &str,
) -> ApiResult<Option<i64>> {
    if value == "none" {
        return Ok(None);
    }
    if let Some(id) = id(value) {
        return Ok(Some(id));
    }
    let name = name(key, value)?;
    Ok(Some(
        store.named_id(catalog, &name).await?.unwrap_or(NO_ROW),
    ))
}

/// An id no row has (SQLite's start at 1; the kept counts file "none"
/// under 0).
const NO_ROW: i64 = -1;

/// Most digits of an id in a query: every such number fits an i64.
pub const MAX_ID_DIGITS: usize = 18;

/// An id as the list's parameters spell it: 1 to [`MAX_ID_DIGITS`] ASCII
/// digits, nothing else (no sign).
pub fn id(value: &str) -> Option<i64> {
    let digits =
        (1..=MAX_ID_DIGITS).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| value.parse().ok()).flatten()
}

/// One part of `assignee` or `created_by` (`me` is read before).
pub fn id_or_none(key: &str, value: &str) -> ApiResult<Option<i64>> {
    if value == "none" {
        return Ok(None);
    }
    id(value).map(Some).ok_or_else(|| {
        ApiError::invalid(
            key,
            format!("{key} must be me, an id or none, not {value:?}"),
        )
    })
}

/// The agent the caller acts for.
fn me(caller: &Caller) -> ApiResult<i64> {
    caller.agent_id.ok_or_else(|| {
        ApiError::invalid(
            "assignee",
            "this token acts for no agent, so it has no \"me\"",
        )
    })
}

pub fn name(key: &str, value: &str) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(
            key,
            format!("{key} must hold something other than spaces"),
        ));
    }
    Ok(value.to_string())
}

pub fn number(key: &str, value: &str, min: i64, max: i64) -> ApiResult<i64> {
    let n: i64 = value.parse().map_err(|_| {
        ApiError::bad_request(format!("{key} must be a whole number, not {value:?}")).field(key)
    })?;
    if !(min..=max).contains(&n) {
        return Err(ApiError::invalid(
            key,
            format!("{key} must be between {min} and {max}, not {n}"),
        ));
    }
    Ok(n)
}

/// `all`, `unassigned`, `mine`, `snoozed` or `team:<id>`: the same as the
/// matching filter (None for all).
fn folder(caller: &Caller, value: &str) -> ApiResult<Option<Cond>> {
    let bad = || {
        ApiError::invalid(
            "folder",
            format!("folder must be all, unassigned, mine, snoozed or team:<id>, not {value:?}"),
        )
    };
    Ok(Some(match value {
        "all" => return Ok(None),
        "unassigned" => Cond::Assignee(None),
        "mine" => Cond::Assignee(Some(me(caller).map_err(|e| e.field("folder"))?)),
        "snoozed" => Cond::Snoozed,
        _ => {
            let id = value.strip_prefix("team:").ok_or_else(bad)?;
            Cond::Team(Some(self::id(id).ok_or_else(bad)?))
        }
    }))
}

/// None when `q` holds no word to look for.
/// One condition per word; none for a search without a word.
fn text(value: &str) -> ApiResult<Vec<Cond>> {
    if value.chars().count() > MAX_Q_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("q must be at most {MAX_Q_CHARS} characters"),
        ));
    }
    let terms = match_terms(value);
    if terms.len() > MAX_Q_WORDS {
        return Err(ApiError::invalid(
            "q",
            format!("q may hold at most {MAX_Q_WORDS} words"),
        ));
    }
    Ok(terms.into_iter().map(Cond::Text).collect())
}

fn sort(value: &str) -> ApiResult<Sort> {
    let (descending, name) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let key = match name {
        "created_at" => SortKey::CreatedAt,
        "updated_at" => SortKey::UpdatedAt,
        "due_at" => SortKey::DueAt,
        "priority" => SortKey::Priority,
        _ => {
            return Err(ApiError::invalid(
                "sort",
                format!(
                    "sort must be created_at, updated_at, due_at or priority, \
                     optionally after - for descending, not {value:?}"
                ),
            ));
        }
    };
    Ok(Sort { key, descending })
}

/// `field.<key>=value|none`: the value is checked and stored as the field's
/// type says, so it compares with what tickets hold.
async fn field_cond(store: &Store, role: Role, key: &str, value: &str) -> ApiResult<Cond> {
    let (id, value) = field_filter(store, FieldScope::Ticket, role, key, value).await?;
    Ok(Cond::Field { id, value })
}

/// A `field.<key>=value|none` filter on `scope`'s fields: the field's id
/// and the value as stored (None: without a value). A field someone of
/// `role` does not see is no field to them.
pub async fn field_filter(
    store: &Store,
    scope: FieldScope,
    role: Role,
    key: &str,
    value: &str,
) -> ApiResult<(i64, Option<String>)> {
    let param = format!("field.{key}");
    let def = store
        .fields_in(scope)
        .await?
        .into_iter()
        .find(|d| d.key == key && d.agent_access.seen_by(role))
        .ok_or_else(|| ApiError::invalid(&param, format!("there is no custom field {key:?}")))?;
    if value == "none" {
        return Ok((def.id, None));
    }
    let kind = def.field_type;
    let json = match (kind, value) {
        (FieldType::Checkbox, "true") => Value::Bool(true),
        (FieldType::Checkbox, "false") => Value::Bool(false),
        _ => Value::String(value.to_string()),
    };
    let stored = kind
        .store(&json, &def.options)
        .map_err(|e| ApiError::invalid(&param, format!("{param} {}", e.0)))?;
    Ok((def.id, Some(stored)))
}
