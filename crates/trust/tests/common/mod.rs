//! Shared fixtures for the trust-core tests: the same deterministic world the
//! fuzz harnesses use (`gfx_trust::fuzzing`), plus small helpers.
#![allow(dead_code)]

pub mod components;

use gfx_trust::keyring::KeyringDoc;
use gfx_trust::{Keyring, SigningKey, TrustLevel};

#[allow(unused_imports)]
pub use gfx_trust::fuzzing::{
    fixture_claims as claims, fixture_component as component, fixture_entry as entry,
    fixture_key as key, fixture_now as now,
};

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
