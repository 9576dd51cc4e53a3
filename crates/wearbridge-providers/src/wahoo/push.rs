//! Wahoo's `workout_summary` webhook (providers.md §10, the Cloud API's "Webhooks"):
//! pure functions (no IO, no clock); the server's push route does the IO.
//!
//! Wahoo has no handshake and no signature: the URL and a webhook token are set in its
//! developer portal, and every delivery is a JSON `POST` `{event_type: "workout_summary",
//! webhook_token, user: {id}, workout_summary: {..., workout: {...}}}` carrying the token.
//! The token is compared in constant time with the configured webhook secret; without a
//! configured one nothing can be verified, so every delivery is refused. A verified
//! delivery is the data itself: the summary with its workout becomes the Terra activity
//! (full-payload push, nothing to fetch). A summary without its workout, which the
//! reference never shows, asks for the days around the summary's `created_at` instead.
//! Event types other than `workout_summary` are acknowledged and ignored. Wahoo retries a
//! non-200 delivery after 30 minutes, 4, 24 and 72 hours.

use chrono::{DateTime, Days};
use secrecy::ExposeSecret;
use wearbridge_model::DataType;

use super::{mapper, wire};
use crate::push::{PushAnswer, PushError, PushItem, PushRequest, check_notified_range};
use crate::{FetchRange, ProviderCredentials};

/// The one event type Wahoo delivers.
pub const WORKOUT_SUMMARY: &str = "workout_summary";

/// Handles one request to the push endpoint.
pub fn handle(
    creds: &ProviderCredentials,
    request: &PushRequest<'_>,
) -> Result<PushAnswer, PushError> {
    if request.method != "POST" {
        return Err(PushError::NotSupported(request.method.to_owned()));
    }
    let event = parse_event(request.body)?;
    let expected = creds
        .webhook_secret
        .as_ref()
        .map(|secret| secret.expose_secret().to_owned())
        .ok_or(PushError::BadSignature)?;
    if !same_token(
        &expected,
        event.webhook_token.as_deref().unwrap_or_default(),
    ) {
        return Err(PushError::BadSignature);
    }
    items(&event).map(PushAnswer::Items)
}

/// Parses a delivery body.
pub fn parse_event(body: &[u8]) -> Result<wire::WebhookEvent, PushError> {
    serde_json::from_slice(body).map_err(|error| PushError::Malformed(error.to_string()))
}

/// Whether `presented` is `expected`, compared in constant time (for equal lengths: the
/// length itself is not secret-dependent work). An empty expected token never matches.
pub fn same_token(expected: &str, presented: &str) -> bool {
    !expected.is_empty()
        && expected.len() == presented.len()
        && expected
            .bytes()
            .zip(presented.bytes())
            .fold(0_u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// What a verified delivery asks for (see the module documentation).
pub fn items(event: &wire::WebhookEvent) -> Result<Vec<PushItem>, PushError> {
    if event.event_type.as_deref() != Some(WORKOUT_SUMMARY) {
        return Ok(Vec::new());
    }
    let user = event
        .user
        .as_ref()
        .filter(|user| user.id > 0)
        .ok_or_else(|| PushError::Malformed("user.id must be a Wahoo user id".into()))?;
    let summary = event
        .workout_summary
        .as_ref()
        .ok_or_else(|| PushError::Malformed("no workout_summary".into()))?;
    let provider_user_id = user.id.to_string();
    if let Some(workout) = &summary.workout {
        let record = mapper::activity(workout, Some(summary));
        return Ok(vec![PushItem::Records {
            provider_user_id,
            records: vec![record.into()],
        }]);
    }
    let day = summary
        .created_at
        .as_deref()
        .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
        .ok_or_else(|| PushError::Malformed("a summary without its workout or created_at".into()))?
        .date_naive();
    let range = FetchRange {
        start: day.checked_sub_days(Days::new(2)).unwrap_or(day),
        end: day.checked_add_days(Days::new(1)).unwrap_or(day),
    };
    check_notified_range(range)?;
    Ok(vec![PushItem::Fetch {
        provider_user_id,
        data_type: DataType::Activity,
        range,
    }])
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;
    use secrecy::SecretString;

    use super::*;

    fn creds(webhook_secret: Option<&str>) -> ProviderCredentials {
        ProviderCredentials {
            client_id: "app".to_owned(),
            client_secret: SecretString::from("client-secret"),
            api_base_url: None,
            auth_base_url: None,
            webhook_secret: webhook_secret.map(SecretString::from),
            api_key: None,
        }
    }

    fn post(body: &[u8]) -> (HeaderMap, Vec<u8>) {
        (HeaderMap::new(), body.to_vec())
    }

    fn answer(
        creds: &ProviderCredentials,
        method: &str,
        body: &[u8],
    ) -> Result<PushAnswer, PushError> {
        let (headers, body) = post(body);
        handle(
            creds,
            &PushRequest {
                method,
                headers: &headers,
                query: None,
                body: &body,
            },
        )
    }

    const SAMPLE: &str = r#"{"event_type":"workout_summary","webhook_token":"portal-token","user":{"id":60462},
        "workout_summary":{"id":8297,"calories_accum":1500.00,"duration_total_accum":275,
        "workout":{"id":56519,"starts":"2015-08-12T09:00:00.000Z","minutes":12,"name":"Friday Fun","workout_type_id":40}}}"#;

    #[test]
    fn a_delivery_with_our_token_is_the_activity() {
        let Ok(PushAnswer::Items(items)) =
            answer(&creds(Some("portal-token")), "POST", SAMPLE.as_bytes())
        else {
            panic!("accepted");
        };
        let [
            PushItem::Records {
                provider_user_id,
                records,
            },
        ] = items.as_slice()
        else {
            panic!("one record item: {items:?}");
        };
        assert_eq!(provider_user_id, "60462");
        assert_eq!(records.len(), 1);
    }

    #[test]
    fn a_wrong_or_missing_token_is_refused() {
        for secret in [Some("other-token"), Some("portal-toke"), None, Some("")] {
            assert_eq!(
                answer(&creds(secret), "POST", SAMPLE.as_bytes()),
                Err(PushError::BadSignature),
                "{secret:?}"
            );
        }
        let without = SAMPLE.replace(r#""webhook_token":"portal-token","#, "");
        assert_eq!(
            answer(&creds(Some("portal-token")), "POST", without.as_bytes()),
            Err(PushError::BadSignature)
        );
    }

    #[test]
    fn other_events_are_ignored_and_bad_bodies_refused() {
        let other = SAMPLE.replace("\"workout_summary\",\"webhook", "\"route\",\"webhook");
        assert_eq!(
            answer(&creds(Some("portal-token")), "POST", other.as_bytes()),
            Ok(PushAnswer::Items(Vec::new()))
        );
        assert!(matches!(
            answer(&creds(Some("portal-token")), "POST", b"not json"),
            Err(PushError::Malformed(_))
        ));
        assert!(matches!(
            answer(&creds(Some("portal-token")), "GET", b""),
            Err(PushError::NotSupported(_))
        ));
        let no_user =
            r#"{"event_type":"workout_summary","webhook_token":"t","workout_summary":{}}"#;
        assert!(matches!(
            answer(&creds(Some("t")), "POST", no_user.as_bytes()),
            Err(PushError::Malformed(_))
        ));
    }

    #[test]
    fn a_summary_without_its_workout_fetches_around_its_creation() {
        let body = r#"{"event_type":"workout_summary","webhook_token":"t","user":{"id":5},
            "workout_summary":{"id":1,"created_at":"2018-10-23T20:43:50.000Z"}}"#;
        let day = |text| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default();
        assert_eq!(
            answer(&creds(Some("t")), "POST", body.as_bytes()),
            Ok(PushAnswer::Items(vec![PushItem::Fetch {
                provider_user_id: "5".to_owned(),
                data_type: DataType::Activity,
                range: FetchRange {
                    start: day("2018-10-21"),
                    end: day("2018-10-24"),
                },
            }]))
        );
    }
}
