//! The fuzz corpora as a regression test, on stable Rust and plain `cargo test`.
//!
//! Every file in `crates/trust/fuzz/corpus/<target>/` (and, when present,
//! `crates/trust/fuzz/artifacts/<target>/`, where libFuzzer stores crashing
//! inputs) goes through the same harness the cargo-fuzz target runs
//! ([`gfx_trust::fuzzing`]): parsers must not panic and the harness's
//! invariants must hold. Every failing file is reported, not just the first.
//! A missing or empty corpus directory is a failure: a test that ran nothing
//! must not pass.

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

use gfx_trust::fuzzing::Target;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Regular files directly inside `dir`, sorted by name.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every file through `target`; returns the failures as messages.
fn run_all(target: Target, files: &[PathBuf]) -> Vec<String> {
    let mut failures = Vec::new();
    for path in files {
        let bytes =
            fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        if let Err(payload) = panic::catch_unwind(|| target.run(&bytes)) {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "non-string panic".into());
            failures.push(format!(
                "{} ({} bytes): {message}",
                path.display(),
                bytes.len()
            ));
        }
    }
    failures
}

fn check_corpus(target: Target) {
    let dir = fuzz_dir().join("corpus").join(target.name());
    assert!(
        dir.is_dir(),
        "corpus directory {} is missing (regenerate: cargo test -p gfx-trust --test gen_corpus -- --ignored)",
        dir.display()
    );
    let files = files_in(&dir);
    assert!(
        !files.is_empty(),
        "corpus directory {} is empty",
        dir.display()
    );
    let failures = run_all(target, &files);
    assert!(
        failures.is_empty(),
        "{} of {} {} corpus inputs failed:\n{}",
        failures.len(),
        files.len(),
        target.name(),
        failures.join("\n")
    );
}

#[test]
fn container_corpus() {
    check_corpus(Target::Container);
}

#[test]
fn section_corpus() {
    check_corpus(Target::Section);
}

#[test]
fn keyring_corpus() {
    check_corpus(Target::Keyring);
}

#[test]
fn inspect_corpus() {
    check_corpus(Target::Inspect);
}

/// Crash, leak, timeout and out-of-memory inputs libFuzzer saved.
///
/// `fuzz/artifacts/` exists only after a fuzzer run found something (or
/// someone committed such an input); when it is absent there is nothing to
/// replay. Once present, every subdirectory must name a target.
#[test]
fn fuzz_artifacts_if_any() {
    let dir = fuzz_dir().join("artifacts");
    if !dir.is_dir() {
        return;
    }
    let mut failures = Vec::new();
    for entry in fs::read_dir(&dir).expect("artifacts directory") {
        let path = entry.expect("directory entry").path();
        if !path.is_dir() {
            continue;
        }
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let target = Target::from_name(&name)
            .unwrap_or_else(|| panic!("{} does not name a fuzz target", path.display()));
        failures.extend(run_all(target, &files_in(&path)));
    }
    assert!(
        failures.is_empty(),
        "fuzz artifacts still fail:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    for target in Target::ALL {
        let file = fuzz_dir()
            .join("fuzz_targets")
            .join(format!("{}.rs", target.name()));
        assert!(file.is_file(), "{} is missing", file.display());
    }
}
