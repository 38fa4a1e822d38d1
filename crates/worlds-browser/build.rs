//! Generates the host bindings of the test worlds (tests/worlds/wit) and of the call benchmark
//! (bench/wit) into OUT_DIR with gfx-component-gen.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let opts = gfx_component_gen::Options::default();
    for (wit, world, file) in [
        ("tests/worlds/wit", "gfx-test:worlds/values", "values.rs"),
        (
            "tests/worlds/wit",
            "gfx-test:worlds/resources",
            "resources.rs",
        ),
        ("bench/wit", "gfx-bench:calls/calls", "calls.rs"),
        (
            "tests/worlds/wit",
            "gfx-test:worlds/%async",
            "async_world.rs",
        ),
        // The generator's own async test world (its fixtures, reused: one async host to test
        // the runtime's async-lowered calls against).
        (
            "crates/component-gen/tests/wit",
            "gfx-test:edge/asyncs",
            "asyncs.rs",
        ),
    ] {
        let dir = root.join(wit);
        println!("cargo::rerun-if-changed={}", dir.display());
        let code = gfx_component_gen::generate(&dir, world, &opts)
            .unwrap_or_else(|e| panic!("generating {world}: {e:#}"));
        std::fs::write(out.join(file), code).expect("writing the generated bindings");
    }
}
