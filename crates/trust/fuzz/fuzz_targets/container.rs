//! Whole files: `Container::parse`, its digest, the streaming `Digester` over
//! several chunkings, and `verify` against the fixture keyring. See
//! `gfx_trust::fuzzing::run_container` for the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gfx_trust::fuzzing::run_container(data));
