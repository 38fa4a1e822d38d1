//! Keyring JSON (`KeyringDoc::from_json`, `Keyring::from_json`) and, on the
//! same bytes when UTF-8, `Policy::parse`. See
//! `gfx_trust::fuzzing::run_keyring` for the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gfx_trust::fuzzing::run_keyring(data));
