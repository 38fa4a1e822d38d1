//! Every world's transcript under wasmtime equals its golden file, `tests/worlds/expected/<world>.txt`.
//!
//! The guests are read from `guests/dist/` (build them with `scripts/build-guests.sh`). With
//! `BLESS=1` the tests rewrite the golden files instead of comparing; review the diff before
//! committing it (tests/worlds/README.md is the specification, not the oracle).

use std::path::PathBuf;

use gfx_worlds_wasmtime::{World, run_world};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn guest(world: World) -> Vec<u8> {
    let path = repo().join(format!("guests/dist/{}.wasm", world.guest_package()));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (build the guests with scripts/build-guests.sh)",
            path.display()
        )
    })
}

fn transcript(world: World) -> String {
    run_world(world, &guest(world)).unwrap_or_else(|e| panic!("{world}: {e:#}"))
}

fn assert_matches_golden(world: World) {
    let actual = transcript(world);
    let path = repo().join(format!("tests/worlds/expected/{world}.txt"));
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (BLESS=1 writes it)", path.display()));
    if actual != expected {
        let (n, (a, e)) = actual
            .lines()
            .chain(std::iter::repeat("<end>"))
            .zip(expected.lines().chain(std::iter::repeat("<end>")))
            .enumerate()
            .find(|(_, (a, e))| a != e)
            .unwrap_or((0, ("<same lines>", "<different line endings>")));
        panic!(
            "{world}: transcript differs from {} at line {}\n  expected: {e}\n  actual:   {a}",
            path.display(),
            n + 1
        );
    }
}

#[test]
fn values_transcript_matches_golden() {
    assert_matches_golden(World::Values);
}

/// Both sides give `ops` the same behaviour and the driver uses the guest's inputs, so the
/// guest's `import` lines and the host's `export` lines agree but for the prefix.
#[test]
fn values_imports_and_exports_agree() {
    let t = transcript(World::Values);
    let imports: Vec<_> = t
        .lines()
        .filter_map(|l| l.strip_prefix("import "))
        .collect();
    let exports: Vec<_> = t
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .collect();
    assert!(imports.len() > 90, "{} import lines", imports.len());
    assert_eq!(imports, exports);
}

#[test]
fn resources_transcript_matches_golden() {
    assert_matches_golden(World::Resources);
}

/// The drop logs name every resource once, in the order README gives.
#[test]
fn resources_drop_order_is_the_documented_one() {
    let t = transcript(World::Resources);
    let last = |prefix: &str| {
        t.lines()
            .rfind(|l| l.starts_with(prefix))
            .map(str::to_owned)
    };
    assert_eq!(
        last("import counters.drops()").as_deref(),
        Some("import counters.drops() -> [1, 3, 2, 4]")
    );
    assert_eq!(
        last("export accumulators.dropped()").as_deref(),
        Some(r#"export accumulators.dropped() -> ["b", "a+b", "a2"]"#)
    );
}

#[test]
fn async_transcript_matches_golden() {
    assert_matches_golden(World::Async);
}

/// Concurrency must not leak into the transcript: the same run gives the same bytes every time.
#[test]
fn async_transcript_is_the_same_on_every_run() {
    let first = transcript(World::Async);
    for _ in 0..5 {
        assert_eq!(transcript(World::Async), first);
    }
}
