//! The committed bindings in `tests/generated/` are exactly what the generator produces for the
//! test worlds (`tests/worlds/wit`). The other tests `include!` them, so they compile and run
//! the real generated code without a build script. After a generator or WIT change:
//! `BLESS=1 cargo test -p gfx-component-gen --test golden`, then review the diff.

use std::path::{Path, PathBuf};

use gfx_component_gen::{generate, Options};

fn wit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/worlds/wit")
}

fn check(world: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/generated/{world}.rs"));
    // With the by-name dispatcher, which the loop-back tests use.
    let opts = Options {
        dispatch: true,
        ..Options::default()
    };
    let code = generate(&wit(), world, &opts).expect("generates");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &code).expect("write");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == code,
        "{} is stale: run BLESS=1 cargo test -p gfx-component-gen --test golden",
        path.display()
    );
}

#[test]
fn values_bindings_are_current() {
    check("values");
}

#[test]
fn resources_bindings_are_current() {
    check("resources");
}
