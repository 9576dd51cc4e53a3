//! SANDBOX push notifications (format defined by Wearbridge, see the providers crate's
//! `sandbox::push`): a JSON list of `{user_id, data_type, start_date, end_date}` signed with
//! `x-sandbox-signature: sha256=<hex HMAC-SHA256(secret, body)>`.

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::providers::PushMessage;

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
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        }
        // HMAC accepts keys of any length; this arm cannot be taken.
        Err(_) => String::new(),
    }
}
