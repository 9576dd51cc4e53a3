//! Oura webhook subscription upkeep (providers.md §2.4): subscriptions belong to the app
//! (headers `x-client-id` / `x-client-secret`), one per (data_type, event_type), and
//! expire unless renewed (`PUT /v2/webhook/subscription/renew/{id}`).

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::json;
use url::Url;

use super::{push, wire};
use crate::error;
use crate::{ProviderCtx, ProviderError};

/// Renew a subscription when it expires within this margin.
pub const RENEW_MARGIN: TimeDelta = TimeDelta::days(2);

/// The webhook data types whose documents this adapter maps (see [`push::terra_type`]).
pub const DATA_TYPES: [&str; 12] = [
    "sleep",
    "daily_activity",
    "daily_readiness",
    "daily_sleep",
    "daily_stress",
    "vo2_max",
    "enhanced_tag",
    "rest_mode_period",
    "ring_configuration",
    "daily_spo2",
    "workout",
    "session",
];
/// New and changed documents; deletions have no Terra counterpart.
pub const EVENT_TYPES: [&str; 2] = ["create", "update"];
/// Earliest next upkeep, however soon a subscription expires (no tight loops).
const MIN_INTERVAL: TimeDelta = TimeDelta::hours(1);

/// Makes every (data type, event type) subscription point at `push_url` and live beyond
/// `now + RENEW_MARGIN`; returns when to run again (before the earliest expiry).
pub async fn upkeep(
    ctx: &ProviderCtx,
    push_url: &Url,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ProviderError> {
    let existing: Vec<wire::Subscription> = call(ctx, Method::GET, "", None).await?;
    let token = push::verification_token(&ctx.creds);
    let mut expirations = Vec::new();
    for data_type in DATA_TYPES {
        for event_type in EVENT_TYPES {
            let current = existing
                .iter()
                .find(|s| s.data_type == data_type && s.event_type == event_type);
            let kept = match current {
                None => {
                    let body = json!({
                        "callback_url": push_url.as_str(),
                        "verification_token": token,
                        "event_type": event_type,
                        "data_type": data_type,
                    });
                    call(ctx, Method::POST, "", Some(body)).await?
                }
                Some(s) if s.callback_url != push_url.as_str() => {
                    let body = json!({
                        "callback_url": push_url.as_str(),
                        "verification_token": token,
                    });
                    call(ctx, Method::PUT, &format!("/{}", s.id), Some(body)).await?
                }
                Some(s) if expires_before(s, now + RENEW_MARGIN) => {
                    call(ctx, Method::PUT, &format!("/renew/{}", s.id), None).await?
                }
                Some(s) => s.clone(),
            };
            expirations.push(expiration(&kept).unwrap_or(now));
        }
    }
    let earliest = expirations.into_iter().min().unwrap_or(now);
    Ok(Some((earliest - RENEW_MARGIN).max(now + MIN_INTERVAL)))
}

/// `expiration_time` as UTC: with or without a zone designator (Oura sends none).
pub fn expiration(subscription: &wire::Subscription) -> Option<DateTime<Utc>> {
    let text = subscription.expiration_time.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|naive| naive.and_utc())
        })
}

/// Unparsable expiration times count as expiring (renewing is harmless).
fn expires_before(subscription: &wire::Subscription, at: DateTime<Utc>) -> bool {
    expiration(subscription).is_none_or(|expires| expires < at)
}

/// One call to `<api_base>/v2/webhook/subscription<path>` with the app's credentials.
async fn call<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<T, ProviderError> {
    let url = crate::module::with_trailing_slash(&ctx.api_base)
        .join(&format!("v2/webhook/subscription{path}"))
        .map_err(|e| ProviderError::Malformed(format!("OURA subscription URL: {e}")))?;
    let mut request = ctx
        .http
        .request(method, url)
        .header("x-client-id", &ctx.creds.client_id)
        .header("x-client-secret", ctx.creds.client_secret.expose_secret());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| error::from_transport(&e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| error::from_transport(&e))?;
    if !status.is_success() {
        return Err(error::from_status(status, &headers, &bytes));
    }
    serde_json::from_slice(&bytes).map_err(|e| ProviderError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(expiration_time: &str) -> wire::Subscription {
        wire::Subscription {
            id: "s".to_owned(),
            callback_url: "http://x".to_owned(),
            event_type: "create".to_owned(),
            data_type: "sleep".to_owned(),
            expiration_time: expiration_time.to_owned(),
        }
    }

    #[test]
    fn expiration_times_parse_with_or_without_a_zone() {
        let at = DateTime::parse_from_rfc3339("2024-08-24T14:15:22Z")
            .map(|at| at.with_timezone(&Utc))
            .ok();
        assert_eq!(expiration(&subscription("2024-08-24T14:15:22Z")), at);
        assert_eq!(expiration(&subscription("2024-08-24T14:15:22.000000")), at);
        assert_eq!(expiration(&subscription("soon")), None);
        let Some(at) = at else {
            panic!("parses");
        };
        assert!(expires_before(&subscription("soon"), at));
        assert!(!expires_before(&subscription("2024-08-24T14:15:22Z"), at));
    }
}
