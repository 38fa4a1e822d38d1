//! The `gfx-worlds-wasmtime` binary: usage, errors and the transcript on stdout.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gfx-worlds-wasmtime"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn help_names_the_worlds() {
    let out = bin().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("usage: gfx-worlds-wasmtime <world> <component.wasm>"));
    assert!(text.contains("values | resources | async"));
}

#[test]
fn bad_arguments_exit_with_2() {
    for args in [
        &[][..],
        &["values"][..],
        &["nope", "x.wasm"][..],
        &["values", "/nonexistent.wasm"][..],
    ] {
        let out = bin().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn prints_the_golden_transcript() {
    let wasm = repo().join("guests/dist/worlds-values.wasm");
    let out = bin().arg("values").arg(&wasm).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let golden = std::fs::read(repo().join("tests/worlds/expected/values.txt")).unwrap();
    assert!(
        out.stdout == golden,
        "stdout differs from tests/worlds/expected/values.txt"
    );
}

#[test]
fn a_component_of_another_world_is_an_error_not_a_panic() {
    // A wasi-gfx example guest: it imports wasi:webgpu, which no test world provides.
    let wasm = repo().join("guests/dist/cpu-gradient.wasm");
    let out = bin().arg("values").arg(&wasm).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("running the `values` world"), "{err}");
    let garbage = bin()
        .arg("values")
        .arg(repo().join("crates/worlds-wasmtime/Cargo.toml"))
        .output()
        .unwrap();
    assert_eq!(garbage.status.code(), Some(1));
}
