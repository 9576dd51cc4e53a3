//! Suunto push notifications (Suunto API Zone, "Webhook notifications"; providers.md §11).
//! Pure functions (no IO, no clock); the server's push route does the IO.
//!
//! Suunto posts the data itself: a JSON body `{type, username, ...}` signed with
//! `X-HMAC-SHA256-Signature`, the HMAC-SHA256 of the raw body under the notification
//! secret set in the app's settings (`providers.SUUNTO.webhook_secret`, else the client
//! secret). Suunto's page does not say how the digest is written, so hex (either case)
//! and base64 are both accepted; the comparison is constant-time. There is no handshake.
//!
//! * `WORKOUT_CREATED`: the `workout` (with `gear` beside it) is stored as an activity.
//! * `SUUNTO_247_SLEEP_CREATED`: each sleep sample is stored as a sleep.
//! * `SUUNTO_247_ACTIVITY_CREATED`: the days the samples cover are fetched as dailies (the
//!   daily totals come from the statistics endpoint, not from single samples).
//! * `ROUTE_CREATED`, `SUUNTO_247_RECOVERY_CREATED` and unknown types ask for nothing:
//!   Terra has no routes, and recovery samples have no Terra record of their own.
//!
//! The legacy form-encoded variant is refused: its fields are not published.

use base64::Engine;
use chrono::{DateTime, NaiveDate};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use wearbridge_model::DataType;

use super::{mapper, wire};
use crate::push::{
    MAX_NOTIFICATIONS, PushAnswer, PushError, PushItem, PushRequest, check_notified_range,
};
use crate::{FetchRange, ProviderCredentials, TerraRecordData};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-HMAC-SHA256-Signature";

/// The secret notifications are signed with: the configured notification secret, else
/// the client secret.
fn secret(creds: &ProviderCredentials) -> &str {
    creds
        .webhook_secret
        .as_ref()
        .unwrap_or(&creds.client_secret)
        .expose_secret()
}

/// Whether `presented` (hex in either case, or base64) is the HMAC-SHA256 of `body` under
/// `secret`. Constant-time in the digest (`Mac::verify_slice`).
pub fn verify(secret: &[u8], body: &[u8], presented: &str) -> bool {
    let presented = presented.trim();
    let decoded = hex::decode(presented)
        .ok()
        .filter(|bytes| bytes.len() == 32)
        .or_else(|| {
            base64::engine::general_purpose::STANDARD
                .decode(presented)
                .ok()
        });
    let (Some(digest), Ok(mut mac)) = (decoded, Hmac::<Sha256>::new_from_slice(secret)) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&digest).is_ok()
}

/// Signs `body` as Suunto does (lower-case hex); tests and the simulator use it.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC accepts keys of any length; this arm cannot be taken.
        Err(_) => String::new(),
    }
}

/// Handles one request to the push endpoint.
pub fn handle(
    creds: &ProviderCredentials,
    request: &PushRequest<'_>,
) -> Result<PushAnswer, PushError> {
    if request.method != "POST" {
        return Err(PushError::NotSupported(request.method.to_owned()));
    }
    let presented = request
        .header(SIGNATURE_HEADER)
        .ok_or(PushError::BadSignature)?;
    if !verify(secret(creds).as_bytes(), request.body, presented) {
        return Err(PushError::BadSignature);
    }
    let first = request.body.iter().find(|byte| !byte.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(PushError::Malformed(
            "only JSON notifications are read (the legacy form variant is not published)".into(),
        ));
    }
    let notification: wire::Notification = serde_json::from_slice(request.body)
        .map_err(|error| PushError::Malformed(error.to_string()))?;
    Ok(PushAnswer::Items(items(&notification)?))
}

/// What a verified notification asks for (see the module documentation).
pub fn items(notification: &wire::Notification) -> Result<Vec<PushItem>, PushError> {
    let username = notification
        .username
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| PushError::Malformed("no username".into()))?
        .to_owned();
    let samples = || -> Result<&[serde_json::Value], PushError> {
        let samples = notification.samples.as_deref().unwrap_or_default();
        if samples.len() > MAX_NOTIFICATIONS {
            return Err(PushError::Malformed(format!(
                "more than {MAX_NOTIFICATIONS} samples"
            )));
        }
        Ok(samples)
    };
    match notification.kind.as_str() {
        "WORKOUT_CREATED" => {
            let workout = notification
                .workout
                .as_ref()
                .ok_or_else(|| PushError::Malformed("WORKOUT_CREATED without workout".into()))?;
            let activity =
                mapper::activity(workout, notification.gear.as_ref()).ok_or_else(|| {
                    PushError::Malformed("workout without a key or a valid startTime".into())
                })?;
            Ok(vec![PushItem::Records {
                provider_user_id: username,
                records: vec![activity.into()],
            }])
        }
        "SUUNTO_247_SLEEP_CREATED" => {
            let mut records: Vec<TerraRecordData> = Vec::new();
            for value in samples()? {
                let sample: wire::Sample<wire::SleepEntry> = serde_json::from_value(value.clone())
                    .map_err(|error| PushError::Malformed(error.to_string()))?;
                let sleep = mapper::sleep(&sample).ok_or_else(|| {
                    PushError::Malformed("sleep sample without a readable bedtime".into())
                })?;
                records.push(sleep.into());
            }
            Ok(vec![PushItem::Records {
                provider_user_id: username,
                records,
            }])
        }
        "SUUNTO_247_ACTIVITY_CREATED" => {
            let days: Vec<NaiveDate> = samples()?
                .iter()
                .filter_map(|sample| sample.get("timestamp")?.as_str())
                .filter_map(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
                .map(|at| at.date_naive())
                .collect();
            let (Some(start), Some(end)) = (days.iter().min(), days.iter().max()) else {
                return Ok(Vec::new());
            };
            let range = FetchRange {
                start: *start,
                end: *end,
            };
            check_notified_range(range)?;
            Ok(vec![PushItem::Fetch {
                provider_user_id: username,
                data_type: DataType::Daily,
                range,
            }])
        }
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"notification-secret";

    #[test]
    fn hex_in_either_case_and_base64_are_accepted() {
        let body = br#"{"type":"ROUTE_CREATED","username":"a"}"#;
        let hex = sign(SECRET, body);
        assert!(verify(SECRET, body, &hex));
        assert!(verify(SECRET, body, &hex.to_uppercase()));
        let raw = hex::decode(&hex).unwrap_or_default();
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        assert!(verify(SECRET, body, &b64));
        assert!(!verify(SECRET, b"{}", &hex));
        assert!(!verify(b"other", body, &hex));
        assert!(!verify(SECRET, body, ""));
        assert!(!verify(SECRET, body, "zz"));
    }
}
