//! Google Health webhook deliveries (reference §2 "Webhooks", providers.md §8.4). Pure: no
//! IO, no clock.
//!
//! * Verification: when a subscriber is created (or its URI or authorization patched),
//!   Google POSTs `{"type": "verification"}` twice: with the registered `Authorization`
//!   value (we must answer **201**) and without it (we must answer 401 or 403).
//! * Notification: POST `{data: {healthUserId, operation, dataType, intervals:
//!   [{physicalTimeInterval: {startTime, endTime}}], ...}}` carrying the same
//!   `Authorization` value. It names what changed, not the data: an `UPSERT` becomes a
//!   fetch of the Terra type the data type feeds, over the notified days; a `DELETE` asks
//!   for nothing (Terra has no deletion event).
//!
//! The secret is the subscriber's `endpointAuthorization.secret`, the **whole** header
//! value with its scheme (`Bearer …`), configured as `[providers.GOOGLE_HEALTH]
//! webhook_secret`; without it no delivery is accepted. Deliveries also carry an ECDSA
//! P-256 `X-HEALTHAPI-SIGNATURE`; it is not verified (docs/DECISIONS.md, "Google Health").

use chrono::Days;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use wearbridge_model::DataType;

use super::wire::{Delivery, Notification};
use crate::push::{
    MAX_NOTIFICATIONS, PushAnswer, PushError, PushItem, PushRequest, check_notified_range,
};
use crate::{FetchRange, ProviderCredentials};

/// The header Google signs deliveries in (not verified; see the module comment).
pub const SIGNATURE_HEADER: &str = "x-healthapi-signature";

/// Whether the request's `Authorization` header is the configured secret. Compared as
/// SHA-256 digests, so the comparison's timing says nothing about the secret.
pub fn authorized(creds: &ProviderCredentials, request: &PushRequest<'_>) -> bool {
    let Some(expected) = &creds.webhook_secret else {
        return false;
    };
    let Some(presented) = request.header("authorization") else {
        return false;
    };
    Sha256::digest(expected.expose_secret().trim().as_bytes())
        == Sha256::digest(presented.trim().as_bytes())
}

/// Handles one request to the push endpoint.
pub fn handle(
    creds: &ProviderCredentials,
    request: &PushRequest<'_>,
) -> Result<PushAnswer, PushError> {
    if request.method != "POST" {
        return Err(PushError::NotSupported(request.method.to_owned()));
    }
    // Authorization first: the unauthenticated verification probe must be refused.
    if !authorized(creds, request) {
        return Err(PushError::BadSignature);
    }
    let delivery: Delivery = serde_json::from_slice(request.body)
        .map_err(|error| PushError::Malformed(format!("body: {error}")))?;
    if delivery.kind.as_deref() == Some("verification") {
        return Ok(PushAnswer::Handshake {
            status: 201,
            content_type: "application/json",
            body: "{}".to_owned(),
        });
    }
    let notification = delivery
        .data
        .ok_or_else(|| PushError::Malformed("no data".to_owned()))?;
    Ok(PushAnswer::Items(items(&notification)?))
}

/// The Terra type a Google Health data type feeds; `None` for types we do not read.
pub fn terra_type(data_type: &str) -> Option<DataType> {
    match data_type {
        "steps"
        | "distance"
        | "floors"
        | "altitude"
        | "active-energy-burned"
        | "basal-energy-burned"
        | "heart-rate"
        | "daily-vo2-max" => Some(DataType::Daily),
        "weight"
        | "body-fat"
        | "heart-rate-variability"
        | "daily-heart-rate-variability"
        | "oxygen-saturation"
        | "daily-oxygen-saturation"
        | "core-body-temperature"
        | "daily-resting-heart-rate" => Some(DataType::Body),
        "sleep" | "daily-respiratory-rate" => Some(DataType::Sleep),
        "exercise" => Some(DataType::Activity),
        "nutrition-log" | "hydration-log" => Some(DataType::Nutrition),
        _ => None,
    }
}

/// What one notification asks for: a fetch of the notified days (UTC dates widened by a
/// day before, so a local day west of UTC is covered).
pub fn items(notification: &Notification) -> Result<Vec<PushItem>, PushError> {
    if notification.health_user_id.is_empty() {
        return Err(PushError::Malformed("empty healthUserId".to_owned()));
    }
    if notification.intervals.len() > MAX_NOTIFICATIONS {
        return Err(PushError::Malformed("too many intervals".to_owned()));
    }
    if notification.operation.as_deref() == Some("DELETE") {
        return Ok(Vec::new());
    }
    let Some(data_type) = terra_type(&notification.data_type) else {
        return Ok(Vec::new());
    };
    let mut bounds = notification.intervals.iter().map(|interval| {
        let times = &interval.physical_time_interval;
        (times.start_time.date_naive(), times.end_time.date_naive())
    });
    let Some(first) = bounds.next() else {
        return Err(PushError::Malformed("no intervals".to_owned()));
    };
    let (start, end) = bounds.fold(first, |(start, end), (s, e)| (start.min(s), end.max(e)));
    let range = FetchRange {
        start: start.checked_sub_days(Days::new(1)).unwrap_or(start),
        end,
    };
    check_notified_range(range)?;
    Ok(vec![PushItem::Fetch {
        provider_user_id: notification.health_user_id.clone(),
        data_type,
        range,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};
    use secrecy::SecretString;

    const SECRET: &str = "Bearer s3cret";

    fn creds(secret: Option<&str>) -> ProviderCredentials {
        ProviderCredentials {
            webhook_secret: secret.map(SecretString::from),
            ..ProviderCredentials::sandbox_dev()
        }
    }

    fn headers(authorization: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = authorization.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert("authorization", value);
        }
        headers
    }

    fn answer(secret: Option<&str>, auth: Option<&str>, body: &str) -> PushAnswerResult {
        let headers = headers(auth);
        handle(
            &creds(secret),
            &PushRequest {
                method: "POST",
                headers: &headers,
                query: None,
                body: body.as_bytes(),
            },
        )
    }

    type PushAnswerResult = Result<PushAnswer, PushError>;

    #[test]
    fn verification_answers_201_with_the_secret_and_refuses_without() {
        let probe = r#"{"type": "verification"}"#;
        assert!(matches!(
            answer(Some(SECRET), Some(SECRET), probe),
            Ok(PushAnswer::Handshake { status: 201, .. })
        ));
        assert_eq!(
            answer(Some(SECRET), None, probe),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            answer(Some(SECRET), Some("Bearer other"), probe),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            answer(None, Some(SECRET), probe),
            Err(PushError::BadSignature)
        );
    }

    #[test]
    fn an_upsert_fetches_its_days_and_a_delete_nothing() {
        let body = |operation: &str, data_type: &str| {
            format!(
                r#"{{"data": {{"healthUserId": "u-1", "operation": "{operation}",
                "dataType": "{data_type}", "intervals": [{{"physicalTimeInterval":
                {{"startTime": "2026-05-02T06:00:00Z", "endTime": "2026-05-03T07:00:00Z"}}}}],
                "clientProvidedSubscriptionName": "s", "version": "1"}}}}"#
            )
        };
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 5, d).unwrap_or_default();
        assert_eq!(
            answer(Some(SECRET), Some(SECRET), &body("UPSERT", "sleep")),
            Ok(PushAnswer::Items(vec![PushItem::Fetch {
                provider_user_id: "u-1".to_owned(),
                data_type: DataType::Sleep,
                range: FetchRange {
                    start: day(1),
                    end: day(3)
                },
            }]))
        );
        assert_eq!(
            answer(Some(SECRET), Some(SECRET), &body("DELETE", "steps")),
            Ok(PushAnswer::Items(Vec::new()))
        );
        assert_eq!(
            answer(
                Some(SECRET),
                Some(SECRET),
                &body("UPSERT", "electrocardiogram")
            ),
            Ok(PushAnswer::Items(Vec::new()))
        );
        assert!(matches!(
            answer(Some(SECRET), Some(SECRET), "{\"data\": 5}"),
            Err(PushError::Malformed(_))
        ));
    }
}
