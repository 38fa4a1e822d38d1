//! The keyring: which keys a page, a server or the CLI trusts, and how far.
//!
//! One JSON format everywhere:
//!
//! ```json
//! {
//!   "version": 1,
//!   "sequence": 4,
//!   "keys": [{
//!     "keyId": "sha256:…",                 // optional; checked if present
//!     "algorithm": "ecdsa-p256-sha256",
//!     "publicKey": "-----BEGIN PUBLIC KEY-----…",   // or "jwk": {…}
//!     "maxLevel": "publisher-signed",
//!     "label": "Acme Graphics",
//!     "notBefore": "2026-01-01T00:00:00Z",  // optional
//!     "notAfter": "2027-01-01T00:00:00Z"    // optional
//!   }],
//!   "revoked": ["sha256:…"]
//! }
//! ```
//!
//! Keys with an algorithm we do not know are ignored (so newer keyrings stay
//! readable), but listed in [`Keyring::ignored`]. `sequence` only goes up:
//! [`Keyring::check_not_rollback`] refuses a keyring older than one already seen.

use time::OffsetDateTime;

use crate::key::{Jwk, KeyError, KeyId, PublicKey};
use crate::level::TrustLevel;

/// The only keyring format version.
pub const KEYRING_VERSION: u32 = 1;
/// The only signature algorithm.
pub const ALGORITHM: &str = "ecdsa-p256-sha256";
/// Hard caps.
pub const MAX_KEYS: usize = 1024;
/// Hard cap on revoked ids.
pub const MAX_REVOKED: usize = 16 * 1024;
/// Hard cap on the JSON size.
pub const MAX_KEYRING_BYTES: usize = 4 * 1024 * 1024;

/// A problem with a keyring.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// Larger than [`MAX_KEYRING_BYTES`].
    #[error("keyring is {0} bytes, more than the {MAX_KEYRING_BYTES}-byte cap")]
    TooLarge(usize),
    /// Not the JSON shape of a keyring (includes the path of the bad field).
    #[error("keyring is not valid: {0}")]
    Json(String),
    /// Unknown version.
    #[error("keyring version {0} is not supported (expected {KEYRING_VERSION})")]
    Version(u32),
    /// Too many keys or revocations.
    #[error("keyring has too many {what} ({count}, at most {max})")]
    TooMany {
        /// `keys` or `revoked`.
        what: &'static str,
        /// How many.
        count: usize,
        /// The cap.
        max: usize,
    },
    /// A key entry is invalid.
    #[error("keys[{index}]: {problem}")]
    BadKey {
        /// Index into `keys`.
        index: usize,
        /// What is wrong.
        problem: String,
    },
    /// The same key appears twice.
    #[error("keys[{index}]: key {key_id} is already in the keyring")]
    DuplicateKey {
        /// Index into `keys`.
        index: usize,
        /// The key.
        key_id: KeyId,
    },
    /// A revoked entry is not a key id.
    #[error("revoked[{index}]: {source}")]
    BadRevoked {
        /// Index into `revoked`.
        index: usize,
        /// The problem.
        source: KeyError,
    },
    /// This keyring is older than one already accepted.
    #[error("keyring sequence {found} is older than the {seen} already seen (rollback refused)")]
    Rollback {
        /// This keyring's sequence.
        found: u64,
        /// The highest sequence seen before.
        seen: u64,
    },
}

/// One key entry as written in the JSON file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeyEntryDoc {
    /// `sha256:<hex>` of the SPKI; checked against the key if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Signature algorithm; only `ecdsa-p256-sha256` is understood.
    pub algorithm: String,
    /// PEM SPKI public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// JWK public key (instead of `publicKey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk: Option<Jwk>,
    /// Highest level this key may vouch for.
    pub max_level: TrustLevel,
    /// Human-readable label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Signatures by this key count only from this time.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_before: Option<OffsetDateTime>,
    /// Signatures by this key count only until this time.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_after: Option<OffsetDateTime>,
}

/// The keyring JSON document, editable (the CLI adds and revokes through it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeyringDoc {
    /// Format version, 1.
    pub version: u32,
    /// Monotonic sequence number.
    pub sequence: u64,
    /// Trusted keys.
    #[serde(default)]
    pub keys: Vec<KeyEntryDoc>,
    /// Revoked key ids.
    #[serde(default)]
    pub revoked: Vec<String>,
}

impl Default for KeyringDoc {
    fn default() -> Self {
        KeyringDoc {
            version: KEYRING_VERSION,
            sequence: 0,
            keys: Vec::new(),
            revoked: Vec::new(),
        }
    }
}

impl KeyringDoc {
    /// Parses the JSON document (shape only; [`Keyring::from_doc`] validates the keys).
    pub fn from_json(bytes: &[u8]) -> Result<Self, KeyringError> {
        if bytes.len() > MAX_KEYRING_BYTES {
            return Err(KeyringError::TooLarge(bytes.len()));
        }
        crate::json::from_slice(bytes).map_err(KeyringError::Json)
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// A trusted key with its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// The key.
    pub key: PublicKey,
    /// Highest level it may vouch for.
    pub max_level: TrustLevel,
    /// Label.
    pub label: Option<String>,
    /// Start of validity.
    pub not_before: Option<OffsetDateTime>,
    /// End of validity.
    pub not_after: Option<OffsetDateTime>,
}

/// A key entry skipped because its algorithm is unknown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IgnoredKey {
    /// Index into `keys`.
    pub index: usize,
    /// Its algorithm.
    pub algorithm: String,
}

/// A validated keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyring {
    sequence: u64,
    keys: Vec<TrustedKey>,
    /// Sorted, without duplicates (a set; a `Vec` links far less code into the browser loader).
    revoked: Vec<KeyId>,
    ignored: Vec<IgnoredKey>,
}

impl Keyring {
    /// Parses and validates keyring JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, KeyringError> {
        Self::from_doc(&KeyringDoc::from_json(bytes)?)
    }

    /// Validates a keyring document.
    pub fn from_doc(doc: &KeyringDoc) -> Result<Self, KeyringError> {
        if doc.version != KEYRING_VERSION {
            return Err(KeyringError::Version(doc.version));
        }
        if doc.keys.len() > MAX_KEYS {
            return Err(KeyringError::TooMany {
                what: "keys",
                count: doc.keys.len(),
                max: MAX_KEYS,
            });
        }
        if doc.revoked.len() > MAX_REVOKED {
            return Err(KeyringError::TooMany {
                what: "revoked",
                count: doc.revoked.len(),
                max: MAX_REVOKED,
            });
        }
        let mut keys: Vec<TrustedKey> = Vec::with_capacity(doc.keys.len());
        let mut ignored = Vec::new();
        for (index, entry) in doc.keys.iter().enumerate() {
            if entry.algorithm != ALGORITHM {
                ignored.push(IgnoredKey {
                    index,
                    algorithm: entry.algorithm.clone(),
                });
                continue;
            }
            let bad = |problem: String| KeyringError::BadKey { index, problem };
            let key = match (&entry.public_key, &entry.jwk) {
                (Some(pem), None) => PublicKey::from_pem(pem),
                (None, Some(jwk)) => PublicKey::from_jwk(jwk),
                _ => {
                    return Err(bad(
                        "exactly one of `publicKey` and `jwk` is required".into()
                    ))
                }
            }
            .map_err(|e| bad(e.to_string()))?;
            if let Some(id) = &entry.key_id {
                let stated: KeyId = id.parse().map_err(|e: KeyError| bad(e.to_string()))?;
                if stated != key.id() {
                    return Err(bad(format!(
                        "keyId {stated} does not match the key ({})",
                        key.id()
                    )));
                }
            }
            if let (Some(nb), Some(na)) = (entry.not_before, entry.not_after) {
                if na <= nb {
                    return Err(bad("notAfter must be later than notBefore".into()));
                }
            }
            if keys.iter().any(|k| k.key.id() == key.id()) {
                return Err(KeyringError::DuplicateKey {
                    index,
                    key_id: key.id(),
                });
            }
            keys.push(TrustedKey {
                key,
                max_level: entry.max_level,
                label: entry.label.clone(),
                not_before: entry.not_before,
                not_after: entry.not_after,
            });
        }
        let mut revoked = Vec::with_capacity(doc.revoked.len());
        for (index, id) in doc.revoked.iter().enumerate() {
            let id: KeyId = id
                .parse()
                .map_err(|source| KeyringError::BadRevoked { index, source })?;
            revoked.push(id);
        }
        let mut revoked = crate::sorted(revoked);
        revoked.dedup();
        Ok(Keyring {
            sequence: doc.sequence,
            keys,
            revoked,
            ignored,
        })
    }

    /// The keyring's sequence number.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The usable keys (revoked ones included; see [`Keyring::is_revoked`]).
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// Entries skipped for an unknown algorithm.
    pub fn ignored(&self) -> &[IgnoredKey] {
        &self.ignored
    }

    /// The key with this id, if trusted.
    pub fn find(&self, id: &KeyId) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.key.id() == *id)
    }

    /// Whether this key id is revoked.
    pub fn is_revoked(&self, id: &KeyId) -> bool {
        self.revoked.binary_search(id).is_ok()
    }

    /// Revoked ids.
    pub fn revoked(&self) -> impl Iterator<Item = &KeyId> {
        self.revoked.iter()
    }

    /// Refuses this keyring if `seen` (the highest sequence accepted before)
    /// is newer. Callers persist the highest sequence they accepted.
    pub fn check_not_rollback(&self, seen: u64) -> Result<(), KeyringError> {
        if self.sequence < seen {
            Err(KeyringError::Rollback {
                found: self.sequence,
                seen,
            })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SigningKey;

    fn doc_with(key: &PublicKey) -> KeyringDoc {
        KeyringDoc {
            keys: vec![KeyEntryDoc {
                key_id: Some(key.id().to_string()),
                algorithm: ALGORITHM.into(),
                public_key: Some(key.to_pem()),
                jwk: None,
                max_level: TrustLevel::PublisherSigned,
                label: Some("test".into()),
                not_before: None,
                not_after: None,
            }],
            ..KeyringDoc::default()
        }
    }

    #[test]
    fn keyring_json_round_trips() {
        let k = SigningKey::from_secret_bytes(&[1; 32]).unwrap();
        let doc = doc_with(k.public_key());
        let json = doc.to_json_pretty();
        let ring = Keyring::from_json(json.as_bytes()).unwrap();
        assert_eq!(
            ring.find(&k.public_key().id()).unwrap().max_level,
            TrustLevel::PublisherSigned
        );
    }

    #[test]
    fn a_stated_key_id_must_match_the_key() {
        let k = SigningKey::from_secret_bytes(&[1; 32]).unwrap();
        let other = SigningKey::from_secret_bytes(&[2; 32]).unwrap();
        let mut doc = doc_with(k.public_key());
        doc.keys[0].key_id = Some(other.public_key().id().to_string());
        assert!(matches!(
            Keyring::from_doc(&doc),
            Err(KeyringError::BadKey { index: 0, .. })
        ));
    }

    #[test]
    fn unknown_algorithms_are_ignored_not_fatal() {
        let k = SigningKey::from_secret_bytes(&[1; 32]).unwrap();
        let mut doc = doc_with(k.public_key());
        doc.keys[0].algorithm = "ed25519".into();
        let ring = Keyring::from_doc(&doc).unwrap();
        assert!(ring.keys().is_empty());
        assert_eq!(ring.ignored()[0].algorithm, "ed25519");
    }

    #[test]
    fn errors_name_the_offending_field() {
        let err = KeyringDoc::from_json(br#"{"version":1,"sequence":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("sequence"), "{err}");
        let err = KeyringDoc::from_json(
            br#"{"version":1,"sequence":1,"keys":[{"algorithm":"a","maxLevel":"root"}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("keys[0].maxLevel"), "{err}");
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let k = SigningKey::from_secret_bytes(&[1; 32]).unwrap();
        let mut doc = doc_with(k.public_key());
        doc.keys.push(doc.keys[0].clone());
        assert!(matches!(
            Keyring::from_doc(&doc),
            Err(KeyringError::DuplicateKey { index: 1, .. })
        ));
    }
}
