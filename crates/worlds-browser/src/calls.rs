//! The call benchmark's host (bench/wit/calls.wit) and its entry points for bench/calls.mjs:
//! every host function is trivial, so the time measured is the call itself.

use std::cell::RefCell;

use gfx_component::abi::{Borrow, Resource};
use gfx_component::web::Instance;
use wasm_bindgen::prelude::*;

use crate::bindings::calls::{self as bindings, host};

#[derive(Default)]
struct Host {
    counters: Vec<u32>,
}

impl host::Host for Host {
    fn counter_new(&mut self) -> Resource<host::Counter> {
        self.counters.push(0);
        Resource::new(self.counters.len() as u32 - 1)
    }
    fn counter_bump(&mut self, c: Borrow<host::Counter>) -> u32 {
        match self.counters.get_mut(c.rep() as usize) {
            Some(n) => {
                *n = n.wrapping_add(1);
                *n
            }
            None => 0,
        }
    }
    fn add_one(&mut self, x: u32) -> u32 {
        x.wrapping_add(1)
    }
    fn string_len(&mut self, s: String) -> u32 {
        s.len() as u32
    }
    fn bytes_len(&mut self, b: Vec<u8>) -> u32 {
        b.len() as u32
    }
    fn sum_eight(&mut self, r: host::Eight) -> u32 {
        [r.a, r.b, r.c, r.d, r.e, r.f, r.g, r.h]
            .into_iter()
            .fold(0u32, u32::wrapping_add)
    }
    fn counter_drop(&mut self, _: Resource<host::Counter>) {}
}

struct World(Host);

impl bindings::CallsHost for World {
    fn host(&mut self) -> &mut dyn host::Host {
        &mut self.0
    }
}

thread_local! {
    static BENCH: RefCell<Option<Instance>> = const { RefCell::new(None) };
}

/// Instantiates the benchmark guest (kept for `bench_calls_run`).
#[wasm_bindgen]
pub async fn bench_calls_instantiate(component: Vec<u8>) -> Result<(), JsError> {
    let host: Box<dyn bindings::CallsHost> = Box::new(World(Host::default()));
    let instance = crate::load(
        &component,
        &["gfx-bench:calls/host@0.1.0"],
        Box::new(host),
        bindings::RESOURCES,
    )
    .await?;
    BENCH.with(|b| *b.borrow_mut() = Some(instance));
    Ok(())
}

/// Runs `n` calls of `shape` (`u32`, `string`, `bytes`, `record`, `method`: one guest entry
/// looping over host calls; `export`: `n` host→guest calls) and returns the guest's result.
#[wasm_bindgen]
pub fn bench_calls_run(shape: &str, n: u32) -> Result<u32, JsError> {
    BENCH.with(|b| {
        let b = b.borrow();
        let instance = b
            .as_ref()
            .ok_or_else(|| JsError::new("bench_calls_instantiate first"))?;
        let mut g = instance.guest().map_err(crate::trap)?;
        let r = match shape {
            "u32" => bindings::call_loop_add_one(&mut g, n),
            "string" => {
                bindings::call_loop_string(&mut g, n, "a string of 32 bytes, ascii only".into())
            }
            "bytes" => bindings::call_loop_bytes(&mut g, n, vec![0; 4096]),
            "record" => bindings::call_loop_record(&mut g, n),
            "method" => bindings::call_loop_method(&mut g, n),
            "export" => {
                let mut x = 0;
                for _ in 0..n {
                    x = bindings::call_add_one(&mut g, x).map_err(crate::trap)?;
                }
                Ok(x)
            }
            other => return Err(JsError::new(&format!("unknown shape {other}"))),
        };
        r.map_err(crate::trap)
    })
}
