//! Developer credentials: API keys and webhook signing secrets.
//!
//! API keys are 32 random bytes (256 bits), url-safe base64, shown once and stored only as
//! SHA-256 hex. A fast unsalted hash is sufficient here because the key is high-entropy
//! random data, not a human password: there is nothing to brute-force or look up in a
//! table. Comparison is constant-time (`subtle`) so a timing side channel cannot reveal how
//! much of a guessed hash matched.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Random bytes in an API key and in a webhook signing secret.
const SECRET_BYTES: usize = 32;

/// Generates a new API key: 32 bytes from the OS random generator, url-safe base64
/// without padding (43 characters).
pub fn generate_api_key() -> SecretString {
    SecretString::from(random_url_safe(SECRET_BYTES))
}

/// Generates a webhook signing secret. Terra treats it as an opaque string whose UTF-8
/// bytes key the HMAC; hex keeps it copy-paste safe everywhere.
pub fn generate_webhook_secret() -> SecretString {
    let mut bytes = [0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    SecretString::from(hex::encode(bytes))
}

/// The stored form of an API key: lowercase SHA-256 hex.
pub fn hash_api_key(api_key: &str) -> String {
    hex::encode(Sha256::digest(api_key.as_bytes()))
}

/// Whether `presented` hashes to `stored_hash`, compared in constant time.
pub fn api_key_matches(presented: &str, stored_hash: &str) -> bool {
    hashes_match(&hash_api_key(presented), stored_hash)
}

/// Whether two key hashes are equal, compared in constant time.
pub fn hashes_match(presented_hash: &str, stored_hash: &str) -> bool {
    presented_hash
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

fn random_url_safe(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh one-time secret: 256 random bits from the OS, hex (URL- and header-safe).
pub fn random_secret() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 hex of a one-time secret: what the database keeps, so a database leak does not
/// hand out usable `state` values or SDK tokens. No salt is needed: the secrets are
/// 256-bit random, not guessable passwords.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn a_key_matches_its_own_hash_only() {
        let key = generate_api_key();
        let hash = hash_api_key(key.expose_secret());
        assert!(api_key_matches(key.expose_secret(), &hash));
        let other = generate_api_key();
        assert!(!api_key_matches(other.expose_secret(), &hash));
        assert!(!api_key_matches("", &hash));
    }

    #[test]
    fn keys_are_url_safe_and_long() {
        let key = generate_api_key();
        let text = key.expose_secret();
        assert_eq!(text.len(), 43);
        assert!(
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(text, generate_api_key().expose_secret());
    }

    #[test]
    fn hash_is_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2 test vector.
        assert_eq!(
            hash_api_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn secrets_are_long_random_and_hashed() {
        let first = random_secret();
        let second = random_secret();
        assert_eq!(first.len(), 64);
        assert_ne!(first, second);
        assert_eq!(secret_hash(&first).len(), 64);
        assert_ne!(secret_hash(&first), first);
        assert_eq!(secret_hash(&first), secret_hash(&first));
    }
}
