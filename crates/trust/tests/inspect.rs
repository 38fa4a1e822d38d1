//! `inspect` (a parse-only walk) against the implementation it replaced,
//! which validated the whole component with wasmparser's validator and read
//! the facts from the validator's types (`gfx_trust::fuzzing::inspect_validated`).
//!
//! Both must give identical facts on every built guest, on the crate's
//! fixtures and fuzz seeds, on hand-written components that reach each way
//! an index space grows (type definitions, type imports, aliases of instance
//! exports and of outer types, bags of exports, instantiations of imported
//! and nested components, ascribed exports), and on generated components.
//! Mutated components may make the validator reject them: then `inspect` may
//! accept or reject but must not panic; where the validator accepts, the
//! facts must be equal (`gfx_trust::fuzzing::run_inspect` checks both).

use std::fs;
use std::path::{Path, PathBuf};

use gfx_trust::fuzzing::{
    fixture_component, fixture_signed, inspect_validated, oracle, run_inspect,
};
use gfx_trust::inspect::{inspect, ComponentFacts, MAX_NESTING};
use proptest::prelude::*;

mod common;
use common::components::{
    gen, mutate, nested_component_type, COMPONENTS, INSTANCES, VALIDATOR_0_247_PANICS,
};

/// Both implementations accept `bytes` and agree; the facts.
fn agree(bytes: &[u8], what: &str) -> ComponentFacts {
    let expected =
        inspect_validated(bytes).unwrap_or_else(|e| panic!("{what}: the validator rejects: {e}"));
    let facts = inspect(bytes).unwrap_or_else(|e| panic!("{what}: inspect rejects: {e}"));
    assert_eq!(
        facts, expected,
        "{what}: inspect disagrees with the validator"
    );
    facts
}

/// `(name, kind, functions)` of each item: the facts in one line each.
fn summary(items: &[gfx_trust::inspect::Item]) -> Vec<(&str, &str, u32)> {
    items
        .iter()
        .map(|i| (i.name.as_str(), i.kind, i.functions))
        .collect()
}

fn guests_dir() -> PathBuf {
    std::env::var_os("GFX_GUESTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests/dist"))
}

/// Every built guest. Fails (never skips) when the guests are missing.
fn guests() -> Vec<(String, Vec<u8>)> {
    let dir = guests_dir();
    let mut guests: Vec<(String, Vec<u8>)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run scripts/build-guests.sh first; npm test does)",
                dir.display()
            )
        })
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).expect("readable guest"))
        })
        .collect();
    guests.sort();
    assert!(
        guests.len() >= 5,
        "only {} guests in {}: run scripts/build-guests.sh",
        guests.len(),
        dir.display()
    );
    guests
}

#[test]
fn every_guest_gives_the_same_facts() {
    for (name, bytes) in guests() {
        let facts = agree(&bytes, &name);
        // Signed, the same component has the same interface.
        let key = gfx_trust::fuzzing::fixture_key(1);
        let signed = gfx_trust::sign::sign(
            &bytes,
            &key,
            gfx_trust::fuzzing::fixture_claims(gfx_trust::TrustLevel::PublisherSigned),
            &name,
        )
        .expect("signable guest");
        let signed_facts = agree(&signed, &format!("{name}, signed"));
        assert_eq!(signed_facts.imports, facts.imports, "{name}");
        assert_eq!(signed_facts.exports, facts.exports, "{name}");
    }
    // Not vacuous: the triangle imports WebGPU and the surface with their functions.
    let triangle = fs::read(guests_dir().join("triangle.wasm")).expect("triangle.wasm");
    let facts = agree(&triangle, "triangle");
    let imports: Vec<&str> = facts.imports.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        imports,
        [
            "wasi:webgpu/webgpu@0.3.0-rc.2",
            "wasi-gfx:surface/surface@0.2.0",
            "wasi-gfx:surface/surface-webgpu@0.2.0"
        ]
    );
    assert!(facts
        .imports
        .iter()
        .all(|i| i.kind == "instance" && i.functions > 0));
    assert!(
        facts.imported_functions > 20,
        "{}",
        facts.imported_functions
    );
    assert_eq!(summary(&facts.exports), [("start", "func", 1)]);
}

#[test]
fn fixtures_and_fuzz_seeds_agree_or_are_rejected() {
    let mut inputs: Vec<(String, Vec<u8>)> = vec![
        ("fixture component".into(), fixture_component()),
        ("fixture signed".into(), fixture_signed().to_vec()),
        ("empty".into(), Vec::new()),
        ("preamble only".into(), b"\0asm\x0d\x00\x01\x00".to_vec()),
        (
            "empty core module".into(),
            b"\0asm\x01\x00\x00\x00".to_vec(),
        ),
    ];
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for target in ["container", "inspect"] {
        for entry in fs::read_dir(corpus.join(target)).expect("corpus directory") {
            let path = entry.expect("entry").path();
            inputs.push((path.display().to_string(), fs::read(&path).expect("seed")));
        }
    }
    let mut accepted = 0;
    for (name, bytes) in &inputs {
        // Panics with the input's name if the two disagree where the validator accepts.
        let result = std::panic::catch_unwind(|| run_inspect(bytes));
        assert!(result.is_ok(), "{name}");
        accepted += usize::from(matches!(oracle(bytes), Some(Ok(_))));
    }
    assert!(
        accepted >= 10,
        "only {accepted} inputs valid: the comparison is vacuous"
    );
    // The empty core module: no component imports or exports.
    assert_eq!(
        agree(b"\0asm\x01\x00\x00\x00", "core module"),
        ComponentFacts {
            bytes: 8,
            ..ComponentFacts::default()
        }
    );
}

#[test]
fn instance_types_resolve_through_every_kind_of_index() {
    let bytes = wat::parse_str(INSTANCES).expect("valid text");
    let facts = agree(&bytes, "instances");
    assert_eq!(
        summary(&facts.imports),
        [
            ("wasi:webgpu/webgpu@0.3.0-rc.2", "instance", 2),
            ("via-alias", "instance", 3),
            ("t", "type", 0),
            ("ns:pkg/via-import@1.0.0", "instance", 2),
            ("one", "func", 1),
        ]
    );
    assert_eq!(facts.imported_functions, 8);
    assert_eq!(
        summary(&facts.exports),
        [
            ("sub", "instance", 2),
            ("ns:pkg/bag@1.0.0", "instance", 3),
            ("ascribed", "instance", 1),
            ("f", "func", 1),
            ("ty", "type", 0),
        ]
    );
    let bag = &facts.exports[1];
    assert_eq!(bag.interface.as_deref(), Some("ns:pkg/bag"));
    assert_eq!(bag.version.as_deref(), Some("1.0.0"));
}

#[test]
fn instantiated_components_have_their_export_types() {
    let bytes = wat::parse_str(COMPONENTS).expect("valid text");
    let facts = agree(&bytes, "components");
    assert_eq!(
        summary(&facts.imports),
        [("c", "component", 0), ("v", "value", 0), ("m", "module", 0)]
    );
    assert_eq!(facts.imported_functions, 0);
    assert_eq!(
        summary(&facts.exports),
        [
            ("k2", "instance", 2),
            ("ci", "instance", 1),
            ("cc", "component", 0),
            ("wasi:cli/run@0.2.0", "instance", 2),
            ("x", "instance", 1),
            ("inner", "component", 0),
            ("run", "func", 1),
            ("o", "instance", 1),
            ("v2", "value", 0),
        ]
    );
}

#[test]
fn nesting_is_limited_with_an_error() {
    agree(
        &nested_component_type(MAX_NESTING - 2),
        "nested within the limit",
    );
    let deep = nested_component_type(MAX_NESTING + 1);
    assert!(inspect_validated(&deep).is_ok(), "the validator accepts it");
    let err = inspect(&deep).expect_err("too deep");
    assert!(err.to_string().contains("nested deeper than"), "{err}");
    run_inspect(&deep);
}

/// wasmparser's `ComponentType` reader (and so its validator, the old
/// `inspect`) recurses without limit: 10,000 nested component types (30 KB)
/// overflow the stack. The walk reads component and instance types itself and
/// stops at the limit, on a small stack too; so it does for nested components.
#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let mut nested = b"\0asm\x0d\x00\x01\x00".to_vec();
    for _ in 0..2_000 {
        let mut outer = b"\0asm\x0d\x00\x01\x00\x04".to_vec();
        common::components::leb(&mut outer, nested.len());
        outer.extend_from_slice(&nested);
        nested = outer;
    }
    let inputs = [
        nested_component_type(10_000),
        nested_component_type(300_000),
        nested,
    ];
    let results = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            inputs
                .iter()
                .map(|bytes| {
                    run_inspect(bytes);
                    inspect(bytes).map(|_| ()).map_err(|e| e.to_string())
                })
                .collect::<Vec<_>>()
        })
        .expect("thread")
        .join()
        .expect("no panic");
    for r in results {
        let err = r.expect_err("too deep");
        assert!(err.contains("nested deeper than"), "{err}");
    }
}

#[test]
fn unresolvable_structure_is_an_error_not_a_guess() {
    for (what, text) in [
        (
            "instance type out of range",
            r#"(component (import "a" (instance (type 0))))"#,
        ),
        (
            "alias of a missing export",
            r#"(component (import "a" (instance $a)) (alias export $a "f" (func)))"#,
        ),
        (
            "instance out of range",
            r#"(component (export "a" (instance 3)))"#,
        ),
        (
            "component out of range",
            r#"(component (instance (instantiate 2)))"#,
        ),
        (
            "outer alias past the top",
            r#"(component (alias outer 1 0 (type)))"#,
        ),
        (
            "type of the wrong kind",
            r#"(component (type (func)) (import "a" (instance (type 0))))"#,
        ),
    ] {
        let bytes = wat::parse_str(text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            inspect_validated(&bytes).is_err(),
            "{what}: the validator accepts"
        );
        let err = inspect(&bytes).expect_err(what);
        assert!(err.to_string().contains("offset"), "{what}: {err}");
    }
}

/// wasmparser 0.247's validator (the old `inspect`, and so the loader and
/// the render server before this walk) panics on this valid component:
/// `assertion failed: prev.is_none()` in `register_type_renamings`. The walk
/// reads its facts.
#[test]
fn wasmparser_0_247_validator_panic_is_just_a_component_here() {
    let bytes = wat::parse_str(VALIDATOR_0_247_PANICS).expect("valid text");
    let facts = inspect(&bytes).expect("readable");
    assert_eq!(summary(&facts.imports), [("i", "instance", 0)]);
    assert!(facts.exports.is_empty());
    run_inspect(&bytes); // the oracle's panic is caught: no answer, no comparison
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_components_give_the_same_facts(
        choices in prop::collection::vec(any::<u16>(), 0..300),
        edits in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u8>()), 0..4),
    ) {
        let bytes = gen::component(&mut gen::Tape::new(&choices));
        agree(&bytes, &format!("generated from {choices:?}"));
        // Mutated: equal facts where the validator accepts, no panic anywhere.
        run_inspect(&mutate(bytes, &edits));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn mutated_guests_never_panic_and_agree_where_valid(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u8>()), 1..6),
    ) {
        use std::sync::OnceLock;
        static GUESTS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
        let guests = GUESTS.get_or_init(guests);
        let (_, bytes) = &guests[which.index(guests.len())];
        run_inspect(&mutate(bytes.clone(), &edits));
    }
}

/// The generator is not vacuous: over fixed tapes, every component it makes
/// is valid and between them they import and export every kind, instances
/// with and without functions included.
#[test]
fn generated_components_reach_every_kind() {
    let mut seen = std::collections::BTreeMap::<String, u32>::new();
    for seed in 0..300 {
        let choices = gen::tape(seed, 160);
        let bytes = gen::component(&mut gen::Tape::new(&choices));
        let facts = agree(&bytes, &format!("generated from {choices:?}"));
        for (side, items) in [("import", &facts.imports), ("export", &facts.exports)] {
            for i in items {
                let functions = match (i.kind, i.functions) {
                    ("instance", 0) => " without functions",
                    ("instance", _) => " with functions",
                    _ => "",
                };
                *seen
                    .entry(format!("{side} {}{functions}", i.kind))
                    .or_default() += 1;
            }
        }
    }
    for side in ["import", "export"] {
        for kind in [
            "func",
            "type",
            "component",
            "value",
            "instance with functions",
            "instance without functions",
        ] {
            let n = seen.get(&format!("{side} {kind}")).copied().unwrap_or(0);
            assert!(n >= 10, "{side} {kind}: {n} in {seen:?}");
        }
    }
    assert!(
        seen.get("import module").copied().unwrap_or(0) >= 10,
        "{seen:?}"
    );
}
