//! Strava webhook events (providers.md §6.4, developers.strava.com/docs/webhooks): the
//! subscription handshake and the event body. Pure functions (no IO, no clock); the
//! server's push route does the IO.
//!
//! * Handshake: creating a subscription makes Strava `GET` the callback with
//!   `hub.mode=subscribe`, `hub.verify_token` and `hub.challenge`; we answer 200 with JSON
//!   `{"hub.challenge": ...}` when the token is the one we subscribed with
//!   ([`verify_token`]).
//! * Event: `POST` JSON `{object_type, object_id, aspect_type, updates, owner_id,
//!   subscription_id, event_time}`. Strava signs nothing, and athlete ids are public, so
//!   an event is only ever a reason to ask Strava: activity `create`/`update` fetch the
//!   days around `event_time`; an athlete's deauthorization (`updates.authorized =
//!   "false"`) fetches the athlete, which fails with the revoked grant and so ends in
//!   `access_revoked` (a forged one costs one request and changes nothing); `delete` asks
//!   for nothing, because Terra has no deletion event (the stored activity stays).

use chrono::{DateTime, Days};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde_json::Value;
use sha2::Sha256;
use wearbridge_model::DataType;

use super::wire;
use crate::push::{PushAnswer, PushError, PushItem, PushRequest, check_notified_range};
use crate::{FetchRange, ProviderCredentials};

pub const MODE_PARAM: &str = "hub.mode";
pub const VERIFY_TOKEN_PARAM: &str = "hub.verify_token";
pub const CHALLENGE_PARAM: &str = "hub.challenge";
/// Days before the event's (UTC) date that an activity event refetches: uploads from a
/// device that was offline arrive a day or two after the activity.
const DAYS_BEFORE_EVENT: u64 = 2;

/// The `verify_token` we subscribe with and expect back in the handshake: the configured
/// webhook secret, else one derived from the client secret (so the secret itself never
/// travels as a query parameter).
pub fn verify_token(creds: &ProviderCredentials) -> String {
    match &creds.webhook_secret {
        Some(secret) => secret.expose_secret().to_owned(),
        None => {
            match Hmac::<Sha256>::new_from_slice(creds.client_secret.expose_secret().as_bytes()) {
                Ok(mut mac) => {
                    mac.update(b"wearbridge strava verify token");
                    hex::encode(mac.finalize().into_bytes())
                }
                // HMAC accepts keys of any length; this arm cannot be taken.
                Err(_) => String::new(),
            }
        }
    }
}

/// Handles one request to the push endpoint.
pub fn handle(
    creds: &ProviderCredentials,
    request: &PushRequest<'_>,
) -> Result<PushAnswer, PushError> {
    match request.method {
        "GET" => {
            let mode = request.query_param(MODE_PARAM).unwrap_or_default();
            if mode != "subscribe" {
                return Err(PushError::Malformed(format!(
                    "{MODE_PARAM} must be subscribe"
                )));
            }
            let challenge = request
                .query_param(CHALLENGE_PARAM)
                .ok_or_else(|| PushError::Malformed(format!("no {CHALLENGE_PARAM}")))?;
            let presented = request.query_param(VERIFY_TOKEN_PARAM).unwrap_or_default();
            let body = handshake(&verify_token(creds), &presented, &challenge)
                .ok_or(PushError::BadSignature)?;
            Ok(PushAnswer::Handshake {
                status: 200,
                content_type: "application/json",
                body: body.to_string(),
            })
        }
        "POST" => Ok(PushAnswer::Items(items(&parse_event(request.body)?)?)),
        other => Err(PushError::NotSupported(other.to_owned())),
    }
}

/// The handshake answer: `Some({"hub.challenge": ...})` when `presented` is the token we
/// registered (compared in constant time), else `None`.
pub fn handshake(expected: &str, presented: &str, challenge: &str) -> Option<Value> {
    let matches = expected.len() == presented.len()
        && expected
            .bytes()
            .zip(presented.bytes())
            .fold(0_u8, |diff, (a, b)| diff | (a ^ b))
            == 0;
    matches.then(|| serde_json::json!({ CHALLENGE_PARAM: challenge }))
}

/// Parses an event body.
pub fn parse_event(body: &[u8]) -> Result<wire::Event, PushError> {
    serde_json::from_slice(body).map_err(|error| PushError::Malformed(error.to_string()))
}

/// Whether an athlete event is a deauthorization (`"authorized": "false"`; a JSON
/// `false` is read the same way).
pub fn is_deauthorization(event: &wire::Event) -> bool {
    event.object_type == "athlete"
        && event
            .updates
            .as_ref()
            .and_then(|updates| updates.get("authorized"))
            .is_some_and(|value| value == "false" || value == &Value::Bool(false))
}

/// What a parsed event asks for (see the module documentation). Unknown object or aspect
/// types ask for nothing, so a new kind of event is acknowledged, not refused.
pub fn items(event: &wire::Event) -> Result<Vec<PushItem>, PushError> {
    if event.owner_id <= 0 {
        return Err(PushError::Malformed(
            "owner_id must be an athlete id".into(),
        ));
    }
    let fetch = |data_type: DataType, before: u64| -> Result<Vec<PushItem>, PushError> {
        let day = event
            .event_time
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
            .ok_or_else(|| PushError::Malformed("event_time is not epoch seconds".into()))?
            .date_naive();
        let range = FetchRange {
            start: day.checked_sub_days(Days::new(before)).unwrap_or(day),
            // The athlete's local day can be a day ahead of the UTC date.
            end: day.checked_add_days(Days::new(1)).unwrap_or(day),
        };
        check_notified_range(range)?;
        Ok(vec![PushItem::Fetch {
            provider_user_id: event.owner_id.to_string(),
            data_type,
            range,
        }])
    };
    match (event.object_type.as_str(), event.aspect_type.as_str()) {
        ("activity", "create" | "update") => fetch(DataType::Activity, DAYS_BEFORE_EVENT),
        ("athlete", _) => fetch(DataType::Athlete, 0),
        _ => Ok(Vec::new()),
    }
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

    fn request<'a>(
        method: &'a str,
        headers: &'a HeaderMap,
        query: Option<&'a str>,
        body: &'a [u8],
    ) -> PushRequest<'a> {
        PushRequest {
            method,
            headers,
            query,
            body,
        }
    }

    fn day(text: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn the_handshake_echoes_the_challenge_only_for_our_token() {
        let headers = HeaderMap::new();
        let ours = verify_token(&creds(None));
        assert_ne!(
            ours, "client-secret",
            "the secret itself is never the token"
        );
        let query = format!(
            "hub.mode=subscribe&hub.verify_token={ours}&hub.challenge=15f7d1a91c1f40f8a748fd134752feb3"
        );
        assert_eq!(
            handle(&creds(None), &request("GET", &headers, Some(&query), b"")),
            Ok(PushAnswer::Handshake {
                status: 200,
                content_type: "application/json",
                body: r#"{"hub.challenge":"15f7d1a91c1f40f8a748fd134752feb3"}"#.to_owned(),
            })
        );
        let wrong = "hub.mode=subscribe&hub.verify_token=STRAVA&hub.challenge=x";
        assert_eq!(
            handle(&creds(None), &request("GET", &headers, Some(wrong), b"")),
            Err(PushError::BadSignature)
        );
        let no_mode = format!("hub.verify_token={ours}&hub.challenge=x");
        assert!(matches!(
            handle(&creds(None), &request("GET", &headers, Some(&no_mode), b"")),
            Err(PushError::Malformed(_))
        ));
        assert_eq!(verify_token(&creds(Some("configured"))), "configured");
    }

    #[test]
    fn activity_events_fetch_the_days_around_the_event() {
        // 2018-02-16T15:08:30Z, the documented example's event time.
        let body = br#"{"aspect_type":"create","event_time":1518793710,"object_id":1360128428,"object_type":"activity","owner_id":134815,"subscription_id":120475,"updates":{}}"#;
        let headers = HeaderMap::new();
        let answer = handle(&creds(None), &request("POST", &headers, None, body));
        assert_eq!(
            answer,
            Ok(PushAnswer::Items(vec![PushItem::Fetch {
                provider_user_id: "134815".to_owned(),
                data_type: DataType::Activity,
                range: FetchRange {
                    start: day("2018-02-14"),
                    end: day("2018-02-17"),
                },
            }]))
        );
        let update = br#"{"aspect_type":"update","event_time":1518793710,"object_id":1,"object_type":"activity","owner_id":134815,"subscription_id":1,"updates":{"title":"Messy"}}"#;
        assert!(matches!(
            handle(&creds(None), &request("POST", &headers, None, update)),
            Ok(PushAnswer::Items(items)) if items.len() == 1
        ));
    }

    #[test]
    fn deletions_and_unknown_objects_ask_for_nothing() {
        let headers = HeaderMap::new();
        for body in [
            br#"{"aspect_type":"delete","event_time":1518793710,"object_id":1,"object_type":"activity","owner_id":7,"subscription_id":1}"#.as_slice(),
            br#"{"aspect_type":"create","event_time":1518793710,"object_id":1,"object_type":"route","owner_id":7,"subscription_id":1}"#.as_slice(),
        ] {
            assert_eq!(
                handle(&creds(None), &request("POST", &headers, None, body)),
                Ok(PushAnswer::Items(Vec::new()))
            );
        }
    }

    #[test]
    fn a_deauthorization_is_checked_by_fetching_the_athlete() {
        let body = br#"{"aspect_type":"update","event_time":1516126040,"object_id":134815,"object_type":"athlete","owner_id":134815,"subscription_id":120475,"updates":{"authorized":"false"}}"#;
        let Ok(event) = parse_event(body) else {
            panic!("documented example parses");
        };
        assert!(is_deauthorization(&event));
        assert_eq!(
            items(&event),
            Ok(vec![PushItem::Fetch {
                provider_user_id: "134815".to_owned(),
                data_type: DataType::Athlete,
                range: FetchRange {
                    start: day("2018-01-16"),
                    end: day("2018-01-17"),
                },
            }])
        );
    }

    #[test]
    fn malformed_events_are_refused() {
        for body in [
            b"{}".as_slice(),
            b"not json",
            br#"{"aspect_type":"create","object_id":1,"object_type":"activity","owner_id":7}"#,
            br#"{"aspect_type":"create","event_time":1,"object_id":1,"object_type":"activity","owner_id":0}"#,
        ] {
            let result = parse_event(body).and_then(|event| items(&event));
            assert!(matches!(result, Err(PushError::Malformed(_))), "{result:?}");
        }
        let headers = HeaderMap::new();
        assert!(matches!(
            handle(&creds(None), &request("PUT", &headers, None, b"")),
            Err(PushError::NotSupported(_))
        ));
    }
}
