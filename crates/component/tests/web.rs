//! The memory limit in a real browser (wasm-bindgen-test in headless Chromium, flags in
//! `webdriver.json`): a component instantiated under a limit cannot grow its memory past its
//! share, and a guest that traps because it could not is seen at its limit.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p gfx-component --target wasm32-unknown-unknown --test web`.

#![cfg(target_arch = "wasm32")]

use gfx_component::abi::Flat;
use gfx_component::web::{instantiate, Instance};
use gfx_component::{Allowlist, Limits, Plan};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// One core module with a memory of `initial` pages (and its own `maximum`, if any): `grow`
/// is `memory.grow`; `bomb` grows by 16 pages until growth fails, then traps (what a guest's
/// allocator does when it runs out).
fn component(initial: u32, maximum: Option<u32>) -> Vec<u8> {
    let maximum = maximum.map(|m| m.to_string()).unwrap_or_default();
    wat::parse_str(format!(
        r#"(component
            (core module $m
                (memory (export "memory") {initial} {maximum})
                (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
                (func (export "bomb")
                    (loop (br_if 0 (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
                    unreachable))
            (core instance $i (instantiate $m))
            (func (export "grow") (param "pages" u32) (result s32)
                (canon lift (core func $i "grow")))
            (func (export "bomb") (canon lift (core func $i "bomb"))))"#
    ))
    .expect("valid WAT")
}

async fn instance(bytes: &[u8], limit_pages: u64) -> Instance {
    let limits = Limits {
        max_memory_bytes: limit_pages * 65536,
    };
    let allowlist = Allowlist::wasi_gfx();
    let plan = Plan::parse(bytes, &allowlist, limits).expect("plans");
    instantiate(&plan, bytes, &allowlist, Box::new(()), &[])
        .await
        .expect("instantiates")
}

fn grow(instance: &Instance, pages: i32) -> i32 {
    match instance
        .call(None, "grow", &[Flat::I32(pages)])
        .expect("grow")
        .as_slice()
    {
        [Flat::I32(old)] => *old,
        other => panic!("grow returned {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn memory_grow_past_the_limit_returns_minus_one_inside_the_guest() {
    let instance = instance(&component(1, None), 64).await;
    assert!(
        !instance.memory_at_limit(),
        "a fresh memory is not at its limit"
    );
    assert_eq!(grow(&instance, 40), 1, "growth within the limit succeeds");
    assert_eq!(grow(&instance, 23), 41, "up to the limit exactly");
    assert_eq!(grow(&instance, 1), -1, "one page past the limit fails");
    assert!(instance.memory_at_limit());
}

#[wasm_bindgen_test]
async fn a_guest_that_traps_because_growth_failed_is_at_its_limit() {
    let instance = instance(&component(1, None), 1024).await;
    let trap = instance.call(None, "bomb", &[]).unwrap_err();
    assert!(trap.0.contains("unreachable"), "{}", trap.0);
    assert!(instance.memory_at_limit(), "the bomb stopped at the limit");
}

#[wasm_bindgen_test]
async fn a_memory_far_from_its_limit_is_not_at_the_limit() {
    let instance = instance(&component(1, None), 1024).await;
    assert_eq!(grow(&instance, 10), 1);
    assert!(!instance.memory_at_limit());
}

#[wasm_bindgen_test]
async fn a_smaller_maximum_of_the_guest_s_own_is_kept_and_is_not_the_policy_s_limit() {
    let instance = instance(&component(1, Some(4)), 1024).await;
    assert_eq!(grow(&instance, 3), 1);
    assert_eq!(grow(&instance, 1), -1, "its own maximum holds");
    assert!(
        !instance.memory_at_limit(),
        "the guest's own maximum is not the policy's memory limit"
    );
}

/// `js::key` is the name as a JavaScript string, made once: the same value for the same name
/// every time, a different one for another name (also one that is a prefix of it).
#[wasm_bindgen_test]
fn a_key_is_its_name_as_one_javascript_string() {
    use gfx_component::web::js::{key, JsValue};
    const NAMES: [&str; 3] = ["label", "labelColor", "loadOp"];
    for name in NAMES {
        let k = key(name);
        assert_eq!(k.as_string().as_deref(), Some(name));
        assert!(std::ptr::eq(k, key(name)), "{name}: made once");
        assert_eq!(*k, JsValue::from_str(name));
    }
    assert_eq!(key(&NAMES[1][..5]).as_string().as_deref(), Some("label"));
    assert_ne!(*key(NAMES[0]), *key(NAMES[1]));
}
