//! Whole files: `inspect` (the parse-only walk) against the validating
//! oracle. See `gfx_trust::fuzzing::run_inspect` for the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gfx_trust::fuzzing::run_inspect(data));
