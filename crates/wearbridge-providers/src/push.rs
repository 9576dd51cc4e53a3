//! Provider push: what an adapter makes of one request to
//! `/v2/providers/{provider}/webhook`.
//!
//! Providers differ in everything here (verification handshakes, signatures, notify-only
//! pings vs full payloads, form vs JSON bodies), so the adapter parses and verifies
//! ([`crate::Provider::push`]) and answers with provider-neutral [`PushItem`]s; the server
//! does the IO (queues fetch jobs, stores pushed records, deauthorizes users, records
//! permission changes). Parsing is
//! pure: no IO, no clock, never a panic on any input.

use reqwest::header::HeaderMap;
use wearbridge_model::DataType;

use crate::{FetchRange, TerraRecordData};

/// One request to the push endpoint, as received.
#[derive(Debug, Clone, Copy)]
pub struct PushRequest<'a> {
    /// `GET`, `HEAD` or `POST` (handshakes use the first two).
    pub method: &'a str,
    pub headers: &'a HeaderMap,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    pub body: &'a [u8],
}

impl PushRequest<'_> {
    /// A header's value as text, if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The first value of query parameter `name`, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

/// What the server should do with a push request.
#[derive(Debug, Clone, PartialEq)]
pub enum PushAnswer {
    /// A verification handshake: answer exactly this, do nothing else.
    Handshake {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// Verified notifications to act on (possibly none, e.g. a provider's ping).
    Items(Vec<PushItem>),
}

/// One thing a notification asks for, keyed by the provider's account id.
#[derive(Debug, Clone, PartialEq)]
pub enum PushItem {
    /// New data exists: fetch `data_type` over `range` (notify-only providers).
    Fetch {
        provider_user_id: String,
        data_type: DataType,
        range: FetchRange,
    },
    /// The provider pushed the data itself: store these records.
    Records {
        provider_user_id: String,
        records: Vec<TerraRecordData>,
    },
    /// The user revoked access at the provider (deregistration notices).
    Deauthorized { provider_user_id: String },
    /// The user changed what they share with the app at the provider: `scopes` is the full
    /// new set of granted permissions, in the provider's own names (Garmin's
    /// `userPermissionsChange`). The server diffs it against the stored scopes.
    PermissionsChanged {
        provider_user_id: String,
        scopes: Vec<String>,
    },
}

/// Why a push request was refused. Every variant is the sender's fault (a 4xx).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// This provider does not push, or not this kind of request.
    #[error("this provider does not accept {0} here")]
    NotSupported(String),
    /// Missing, malformed or wrong signature (or verification token).
    #[error("missing or invalid signature")]
    BadSignature,
    /// The body or query is not the provider's notification format.
    #[error("malformed notification: {0}")]
    Malformed(String),
}

/// Most notifications accepted per request: providers batch, but more than this is abuse.
pub const MAX_NOTIFICATIONS: usize = 1_000;
/// Longest range one notification may ask to fetch: a notification announces new data,
/// not a backfill.
pub const MAX_NOTIFIED_DAYS: i64 = 31;

/// `Ok` when `range` is a plausible notification range (see [`MAX_NOTIFIED_DAYS`]).
pub fn check_notified_range(range: FetchRange) -> Result<(), PushError> {
    let days = (range.end - range.start).num_days();
    if (0..MAX_NOTIFIED_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(PushError::Malformed(format!(
            "range {}..{} must run forwards and span under {MAX_NOTIFIED_DAYS} days",
            range.start, range.end
        )))
    }
}
