//! Withings notifications, both directions: the form body Withings POSTs to a subscribed
//! `callbackurl` (and which `appli` a Terra data type maps to), and the `/notify`
//! subscription API (`subscribe`, `list`, `revoke`). Separate from the data actions: it
//! keeps its own state (the subscriptions) and is what the push scheduler calls.

use std::sync::PoisonError;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::WithingsState;
use super::params::{Failure, Params, authenticate, envelope, invalid, respond, unknown_action};
use crate::person::Person;

/// `application/x-www-form-urlencoded` body of the notification Withings POSTs to a
/// subscribed `callbackurl` (no signature, no other headers of note): `userid`, `appli`
/// and the changed window as epoch seconds.
pub fn notification_body(account: &str, appli: i64, startdate: i64, enddate: i64) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("userid", account)
        .append_pair("appli", &appli.to_string())
        .append_pair("startdate", &startdate.to_string())
        .append_pair("enddate", &enddate.to_string())
        .finish()
}

/// The `appli` Withings notifies for a Terra data type (`body`, `daily`, `activity`,
/// `sleep`); `None` for types Withings has no notification for.
pub fn appli_for(data_type: &str) -> Option<i64> {
    match data_type {
        "body" => Some(1),
        "daily" | "activity" => Some(16),
        "sleep" => Some(44),
        _ => None,
    }
}

/// The notification for `account`'s `data_type` on local day `date`: the window is the
/// person's local day. Returns (content type, body).
pub fn push_message(
    person: &Person,
    account: &str,
    data_type: &str,
    date: NaiveDate,
) -> Option<(&'static str, String)> {
    let appli = appli_for(data_type)?;
    let offset = i64::from(person.offset().seconds());
    let start = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp() - offset;
    Some((
        "application/x-www-form-urlencoded",
        notification_body(account, appli, start, start + 86_399),
    ))
}

/// A notification subscription (`/notify?action=subscribe`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub account: String,
    pub appli: i64,
    pub callbackurl: String,
    pub comment: String,
}

pub(super) async fn notify(
    State(state): State<WithingsState>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    respond(notify_action(&state, &headers, &params))
}

fn notify_action(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let account = authenticate(state, headers, params)?;
    let appli = params
        .get("appli")
        .map(|a| a.parse::<i64>().map_err(|_| invalid("appli")))
        .transpose()?;
    let mut subscriptions = state
        .subscriptions
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    match params.get("action") {
        Some("subscribe") => {
            let callbackurl = params
                .get("callbackurl")
                .ok_or_else(|| invalid("callbackurl"))?;
            let appli = appli.ok_or_else(|| invalid("appli"))?;
            if url::Url::parse(callbackurl).is_err() {
                return Err(invalid("callbackurl"));
            }
            subscriptions.retain(|s| {
                !(s.account == account && s.appli == appli && s.callbackurl == callbackurl)
            });
            subscriptions.push(Subscription {
                account,
                appli,
                callbackurl: callbackurl.to_owned(),
                comment: params.get("comment").unwrap_or("").to_owned(),
            });
            Ok(envelope(json!({})))
        }
        Some("list") => {
            let profiles: Vec<Value> = subscriptions
                .iter()
                .filter(|s| s.account == account && appli.is_none_or(|a| a == s.appli))
                .map(|s| {
                    json!({"appli": s.appli, "callbackurl": s.callbackurl, "expires": 2_147_483_647_i64, "comment": s.comment})
                })
                .collect();
            Ok(envelope(json!({"profiles": profiles})))
        }
        Some("revoke") => {
            let callbackurl = params
                .get("callbackurl")
                .ok_or_else(|| invalid("callbackurl"))?;
            subscriptions.retain(|s| {
                !(s.account == account
                    && s.callbackurl == callbackurl
                    && appli.is_none_or(|a| a == s.appli))
            });
            Ok(envelope(json!({})))
        }
        _ => Err(unknown_action()),
    }
}
