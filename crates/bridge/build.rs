//! Generates the host bindings of world `wasi-gfx-loader:guests/bridge` (wit/guests.wit: the
//! imports of both kinds of wasi-gfx app) into OUT_DIR with gfx-component-gen: one host trait
//! per resource, every method trappable with a default that traps naming the function, and
//! `ToJs` for the WIT types (WebGPU's descriptors are plain JavaScript objects).

use std::path::Path;

/// WebGPU spellings WIT cannot use (identifiers do not start with a digit).
const JS_NAMES: &[(&str, &str)] = &[
    ("d1", "1d"),
    ("d2", "2d"),
    ("d3", "3d"),
    ("d2-array", "2d-array"),
];

fn main() {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo::rerun-if-changed={}", wit.display());
    let opts = gfx_component_gen::Options {
        trappable: true,
        resource_traits: true,
        unimplemented: true,
        to_js: true,
        js_names: JS_NAMES
            .iter()
            .map(|(w, j)| (w.to_string(), j.to_string()))
            .collect(),
        ..Default::default()
    };
    let code = gfx_component_gen::generate(&wit, "wasi-gfx-loader:guests/bridge", &opts)
        .unwrap_or_else(|e| panic!("generating the bridge world: {e:#}"));
    std::fs::write(out.join("bridge.rs"), code).expect("writing the generated bindings");
}
