//! The committed bindings in `tests/generated/` are exactly what the generator produces for the
//! test worlds (`tests/worlds/wit`) and for its own corner cases (`tests/wit/edge.wit`). The
//! other tests `include!` them, so they compile and run the real generated code without a
//! build script. After a generator or WIT change:
//! `BLESS=1 cargo test -p gfx-component-gen --test golden`, then review the diff.

use std::path::{Path, PathBuf};

use gfx_component_gen::{generate, Options};

fn dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn check(wit: &Path, world: &str, opts: Options) {
    check_as(wit, world, world, opts)
}

fn check_as(wit: &Path, world: &str, file: &str, opts: Options) {
    let path = dir(&format!("tests/generated/{file}.rs"));
    let code = generate(wit, world, &opts).expect("generates");
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

/// With the by-name dispatcher, which the loop-back tests use.
fn with_dispatch() -> Options {
    Options {
        dispatch: true,
        ..Options::default()
    }
}

#[test]
fn values_bindings_are_current() {
    check(&dir("../../tests/worlds/wit"), "values", with_dispatch());
}

#[test]
fn resources_bindings_are_current() {
    check(&dir("../../tests/worlds/wit"), "resources", with_dispatch());
}

/// With trappable host methods.
#[test]
fn edge_bindings_are_current() {
    let opts = Options {
        trappable: true,
        ..with_dispatch()
    };
    check(&dir("tests/wit"), "edge", opts);
}

/// Async functions without streams or futures (tests/wit/asyncs.wit).
#[test]
fn asyncs_bindings_are_current() {
    check(&dir("tests/wit"), "asyncs", with_dispatch());
}

/// The test world `async` (tests/worlds/wit): async functions, streams and futures.
#[test]
fn async_world_bindings_are_current() {
    check_as(
        &dir("../../tests/worlds/wit"),
        "%async",
        "async_world",
        with_dispatch(),
    );
}

/// Stream and future corner cases (tests/wit/streams.wit).
#[test]
fn streams_bindings_are_current() {
    check(&dir("tests/wit"), "streams", with_dispatch());
}
