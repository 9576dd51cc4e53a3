//! WITHINGS: the Withings Public Health Data API (`https://wbsapi.withings.net`).
//!
//! Facts from providers.md §3, the community OpenAPI description and real recorded answers.
//! Withings deviates from plain REST + OAuth in ways every part of this module handles:
//! one path serves several operations chosen by an `action` parameter; every answer is
//! HTTP 200 with `{"status": N, "body": ...}` and `status` ≠ 0 signals an error (401 bad
//! token, 601 rate limit, ...); times are epoch seconds with an IANA zone name.
//!
//! * [`wire`]: the answers' serde types; [`mapper`]: pure mappers into Terra;
//!   [`zone`]: offsets for the zone names; [`map_source`]: the mapper for a raw answer
//!   chosen by API path + `action` (for `wearbridge providers map`).
//! * [`adapter`]: the HTTP adapter (OAuth with the wrapped token endpoint, paged fetches);
//!   [`push`]: parsing Withings's form-encoded notifications; [`revoke`]: unsubscribing
//!   and the signed grant revocation.

pub mod adapter;
pub mod mapper;
pub mod push;
pub mod revoke;
pub mod wire;
pub mod zone;

pub use adapter::{WITHINGS, WithingsProvider};

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::TerraRecordData;
use crate::limits::{ProviderBudget, Rate};
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id.
pub const PROVIDER_ID: &str = "WITHINGS";

/// WITHINGS in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: WITHINGS,
    api_base: Some(adapter::API_BASE),
    build,
    map_source,
    // providers.md §3.5: 120 requests a minute per partner app.
    limits: ProviderBudget {
        app: Some(Rate::per(120, Duration::from_secs(60))),
        user: None,
    },
    // providers.md §3.2: actions take any start date or `lastupdate`, with no documented
    // oldest date.
    history_days: None,
};

/// The registry's constructor: Withings's real OAuth URLs, or the documented paths under
/// `auth_base` (the simulator, or an operator's override).
pub fn build(auth_base: Option<&url::Url>) -> Option<std::sync::Arc<dyn crate::Provider>> {
    let provider = match auth_base {
        Some(base) => WithingsProvider::with_base(base)?,
        None => WithingsProvider::production()?,
    };
    Some(std::sync::Arc::new(provider))
}

/// The operations [`map_source`] understands, for error messages.
pub const MAPPED_OPERATIONS: [&str; 6] = [
    "/measure?action=getmeas",
    "/v2/measure?action=getactivity",
    "/v2/measure?action=getintradayactivity",
    "/v2/measure?action=getworkouts",
    "/v2/sleep?action=getsummary",
    "/v2/sleep?action=get",
];

/// The API operation a request path names: the service and the `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    GetMeas,
    GetActivity,
    GetIntradayActivity,
    GetWorkouts,
    SleepGetSummary,
    SleepGet,
}

impl Operation {
    /// The operation of `path` (a path with its query, or a full URL; any prefix before the
    /// Withings path, such as the simulator's `/withings`, is ignored).
    pub fn of_path(path: &str) -> Result<Operation, MapSourceError> {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let path = path
            .split('#')
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        let action = url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "action")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        let service = if path.ends_with("/v2/measure") {
            "/v2/measure"
        } else if path.ends_with("/measure") {
            "/measure"
        } else if path.ends_with("/v2/sleep") {
            "/v2/sleep"
        } else {
            ""
        };
        match (service, action.as_str()) {
            ("/measure", "getmeas") => Ok(Operation::GetMeas),
            ("/v2/measure", "getactivity") => Ok(Operation::GetActivity),
            ("/v2/measure", "getintradayactivity") => Ok(Operation::GetIntradayActivity),
            ("/v2/measure", "getworkouts") => Ok(Operation::GetWorkouts),
            ("/v2/sleep", "getsummary") => Ok(Operation::SleepGetSummary),
            ("/v2/sleep", "get") => Ok(Operation::SleepGet),
            _ => Err(MapSourceError::UnknownPath(format!(
                "{path:?} with action {action:?} is not a mapped Withings operation (mapped: {})",
                MAPPED_OPERATIONS.join(", ")
            ))),
        }
    }
}

/// Maps one raw Withings answer `body` fetched from API `path` (with the query that holds
/// `action`, e.g. `/v2/sleep?action=getsummary`). The answer must be the full
/// `{"status": 0, "body": ...}` envelope; an error envelope is reported as such.
///
/// Intraday and sleep-detail answers name no zone, so their times are placed at `+00:00`;
/// the adapter instead takes the zone from the day or night summary they belong to.
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let operation = Operation::of_path(path)?;
    let records = match operation {
        Operation::GetMeas => mapper::body(&payload::<wire::MeasureBody>(body)?)
            .into_iter()
            .map(TerraRecordData::from)
            .collect(),
        Operation::GetActivity => payload::<wire::ActivityBody>(body)?
            .activities
            .iter()
            .filter_map(mapper::daily)
            .map(TerraRecordData::from)
            .collect(),
        Operation::GetIntradayActivity => {
            mapper::intraday(&payload::<wire::IntradayBody>(body)?, None)
                .into_iter()
                .map(TerraRecordData::from)
                .collect()
        }
        Operation::GetWorkouts => payload::<wire::WorkoutsBody>(body)?
            .series
            .iter()
            .filter_map(mapper::workout)
            .map(TerraRecordData::from)
            .collect(),
        Operation::SleepGetSummary => payload::<wire::SleepSummaryBody>(body)?
            .series
            .iter()
            .filter_map(|night| mapper::sleep(night, &[]))
            .map(TerraRecordData::from)
            .collect(),
        Operation::SleepGet => mapper::sleep_segments(&payload::<wire::SleepBody>(body)?)
            .into_iter()
            .map(TerraRecordData::from)
            .collect(),
    };
    Ok(records)
}

/// Why an envelope carried no usable body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Not JSON, or not the `{status, body}` shape.
    Malformed(String),
    /// `status` ≠ 0, with Withings's `error` text when it sent one.
    Status { status: i64, error: Option<String> },
}

/// The `body` of a successful envelope, parsed as `T`.
pub fn parse_envelope<T: DeserializeOwned>(text: &[u8]) -> Result<T, EnvelopeError> {
    let envelope: wire::Envelope = serde_json::from_slice(text)
        .map_err(|error| EnvelopeError::Malformed(error.to_string()))?;
    if envelope.status != 0 {
        return Err(EnvelopeError::Status {
            status: envelope.status,
            error: envelope.error,
        });
    }
    let body = envelope
        .body
        .ok_or_else(|| EnvelopeError::Malformed("status 0 without a body".to_owned()))?;
    serde_json::from_value(body).map_err(|error| EnvelopeError::Malformed(error.to_string()))
}

fn payload<T: DeserializeOwned>(body: &str) -> Result<T, MapSourceError> {
    parse_envelope(body.as_bytes()).map_err(|error| match error {
        EnvelopeError::Malformed(message) => MapSourceError::Body(message),
        EnvelopeError::Status { status, error } => MapSourceError::Body(format!(
            "Withings error status {status}{}",
            error.map(|e| format!(" ({e})")).unwrap_or_default()
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_chosen_by_path_and_action() {
        let cases = [
            ("/measure?action=getmeas", Operation::GetMeas),
            (
                "https://wbsapi.withings.net/measure?action=getmeas&meastypes=1,6",
                Operation::GetMeas,
            ),
            (
                "/withings/v2/measure?action=getactivity",
                Operation::GetActivity,
            ),
            (
                "/v2/measure?startdate=1&action=getintradayactivity",
                Operation::GetIntradayActivity,
            ),
            ("/v2/measure?action=getworkouts", Operation::GetWorkouts),
            ("/v2/sleep?action=getsummary", Operation::SleepGetSummary),
            ("/v2/sleep?action=get", Operation::SleepGet),
        ];
        for (path, expected) in cases {
            assert_eq!(Operation::of_path(path).ok(), Some(expected), "{path}");
        }
        for path in [
            "/measure",
            "/measure?action=getactivity",
            "/v2/sleep?action=list",
            "/v2/user?action=getdevice",
        ] {
            assert!(
                matches!(
                    Operation::of_path(path),
                    Err(MapSourceError::UnknownPath(_))
                ),
                "{path}"
            );
        }
    }

    #[test]
    fn error_envelopes_are_body_errors() {
        let error = map_source("/measure?action=getmeas", r#"{"status":401,"body":{}}"#);
        assert!(
            matches!(&error, Err(MapSourceError::Body(message)) if message.contains("401")),
            "{error:?}"
        );
        assert!(matches!(
            map_source("/measure?action=getmeas", "not json"),
            Err(MapSourceError::Body(_))
        ));
    }
}
