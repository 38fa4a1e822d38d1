//! The plan of real guests, and every refusal, each pinned by a named property.

use gfx_component::plan::{Builtin, CoreFunc, CoreInstance};
use gfx_component::{Allowlist, Limits, Plan, PlanError};
use proptest::prelude::*;

fn guest(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../guests/dist/{name}.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run scripts/build-guests.sh)"))
}

fn plan(bytes: &[u8]) -> Result<Plan, PlanError> {
    Plan::parse(bytes, &Allowlist::wasi_gfx(), Limits::default())
}

/// Plans with every import allowed that the component asks for (the test worlds import their
/// own interfaces).
fn plan_any(bytes: &[u8]) -> Result<Plan, PlanError> {
    let mut allow = Allowlist::wasi_gfx();
    for name in [
        "gfx-test:worlds/types@0.1.0",
        "gfx-test:worlds/ops@0.1.0",
        "gfx-test:worlds/counters@0.1.0",
        "gfx-test:worlds/host-async@0.1.0",
        "gfx-bench:calls/host@0.1.0",
    ] {
        allow.allow(name);
    }
    Plan::parse(bytes, &allow, Limits::default())
}

#[test]
fn an_exported_interface_is_planned_through_its_export_shim() {
    let p = plan_any(&guest("worlds-values")).expect("values plans");
    let ops = "gfx-test:worlds/ops@0.1.0";
    for f in ["add-one", "reverse", "many-params", "split-u64"] {
        assert!(p.export(Some(ops), f).is_some(), "{ops}#{f} is exported");
    }
    assert!(p.export(None, "run").is_some());
}

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test component parses")
}

#[test]
fn triangle_plan_has_its_imports_modules_and_async_start() {
    let p = plan(&guest("triangle")).expect("triangle plans");
    let imports: Vec<_> = p.imports.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        imports,
        [
            "wasi:webgpu/webgpu@0.3.0-rc.2",
            "wasi-gfx:surface/surface@0.2.0",
            "wasi-gfx:surface/surface-webgpu@0.2.0"
        ]
    );
    // wit-component's shape: the main module, the shim, the fixup.
    assert_eq!(p.modules.len(), 3);
    let start = p.export(None, "start").expect("start is exported");
    assert!(start.options.async_, "start is lifted async");
    assert!(start.options.callback.is_some(), "callback form");
    // Every lowered import names a function of an imported interface.
    let lowered: Vec<_> = p
        .core_funcs
        .iter()
        .filter_map(|f| match f {
            CoreFunc::Lower { func, options } => Some((func, options)),
            _ => None,
        })
        .collect();
    assert!(lowered
        .iter()
        .any(|(f, o)| f.name == "[method]gpu.request-adapter" && o.async_));
    assert!(lowered
        .iter()
        .any(|(f, o)| f.name == "get-gpu" && !o.async_));
    // The built-ins a P3 guest uses.
    let has = |b: fn(&Builtin) -> bool| {
        p.core_funcs
            .iter()
            .any(|f| matches!(f, CoreFunc::Builtin(x) if b(x)))
    };
    assert!(has(|b| matches!(b, Builtin::WaitableSetNew)));
    assert!(has(|b| matches!(b, Builtin::ContextGet(0))));
    assert!(has(|b| matches!(b, Builtin::Read(..))));
    assert!(has(|b| matches!(b, Builtin::ResourceDrop { .. })));
    // Instantiation order only refers backwards.
    for (i, inst) in p.core_instances.iter().enumerate() {
        if let CoreInstance::Instantiate { args, .. } = inst {
            assert!(args.iter().all(|(_, a)| (*a as usize) < i));
        }
    }
}

#[test]
fn every_example_guest_plans() {
    for name in [
        "triangle",
        "animated-clear",
        "input-echo",
        "cpu-gradient",
        "hostile-spin",
        "hostile-spin-in-start",
        "hostile-memory-bomb",
        "worlds-values",
        "worlds-resources",
        "worlds-async",
        "bench-calls",
    ] {
        let p = plan_any(&guest(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!p.exports.is_empty(), "{name} exports something");
    }
}

#[test]
fn a_filesystem_import_is_denied_by_name() {
    let bytes = wat(r#"(component
        (import "wasi:filesystem/types@0.2.0" (instance))
    )"#);
    let e = plan(&bytes).unwrap_err();
    assert_eq!(e.code(), "import-denied");
    assert!(e.to_string().contains("wasi:filesystem/types@0.2.0"), "{e}");
}

#[test]
fn an_unknown_interface_is_denied_even_beside_allowed_ones() {
    let bytes = wat(r#"(component
        (import "wasi:webgpu/webgpu@0.3.0-rc.2" (instance))
        (import "evil:net/sockets@1.0.0" (instance))
    )"#);
    let e = plan(&bytes).unwrap_err();
    assert_eq!(e.code(), "import-denied");
    assert!(e.to_string().contains("evil:net/sockets"), "{e}");
}

#[test]
fn a_bare_function_import_is_denied() {
    let bytes = wat(r#"(component (import "print" (func)))"#);
    assert_eq!(plan(&bytes).unwrap_err().code(), "import-denied");
}

#[test]
fn utf16_strings_are_an_unsupported_feature() {
    let bytes = wat(r#"(component
        (import "wasi-gfx:surface/surface@0.2.0" (instance $s (export "f" (func (param "s" string)))))
        (core module $m (memory (export "m") 1)
            (func (export "r") (param i32 i32 i32 i32) (result i32) unreachable))
        (core instance $i (instantiate $m))
        (alias core export $i "m" (core memory $mem))
        (alias core export $i "r" (core func $r))
        (alias export $s "f" (func $f))
        (core func (canon lower (func $f) string-encoding=utf16 (memory $mem) (realloc $r)))
    )"#);
    let e = plan(&bytes).unwrap_err();
    assert_eq!(e.code(), "unsupported-feature");
    assert!(e.to_string().contains("utf16"), "{e}");
}

#[test]
fn nested_components_with_code_are_an_unsupported_feature() {
    // wit-component's export shims (imports re-exported) are accepted; anything that runs is not.
    let bytes = wat(r#"(component (component (core module)))"#);
    let e = plan(&bytes).unwrap_err();
    assert_eq!(e.code(), "unsupported-feature");
    assert!(e.to_string().contains("nested components"), "{e}");
}

#[test]
fn memory64_is_an_unsupported_feature() {
    let bytes = wat(r#"(component (core module (memory i64 1)))"#);
    assert_eq!(plan(&bytes).unwrap_err().code(), "unsupported-feature");
}

#[test]
fn an_initial_memory_over_the_limit_is_refused_with_its_size() {
    let bytes = wat(r#"(component (core module (memory 17)))"#);
    let limits = Limits {
        max_memory_bytes: 16 * 65536,
    };
    let e = Plan::parse(&bytes, &Allowlist::wasi_gfx(), limits).unwrap_err();
    assert_eq!(e.code(), "memory-limit");
    assert!(e.to_string().contains(&(17 * 65536).to_string()), "{e}");
    // At the limit it plans.
    let ok = wat(r#"(component (core module (memory 16)))"#);
    Plan::parse(&ok, &Allowlist::wasi_gfx(), limits).expect("16 pages fit 16 pages");
}

#[test]
fn a_core_module_is_not_a_component() {
    let bytes = wat(r#"(module)"#);
    assert_eq!(plan(&bytes).unwrap_err().code(), "component-invalid");
}

#[test]
fn out_of_range_indices_are_invalid_not_a_panic() {
    // Hand-made: a core instance section instantiating module 5 of none.
    let bytes = [
        0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, // component preamble
        0x02, 0x04, 0x01, 0x00, 0x05, 0x00, // core instance: instantiate module 5, no args
    ];
    assert_eq!(plan(&bytes).unwrap_err().code(), "component-invalid");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = plan(&bytes);
    }

    #[test]
    fn mutated_guests_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let mut bytes = guest("triangle");
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = plan(&bytes);
        let j = cut.index(bytes.len());
        let _ = plan(&bytes[..j]);
    }
}

#[test]
fn a_guest_defined_resource_is_named_by_the_interface_that_exports_it() {
    use gfx_component::plan::Resource;
    let p = plan_any(&guest("worlds-resources")).expect("resources plans");
    assert!(p.resources.iter().any(|r| matches!(r,
        Resource::Defined { dtor: Some(_), export: Some((i, n)) }
            if i == "gfx-test:worlds/accumulators@0.1.0" && n == "accumulator")));
    assert!(p.resources.iter().any(|r| matches!(r,
        Resource::Imported { name, .. } if name == "counter")));
}
