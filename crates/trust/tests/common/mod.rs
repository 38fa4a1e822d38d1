//! Shared fixtures for the trust-core tests.
#![allow(dead_code)]

use gfx_trust::container::COMPONENT_PREAMBLE;
use gfx_trust::keyring::{KeyEntryDoc, KeyringDoc, ALGORITHM};
use gfx_trust::{Claims, Keyring, SigningKey, TrustLevel};
use time::OffsetDateTime;

/// A deterministic test key.
pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_secret_bytes(&[seed; 32]).expect("valid scalar")
}

/// 2026-06-01T00:00:00Z.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_272_000).unwrap()
}

/// A small but structurally real component: a custom section, a (fake)
/// nested module section, a type section and a producers section.
pub fn component() -> Vec<u8> {
    let mut file = COMPONENT_PREAMBLE.to_vec();
    // custom "name"-like section
    file.extend_from_slice(&[0x00, 0x06, 0x04, b'n', b'o', b't', b'e', 0x2a]);
    // core module section holding an empty core module
    file.extend_from_slice(&[0x01, 0x08]);
    file.extend_from_slice(b"\0asm\x01\x00\x00\x00");
    // a type section of 3 opaque bytes
    file.extend_from_slice(&[0x07, 0x03, 0x01, 0x02, 0x03]);
    file
}

/// Claims at `level`, signer "Acme".
pub fn claims(level: TrustLevel) -> Claims {
    Claims {
        level,
        signer: "Acme".into(),
        name: Some("demo".into()),
        version: Some("1.0.0".into()),
        capabilities: vec![],
        issued_at: OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap(), // 2026-01-01
        expires_at: None,
    }
}

/// A keyring entry for `key` capped at `max`.
pub fn entry(key: &SigningKey, max: TrustLevel) -> KeyEntryDoc {
    KeyEntryDoc {
        key_id: Some(key.public_key().id().to_string()),
        algorithm: ALGORITHM.into(),
        public_key: Some(key.public_key().to_pem()),
        jwk: None,
        max_level: max,
        label: Some(format!("key {}", key.public_key().id())),
        not_before: None,
        not_after: None,
    }
}

/// A keyring trusting `keys` with their caps.
pub fn keyring(keys: &[(&SigningKey, TrustLevel)]) -> Keyring {
    let doc = KeyringDoc {
        keys: keys.iter().map(|(k, l)| entry(k, *l)).collect(),
        ..KeyringDoc::default()
    };
    Keyring::from_doc(&doc).expect("valid keyring")
}

/// `component()` signed by `key` at `level`.
pub fn signed(key: &SigningKey, level: TrustLevel) -> Vec<u8> {
    gfx_trust::sign::sign(&component(), key, claims(level), "demo.wasm").expect("signable")
}
