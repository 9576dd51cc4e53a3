//! The `terra-signature` header, exactly as Terra's SDK verifiers parse it
//! (terra-api-notes D.2): `t=<unix seconds>,v1=<lowercase hex HMAC-SHA256>` where the MAC
//! is keyed with the secret string's UTF-8 bytes over `"<t>.<exact body bytes>"`.
//!
//! During a secret rotation the header carries one `v1` per valid secret, the new one
//! first: verifiers accept the header when *any* `v1` matches, so receivers still
//! configured with the old secret keep working for the overlap.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Lowercase hex HMAC-SHA256 of `"<timestamp>.<body>"` keyed with `secret`.
pub fn v1_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here; the fallback
    // keeps the function total without a panic path.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The full header value: `t=<timestamp>` then one `v1=` per secret, in the given order
/// (current secret first).
pub fn signature_header<S: AsRef<str>>(secrets: &[S], timestamp: i64, body: &[u8]) -> String {
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&v1_signature(secret.as_ref(), timestamp, body));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The MAC primitive against RFC 4231 test case 2 (key "Jefe"); the framing is
    /// checked by the independent verifier in `tests/it/webhooks.rs`.
    #[test]
    fn mac_matches_rfc4231_case_2() {
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap_or_else(|_| unreachable!());
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn header_lists_every_secret_new_first() {
        let header = signature_header(&["new", "old"], 1_723_808_700, b"{}");
        let parts: Vec<&str> = header.split(',').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.first().copied(), Some("t=1723808700"));
        assert_eq!(
            parts.get(1).copied().map(str::to_owned),
            Some(format!("v1={}", v1_signature("new", 1_723_808_700, b"{}")))
        );
        assert_ne!(parts.get(1), parts.get(2));
    }

    #[test]
    fn signature_covers_timestamp_and_body() {
        let base = v1_signature("s", 10, b"{\"a\":1}");
        assert_eq!(base.len(), 64);
        assert!(
            base.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_ne!(base, v1_signature("s", 11, b"{\"a\":1}"));
        assert_ne!(base, v1_signature("s", 10, b"{\"a\":2}"));
        assert_ne!(base, v1_signature("t", 10, b"{\"a\":1}"));
    }
}
