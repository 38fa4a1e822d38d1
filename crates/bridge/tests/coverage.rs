//! The coverage table of the bridge (`crates/bridge/COVERAGE.md`), generated from the WIT: every
//! function of world `bridge` with what the bridge does with it —
//!
//! - **tested**: implemented, and called by a browser test of the bridge (`tests/*.rs`);
//! - **implemented**: the bridge overrides the host trait method (its name appears in `src/`);
//! - **traps**: the generated default, which traps naming the function.
//!
//! The committed file must be what this test generates; after a change run
//! `BLESS=1 cargo test -p gfx-bridge --test coverage` and commit the result.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every identifier in the `.rs` files under `dir` (recursively), except in `skip`.
fn identifiers(dir: &Path, skip: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .expect("readable source directory")
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs")
                && (skip.is_empty() || !p.ends_with(skip))
            {
                let text = std::fs::read_to_string(&p).expect("readable source");
                for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                    if !word.is_empty() {
                        out.insert(word.to_owned());
                    }
                }
            }
        }
    }
    out
}

fn table() -> String {
    let dir = crate_dir();
    let functions =
        gfx_component_gen::host_functions(&dir.join("../../wit"), "wasi-gfx-loader:guests/bridge")
            .expect("the bridge world resolves");
    let src = identifiers(&dir.join("src"), "");
    let tests = identifiers(&dir.join("tests"), "coverage.rs");
    let status = |method: &str| match (src.contains(method), tests.contains(method)) {
        (true, true) => "tested",
        (true, false) => "implemented",
        (false, _) => "traps",
    };
    let mut counts = std::collections::BTreeMap::<&str, [usize; 3]>::new();
    for f in &functions {
        let c = counts.entry(f.interface.as_str()).or_default();
        match status(&f.method) {
            "tested" => c[0] += 1,
            "implemented" => c[1] += 1,
            _ => c[2] += 1,
        }
    }
    let mut out = String::new();
    out.push_str(
        "# wasi-gfx bridge: coverage\n\n\
         Generated from the WIT by `crates/bridge/tests/coverage.rs` — do not edit; regenerate with\n\
         `BLESS=1 cargo test -p gfx-bridge --test coverage`.\n\n\
         - **tested**: implemented, and called by a browser test of the bridge (`crates/bridge/tests/`),\n  \
           which checks what WebGPU did;\n\
         - **implemented**: the bridge implements it (the host trait method is overridden in `src/`);\n\
         - **traps**: not implemented: a call traps with a message naming the function.\n\n\
         The example guests exercise more of it end to end (`tests/e2e`).\n\n\
         | interface | functions | tested | implemented | traps |\n|---|---:|---:|---:|---:|\n",
    );
    let mut total = [0usize; 3];
    for (iface, c) in &counts {
        let n: usize = c.iter().sum();
        let _ = writeln!(out, "| `{iface}` | {n} | {} | {} | {} |", c[0], c[1], c[2]);
        for (t, v) in total.iter_mut().zip(c) {
            *t += v;
        }
    }
    let _ = writeln!(
        out,
        "| **all** | {} | {} | {} | {} |",
        total.iter().sum::<usize>(),
        total[0],
        total[1],
        total[2]
    );
    let mut current = "";
    for f in &functions {
        if f.interface != current {
            current = &f.interface;
            let _ = write!(
                out,
                "\n## `{current}`\n\n| function | status |\n|---|---|\n"
            );
        }
        let asyncness = if f.is_async { " (async)" } else { "" };
        let _ = writeln!(
            out,
            "| `{}`{asyncness} | {} |",
            f.function,
            status(&f.method)
        );
    }
    out
}

#[test]
fn the_committed_coverage_table_is_current() {
    let path = crate_dir().join("COVERAGE.md");
    let table = table();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &table).expect("write COVERAGE.md");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == table,
        "{} is stale: run BLESS=1 cargo test -p gfx-bridge --test coverage",
        path.display()
    );
}
