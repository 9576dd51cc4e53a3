//! Encryption at rest for secrets the server must read back (webhook signing secrets now,
//! provider OAuth tokens later).
//!
//! AES-256-GCM with a random 96-bit nonce per message. Ciphertext text form:
//! `v<key-version>:` + base64(nonce ‖ ciphertext+tag). The version prefix lets operators
//! rotate keys: `WEARBRIDGE_ENCRYPTION_KEY` is either one base64 key (version 1) or a list
//! `2:<b64>,1:<b64>` where the first entry encrypts and every entry decrypts.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

/// AES-GCM standard nonce length in bytes.
const NONCE_LEN: usize = 12;
/// AES-256 key length in bytes.
const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("encryption key list is empty")]
    NoKeys,
    #[error("encryption key entry {0:?} is not `<version>:<base64>` with a positive version")]
    BadEntry(String),
    #[error("encryption key version {0} must be base64 of exactly 32 bytes")]
    BadKey(u32),
    #[error("encryption key version {0} appears twice")]
    DuplicateVersion(u32),
    #[error("ciphertext is not in the `v<version>:<base64>` form")]
    Malformed,
    #[error("ciphertext was made with key version {0}, which is not configured")]
    UnknownVersion(u32),
    #[error("ciphertext failed authentication (wrong key or tampered data)")]
    Authentication,
    #[error("encryption failed")]
    Encrypt,
    #[error("decrypted secret is not UTF-8")]
    NotUtf8,
    #[error("key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
}

/// A set of versioned AES-256-GCM keys; the primary one encrypts.
#[derive(Clone)]
pub struct Cipher {
    primary: u32,
    keys: BTreeMap<u32, Aes256Gcm>,
}

impl fmt::Debug for Cipher {
    /// Never prints key material, only which versions are loaded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher")
            .field("primary", &self.primary)
            .field("versions", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Cipher {
    /// Parses `<b64>` (version 1) or `<v>:<b64>,<v>:<b64>,...` (first entry encrypts).
    pub fn from_key_spec(spec: &str) -> Result<Cipher, CryptoError> {
        let entries: Vec<&str> = spec
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .collect();
        let mut keys = BTreeMap::new();
        let mut primary = None;
        for entry in entries {
            let (version, key) = parse_entry(entry)?;
            if keys.insert(version, key).is_some() {
                return Err(CryptoError::DuplicateVersion(version));
            }
            primary.get_or_insert(version);
        }
        let primary = primary.ok_or(CryptoError::NoKeys)?;
        Ok(Cipher { primary, keys })
    }

    /// A fresh random key spec (base64 of 32 bytes), e.g. for `developer` tooling or the
    /// development-mode key file.
    pub fn generate_key_spec() -> String {
        let mut key = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    /// Encrypts `plaintext` under the primary key.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String, CryptoError> {
        let key = self
            .keys
            .get(&self.primary)
            .ok_or(CryptoError::UnknownVersion(self.primary))?;
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = key
            .encrypt(&nonce, plaintext)
            .map_err(|_| CryptoError::Encrypt)?;
        let mut framed = Vec::with_capacity(NONCE_LEN + sealed.len());
        framed.extend_from_slice(&nonce);
        framed.extend_from_slice(&sealed);
        Ok(format!("v{}:{}", self.primary, STANDARD.encode(framed)))
    }

    /// Decrypts text produced by [`Cipher::encrypt`] with any configured key version.
    pub fn decrypt(&self, text: &str) -> Result<Vec<u8>, CryptoError> {
        let (version, body) = text
            .strip_prefix('v')
            .and_then(|rest| rest.split_once(':'))
            .ok_or(CryptoError::Malformed)?;
        let version: u32 = version.parse().map_err(|_| CryptoError::Malformed)?;
        let key = self
            .keys
            .get(&version)
            .ok_or(CryptoError::UnknownVersion(version))?;
        let framed = STANDARD.decode(body).map_err(|_| CryptoError::Malformed)?;
        let (nonce, sealed) = framed
            .split_at_checked(NONCE_LEN)
            .ok_or(CryptoError::Malformed)?;
        key.decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| CryptoError::Authentication)
    }

    /// [`Cipher::encrypt`] for text secrets.
    pub fn encrypt_str(&self, plaintext: &str) -> Result<String, CryptoError> {
        self.encrypt(plaintext.as_bytes())
    }

    /// [`Cipher::decrypt`] for text secrets.
    pub fn decrypt_str(&self, text: &str) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt(text)?).map_err(|_| CryptoError::NotUtf8)
    }
}

fn parse_entry(entry: &str) -> Result<(u32, Aes256Gcm), CryptoError> {
    let (version, encoded) = match entry.split_once(':') {
        Some((version, encoded)) => {
            let version: u32 = version
                .trim()
                .parse()
                .map_err(|_| CryptoError::BadEntry(redact(entry)))?;
            (version, encoded.trim())
        }
        None => (1, entry),
    };
    if version == 0 {
        return Err(CryptoError::BadEntry(redact(entry)));
    }
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|_| CryptoError::BadKey(version))?;
    let key = Aes256Gcm::new_from_slice(&bytes).map_err(|_| CryptoError::BadKey(version))?;
    Ok((version, key))
}

/// Error messages show the version part of a bad entry, never key material.
fn redact(entry: &str) -> String {
    match entry.split_once(':') {
        Some((version, _)) => format!("{version}:<redacted>"),
        None => "<redacted>".to_owned(),
    }
}

/// Reads the key spec stored at `path`, or creates the file (mode 0600, parent
/// directories included) with a fresh key. Used only in development mode when no key is
/// configured, so a local database keeps decrypting across restarts.
pub fn load_or_create_key_file(path: &Path) -> Result<String, CryptoError> {
    let key_file_error = |source| CryptoError::KeyFile {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => return Ok(text.trim().to_owned()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(key_file_error(error)),
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(key_file_error)?;
    }
    let spec = Cipher::generate_key_spec();
    write_private_file(path, &spec).map_err(key_file_error)?;
    Ok(spec)
}

#[cfg(unix)]
fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, format!("{contents}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(spec: &str) -> Cipher {
        match Cipher::from_key_spec(spec) {
            Ok(cipher) => cipher,
            Err(error) => panic!("valid spec rejected: {error}"),
        }
    }

    #[test]
    fn round_trips_and_prefixes_the_version() -> Result<(), CryptoError> {
        let spec = format!(
            "2:{},1:{}",
            Cipher::generate_key_spec(),
            Cipher::generate_key_spec()
        );
        let cipher = cipher(&spec);
        let sealed = cipher.encrypt_str("whsec")?;
        assert!(sealed.starts_with("v2:"));
        assert_eq!(cipher.decrypt_str(&sealed)?, "whsec");
        Ok(())
    }

    #[test]
    fn old_versions_still_decrypt_after_rotation() -> Result<(), CryptoError> {
        let old = Cipher::generate_key_spec();
        let before = cipher(&old);
        let sealed = before.encrypt_str("secret")?;
        let after = cipher(&format!("2:{},1:{old}", Cipher::generate_key_spec()));
        assert_eq!(after.decrypt_str(&sealed)?, "secret");
        Ok(())
    }

    #[test]
    fn wrong_key_and_tampering_are_rejected() -> Result<(), CryptoError> {
        let sealed = cipher(&Cipher::generate_key_spec()).encrypt_str("secret")?;
        let other = cipher(&Cipher::generate_key_spec());
        assert!(matches!(
            other.decrypt(&sealed),
            Err(CryptoError::Authentication)
        ));
        assert!(matches!(other.decrypt("v1:"), Err(CryptoError::Malformed)));
        assert!(matches!(
            other.decrypt("nonsense"),
            Err(CryptoError::Malformed)
        ));
        assert!(matches!(
            other.decrypt(&sealed.replacen("v1:", "v9:", 1)),
            Err(CryptoError::UnknownVersion(9))
        ));
        Ok(())
    }

    #[test]
    fn bad_specs_name_the_problem() {
        assert!(matches!(
            Cipher::from_key_spec(""),
            Err(CryptoError::NoKeys)
        ));
        assert!(matches!(
            Cipher::from_key_spec("c2hvcnQ="),
            Err(CryptoError::BadKey(1))
        ));
        let key = Cipher::generate_key_spec();
        assert!(matches!(
            Cipher::from_key_spec(&format!("1:{key},1:{key}")),
            Err(CryptoError::DuplicateVersion(1))
        ));
        assert!(matches!(
            Cipher::from_key_spec(&format!("x:{key}")),
            Err(CryptoError::BadEntry(_))
        ));
    }

    #[test]
    fn key_file_is_created_once_and_private() -> Result<(), CryptoError> {
        let dir = tempfile::tempdir().map_err(|source| CryptoError::KeyFile {
            path: "tempdir".into(),
            source,
        })?;
        let path = dir.path().join("nested").join("encryption.key");
        let first = load_or_create_key_file(&path)?;
        let second = load_or_create_key_file(&path)?;
        assert_eq!(first, second);
        assert!(Cipher::from_key_spec(&first).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map(|meta| meta.permissions().mode() & 0o777)
                .unwrap_or_default();
            assert_eq!(mode, 0o600);
        }
        Ok(())
    }
}
