//! Signature section payloads: `section::decode` and `verify_section`. See
//! `gfx_trust::fuzzing::run_section` for the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gfx_trust::fuzzing::run_section(data));
