//! The memory limit: how it is split over a plan's memories and written into its core modules,
//! each pinned by a named property.

#![cfg(not(target_arch = "wasm32"))]

use std::borrow::Cow;

use gfx_component::bound::{bound_memories, split, BoundError, PAGE};
use gfx_component::plan::{CoreInstance, Memory, Module};
use gfx_component::{Allowlist, Limits, Plan};
use proptest::prelude::*;
use wasm_encoder::{
    CodeSection, ConstExpr, CustomSection, DataSection, EntityType, ExportKind, ExportSection,
    Function, FunctionSection, ImportSection, Instruction, MemorySection, MemoryType, TypeSection,
};
use wasmparser::{Parser, Payload, Validator};

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("valid WAT")
}

/// Every section of a core module: `(id, its bytes from the id byte to its end)`.
fn sections(module: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut end = 0;
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.expect("parses");
        if let Payload::Version { range, .. } = &payload {
            end = range.end;
        }
        if let Some((id, range)) = payload.as_section() {
            out.push((id, module[end..range.end].to_vec()));
            end = range.end;
        }
    }
    out
}

/// The memories a module defines: `(initial, maximum)`.
fn defined(module: &[u8]) -> Vec<(u64, Option<u64>)> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(module) {
        if let Payload::MemorySection(reader) = payload.expect("parses") {
            for ty in reader {
                let ty = ty.expect("a memory type");
                out.push((ty.initial, ty.maximum));
            }
        }
    }
    out
}

fn validate(module: &[u8]) {
    Validator::new()
        .validate_all(module)
        .unwrap_or_else(|e| panic!("the rewritten module validates: {e}"));
}

fn plan(component: &[u8], limit_bytes: u64) -> Result<Plan, gfx_component::PlanError> {
    Plan::parse(
        component,
        &Allowlist::wasi_gfx(),
        Limits {
            max_memory_bytes: limit_bytes,
        },
    )
}

#[test]
fn every_defined_memory_gets_its_share_as_maximum() {
    let module = wat(r#"(module (memory 1) (memory 2 100) (data (i32.const 0) "x"))"#);
    let out = bound_memories(&module, &[10, 20]).expect("bounds");
    validate(&out);
    assert_eq!(defined(&out), [(1, Some(10)), (2, Some(20))]);
}

#[test]
fn a_smaller_declared_maximum_is_kept_and_the_module_is_not_copied() {
    let module = wat(r#"(module (memory 1 5))"#);
    let out = bound_memories(&module, &[10]).expect("bounds");
    assert!(matches!(out, Cow::Borrowed(_)), "nothing to rewrite");
    assert_eq!(&*out, &module[..]);
}

#[test]
fn imported_memories_are_left_to_the_module_that_defines_them() {
    let module = wat(r#"(module (import "env" "memory" (memory 1)) (memory 2))"#);
    let out = bound_memories(&module, &[8]).expect("bounds");
    validate(&out);
    assert_eq!(defined(&out), [(2, Some(8))]);
    let import = |m: &[u8]| sections(m).into_iter().find(|(id, _)| *id == 2);
    assert_eq!(
        import(&out),
        import(&module),
        "the imported memory keeps no maximum"
    );
}

#[test]
fn a_module_without_memories_is_returned_as_it_is() {
    let module = wat(r#"(module (func (export "f")))"#);
    let out = bound_memories(&module, &[]).expect("bounds");
    assert!(matches!(out, Cow::Borrowed(_)));
}

#[test]
fn shared_memories_are_refused() {
    let module = wat(r#"(module (memory 1 2 shared))"#);
    let e = bound_memories(&module, &[10]).unwrap_err();
    assert_eq!(e, BoundError::Shared { memory: 0 });
    assert_eq!(e.code(), "unsupported-feature");
}

#[test]
fn custom_page_sizes_are_refused() {
    let module = wat(r#"(module (memory 1 (pagesize 1)))"#);
    let e = bound_memories(&module, &[10]).unwrap_err();
    assert_eq!(e, BoundError::PageSize { memory: 0 });
}

#[test]
fn an_initial_size_over_the_share_is_a_memory_limit_refusal() {
    let module = wat(r#"(module (import "a" "m" (memory 0)) (memory 11))"#);
    let e = bound_memories(&module, &[10]).unwrap_err();
    assert_eq!(
        e,
        BoundError::OverLimit {
            memory: 1,
            initial_pages: 11,
            max_pages: 10
        }
    );
    assert_eq!(e.code(), "memory-limit");
}

#[test]
fn a_maximum_for_every_defined_memory_is_required() {
    let module = wat(r#"(module (memory 1) (memory 1))"#);
    for given in [&[1][..], &[1, 1, 1]] {
        let e = bound_memories(&module, given).unwrap_err();
        assert_eq!(e.code(), "component-invalid", "{e}");
    }
}

#[test]
fn a_component_is_not_a_core_module() {
    let e = bound_memories(&wat("(component)"), &[]).unwrap_err();
    assert_eq!(e.code(), "component-invalid");
}

#[test]
fn a_64_bit_memory_is_bounded_too() {
    let module = wat(r#"(module (memory i64 1))"#);
    let out = bound_memories(&module, &[1 << 20]).expect("bounds");
    validate(&out);
    assert_eq!(defined(&out), [(1, Some(1 << 20))]);
}

#[test]
fn a_32_bit_memory_never_declares_more_than_4_gib() {
    let module = wat(r#"(module (memory 1))"#);
    let out = bound_memories(&module, &[u64::MAX]).expect("bounds");
    validate(&out);
    assert_eq!(defined(&out), [(1, Some(65536))]);
}

#[test]
fn a_memory_section_with_a_padded_size_is_replaced_whole() {
    // (memory 1) with the section size as a 5-byte LEB128.
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    module.extend([5, 0x83, 0x80, 0x80, 0x80, 0x00, 1, 0, 1]);
    // A custom section after it, kept as it is.
    module.extend([0, 4, 3, b'a', b'b', b'c']);
    validate(&module);
    let out = bound_memories(&module, &[3]).expect("bounds");
    validate(&out);
    assert_eq!(defined(&out), [(1, Some(3))]);
    assert!(
        out.ends_with(&[5, 4, 1, 1, 1, 3, 0, 4, 3, b'a', b'b', b'c']),
        "{out:?}"
    );
}

#[test]
fn one_main_memory_gets_the_whole_limit() {
    let component = wat(r#"(component
            (core module $m (memory (export "memory") 17))
            (core instance (instantiate $m)))"#);
    let p = plan(&component, 256 << 20).expect("plans");
    assert_eq!(p.modules[0].bounds, [4096]);
    assert_eq!(p.modules[0].memory_exports, [(0, "memory".to_owned())]);
}

#[test]
fn a_declared_maximum_that_fits_is_kept_and_the_rest_goes_to_the_others() {
    let component = wat(r#"(component
            (core module $small (memory 1 2))
            (core module $main (memory 1))
            (core module $also (memory 3 4))
            (core instance (instantiate $small))
            (core instance (instantiate $main))
            (core instance (instantiate $also)))"#);
    let p = plan(&component, 100 * PAGE).expect("plans");
    let bounds: Vec<_> = p.modules.iter().map(|m| m.bounds.clone()).collect();
    assert_eq!(bounds, [vec![2], vec![94], vec![4]]);
}

#[test]
fn memories_without_a_maximum_share_the_headroom_equally() {
    let component = wat(r#"(component
            (core module $a (memory 10))
            (core module $b (memory 0))
            (core instance (instantiate $a))
            (core instance (instantiate $b)))"#);
    let p = plan(&component, 100 * PAGE).expect("plans");
    assert_eq!(p.modules[0].bounds, [55]);
    assert_eq!(p.modules[1].bounds, [45]);
}

#[test]
fn a_module_instantiated_twice_creates_its_memories_twice() {
    let component = wat(r#"(component
            (core module $m (memory 1))
            (core instance (instantiate $m))
            (core instance (instantiate $m)))"#);
    let p = plan(&component, 100 * PAGE).expect("plans");
    assert_eq!(p.modules[0].bounds, [50]);
}

#[test]
fn a_module_never_instantiated_keeps_its_initial_size() {
    let component = wat(r#"(component
            (core module $unused (memory 2))
            (core module $m (memory 1))
            (core instance (instantiate $m)))"#);
    let p = plan(&component, 100 * PAGE).expect("plans");
    assert_eq!(p.modules[0].bounds, [2]);
    assert_eq!(p.modules[1].bounds, [100]);
}

#[test]
fn initial_sizes_over_the_limit_together_are_a_memory_limit_refusal() {
    let component = wat(r#"(component
            (core module $m (memory 10))
            (core instance (instantiate $m))
            (core instance (instantiate $m)))"#);
    let e = plan(&component, 15 * PAGE).unwrap_err();
    assert_eq!(e.code(), "memory-limit");
    assert!(e.to_string().contains(&(20 * PAGE).to_string()), "{e}");
    plan(&component, 20 * PAGE).expect("20 pages fit 20 pages");
}

// ---- properties ----

/// A memory of a generated module: `(initial, maximum)`.
fn memory_type() -> impl Strategy<Value = (u64, Option<u64>)> {
    (0u64..20).prop_flat_map(|initial| (Just(initial), proptest::option::of(initial..initial + 40)))
}

/// A module with `imported` imported and some defined memories, a function, an export, a data
/// segment and custom sections around the memory section.
fn module(imported: &[(u64, Option<u64>)], memories: &[(u64, Option<u64>)]) -> Vec<u8> {
    let ty = |(minimum, maximum): (u64, Option<u64>)| MemoryType {
        minimum,
        maximum,
        memory64: false,
        shared: false,
        page_size_log2: None,
    };
    let mut m = wasm_encoder::Module::new();
    m.section(&CustomSection {
        name: "before".into(),
        data: b"\x05\x01\x00".as_slice().into(),
    });
    let mut types = TypeSection::new();
    types.ty().function([], []);
    m.section(&types);
    let mut imports = ImportSection::new();
    for (i, memory) in imported.iter().enumerate() {
        imports.import("env", &format!("m{i}"), EntityType::Memory(ty(*memory)));
    }
    m.section(&imports);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    m.section(&funcs);
    let mut section = MemorySection::new();
    for memory in memories {
        section.memory(ty(*memory));
    }
    if !memories.is_empty() {
        m.section(&section);
    }
    let mut exports = ExportSection::new();
    exports.export("f", ExportKind::Func, 0);
    m.section(&exports);
    let mut code = CodeSection::new();
    let mut f = Function::new([]);
    f.instruction(&Instruction::End);
    code.function(&f);
    m.section(&code);
    if !imported.is_empty() || !memories.is_empty() {
        let mut data = DataSection::new();
        data.active(0, &ConstExpr::i32_const(0), b"".iter().copied());
        m.section(&data);
    }
    m.section(&CustomSection {
        name: "after".into(),
        data: b"tail".as_slice().into(),
    });
    m.finish()
}

/// A plan of `modules` (each a list of `(imported, initial, maximum)`) and the modules each
/// core instance instantiates.
fn plan_of(modules: &[Vec<(bool, u64, Option<u64>)>], instances: &[usize]) -> Plan {
    Plan {
        modules: modules
            .iter()
            .map(|memories| Module {
                range: 0..0,
                memories: memories
                    .iter()
                    .map(|&(imported, initial_pages, maximum_pages)| Memory {
                        imported,
                        initial_pages,
                        maximum_pages,
                    })
                    .collect(),
                bounds: Vec::new(),
                memory_exports: Vec::new(),
            })
            .collect(),
        core_instances: instances
            .iter()
            .map(|&m| CoreInstance::Instantiate {
                module: m as u32,
                args: Vec::new(),
            })
            .collect(),
        ..Plan::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_rewritten_module_validates_respects_every_share_and_copies_every_other_section(
        imported in proptest::collection::vec(memory_type(), 0..3),
        memories in proptest::collection::vec(memory_type(), 0..4),
        shares in proptest::collection::vec(0u64..80, 4),
    ) {
        let module = module(&imported, &memories);
        validate(&module);
        let shares = &shares[..memories.len()];
        match bound_memories(&module, shares) {
            Ok(out) => {
                validate(&out);
                let bounded = defined(&out);
                prop_assert_eq!(bounded.len(), memories.len());
                for ((initial, declared), ((new_initial, new_max), share)) in
                    memories.iter().zip(bounded.iter().zip(shares))
                {
                    prop_assert_eq!(initial, new_initial);
                    let new_max = new_max.expect("every defined memory has a maximum");
                    prop_assert!(new_max <= *share, "{new_max} <= share {share}");
                    prop_assert_eq!(new_max, declared.unwrap_or(u64::MAX).min(*share));
                }
                let others = |m: &[u8]| {
                    sections(m).into_iter().filter(|(id, _)| *id != 5).collect::<Vec<_>>()
                };
                prop_assert_eq!(others(&out), others(&module));
            }
            Err(e) => {
                prop_assert_eq!(e.code(), "memory-limit", "{}", e);
                prop_assert!(memories.iter().zip(shares).any(|((initial, _), share)| initial > share));
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_rewrite(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
        shares in proptest::collection::vec(any::<u64>(), 0..3),
    ) {
        let _ = bound_memories(&bytes, &shares);
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend(&bytes);
        let _ = bound_memories(&module, &shares);
    }

    #[test]
    fn mutated_modules_never_panic_the_rewrite(
        memories in proptest::collection::vec(memory_type(), 1..3),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = module(&[], &memories);
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let shares = vec![40; memories.len()];
        let _ = bound_memories(&bytes, &shares);
        let j = cut.index(bytes.len());
        let _ = bound_memories(&bytes[..j], &shares);
    }

    #[test]
    fn the_maxima_of_all_memories_created_add_up_to_at_most_the_limit(
        modules in proptest::collection::vec(
            proptest::collection::vec(
                (any::<bool>(), 0u64..30).prop_flat_map(|(imported, initial)| {
                    (Just(imported), Just(initial), proptest::option::of(initial..initial + 50))
                }),
                0..3,
            ),
            1..4,
        ),
        instances in proptest::collection::vec(0usize..4, 0..6),
        limit_pages in 0u64..200,
        extra_bytes in 0u64..PAGE,
    ) {
        let instances: Vec<usize> = instances.into_iter().filter(|m| *m < modules.len()).collect();
        let plan = plan_of(&modules, &instances);
        let limit_bytes = limit_pages * PAGE + extra_bytes;
        // Each (initial, maximum, bound) a core instance creates.
        let created = |maxima: &[Vec<u64>]| -> Vec<(u64, Option<u64>, u64)> {
            instances.iter().flat_map(|&m| {
                let defined = modules[m].iter().filter(|(imported, ..)| !imported);
                defined.zip(&maxima[m]).map(|(&(_, i, d), &b)| (i, d, b)).collect::<Vec<_>>()
            }).collect()
        };
        let initial: u64 = created(&vec![vec![0; 3]; modules.len()]).iter().map(|c| c.0).sum();
        match split(&plan, limit_bytes) {
            Ok(maxima) => {
                prop_assert!(initial <= limit_pages);
                for (m, memories) in modules.iter().enumerate() {
                    prop_assert_eq!(maxima[m].len(), memories.iter().filter(|c| !c.0).count());
                }
                let created = created(&maxima);
                let total: u64 = created.iter().map(|c| c.2).sum();
                prop_assert!(total <= limit_pages, "{total} pages over the limit of {limit_pages}");
                for (initial, declared, bound) in &created {
                    prop_assert!(initial <= bound);
                    prop_assert!(declared.is_none_or(|d| *bound <= d));
                }
                // Unused headroom is only what rounding the equal shares leaves over.
                let growable = created.iter().filter(|c| c.1.is_none_or(|d| c.2 < d)).count() as u64;
                if growable > 0 {
                    prop_assert!(limit_pages - total < growable, "{} pages unused", limit_pages - total);
                }
            }
            Err(e) => {
                prop_assert_eq!(e.code(), "memory-limit");
                prop_assert!(initial > limit_pages);
            }
        }
    }
}

#[test]
fn a_real_guest_s_one_main_memory_gets_the_whole_limit() {
    let path = format!(
        "{}/../../guests/dist/hostile-memory-bomb.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    let component = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/build-guests.sh)"));
    let p = plan(&component, 256 << 20).expect("plans");
    let defined: Vec<&Module> = p.modules.iter().filter(|m| !m.bounds.is_empty()).collect();
    assert_eq!(
        defined.len(),
        1,
        "one module defines a memory: {:?}",
        p.modules
    );
    let main = defined[0];
    assert_eq!(main.bounds, [4096], "the whole 256 MiB");
    let out = bound_memories(&component[main.range.clone()], &main.bounds).expect("bounds");
    validate(&out);
    assert_eq!(defined_of(&out), [4096]);
}

fn defined_of(module: &[u8]) -> Vec<u64> {
    defined(module).into_iter().filter_map(|(_, m)| m).collect()
}
