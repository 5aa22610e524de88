//! `GET usage?period=day|month`: emails in and out per email domain per
//! day (the last 31 days) or month (the last 12), as the admin page shows
//! them.
use crate::api::AppState;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::ApiQuery;
use crate::store::Store;
use crate::store::email_usage::{Period, UsageRow};
use axum::Json;
use axum::extract::State;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_usage))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageItem {
    pub email_domain_id: i64,
    /// The domain's address; null once the domain is deleted.
    pub address: Option<String>,
    /// `YYYY-MM-DD` (day) or `YYYY-MM` (month), UTC.
    pub period: String,
    /// Mail fetched from the domain's mailbox (duplicates not counted).
    pub emails_in: i64,
    /// Mail the domain sent (replies, outbound tickets, acknowledgements).
    pub emails_out: i64,
}

impl From<UsageRow> for UsageItem {
    fn from(r: UsageRow) -> Self {
        Self {
            email_domain_id: r.email_domain_id,
            address: r.address,
            period: r.period,
            emails_in: r.emails_in,
            emails_out: r.emails_out,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    /// day | month
    pub period: String,
    /// Newest period first; periods without mail are left out.
    pub items: Vec<UsageItem>,
}

/// The query of `GET usage` (documentation only).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UsageParams {
    /// day (the last 31 days, the default) or month (the last 12 months).
    #[param(pattern = "^(day|month)?$")]
    period: Option<String>,
}

/// Emails in and out per email domain per period.
#[utoipa::path(get, path = "/usage", tag = "usage", params(UsageParams),
    responses((status = 200, body = Usage), (status = 400, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn get_usage(
    State(s): State<AppState>,
    _c: Caller,
    ApiQuery(params): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Json<Usage>> {
    let mut period = Period::Day;
    for (key, value) in &params {
        match (key.as_str(), value.as_str()) {
            ("period", "day") => period = Period::Day,
            ("period", "month") => period = Period::Month,
            ("period", other) => {
                return Err(ApiError::invalid(
                    "period",
                    format!("period must be day or month, not {other:?}"),
                ));
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter {key:?}: this takes period"
                ))
                .field(key));
            }
        }
    }
    Ok(Json(usage(&s.store, period).await?))
}

/// The usage of the last 31 days or 12 months (the API's and the page's).
pub async fn usage(store: &Store, period: Period) -> ApiResult<Usage> {
    let since = since(period, Utc::now().date_naive());
    let rows = store.email_usage(period, &since.to_string()).await?;
    Ok(Usage {
        period: period.as_str().into(),
        items: rows.into_iter().map(UsageItem::from).collect(),
    })
}

/// The first day counted: 30 days before `today`, or the first of the
/// month 11 months before it.
fn since(period: Period, today: NaiveDate) -> NaiveDate {
    match period {
        Period::Day => today - Duration::days(30),
        Period::Month => {
            let months = today.year() * 12 + today.month0() as i32 - 11;
            NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
                .unwrap_or(today)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_starts_thirty_days_or_eleven_months_back() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(since(Period::Day, d(2026, 12, 8)), d(2026, 11, 8));
        assert_eq!(since(Period::Month, d(2026, 12, 8)), d(2026, 1, 1));
        assert_eq!(since(Period::Month, d(2026, 3, 31)), d(2025, 4, 1));
    }
}
