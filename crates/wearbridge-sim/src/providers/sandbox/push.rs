//! SANDBOX push notifications (format defined by Wearbridge, see the providers crate's
//! `sandbox::push`): a JSON list of `{user_id, data_type, start_date, end_date}` signed with
//! `x-sandbox-signature: sha256=<hex HMAC-SHA256(secret, body)>`.

use chrono::NaiveDate;

use crate::providers::PushMessage;
use crate::providers::common::hmac_sha256;

/// The notification that `data_type` changed for `account` on `date`.
pub(crate) fn message(
    account: &str,
    data_type: &str,
    date: NaiveDate,
    secret: &str,
) -> PushMessage {
    let body = serde_json::json!({
        "notifications": [{
            "user_id": account,
            "data_type": data_type,
            "start_date": date.to_string(),
            "end_date": date.to_string(),
        }]
    })
    .to_string()
    .into_bytes();
    PushMessage {
        method: "POST",
        query: String::new(),
        content_type: "application/json",
        headers: vec![("x-sandbox-signature".to_owned(), signature(secret, &body))],
        body,
    }
}

fn signature(secret: &str, body: &[u8]) -> String {
    hmac_sha256(secret.as_bytes(), &[body])
        .map_or_else(String::new, |mac| format!("sha256={}", hex::encode(mac)))
}
