//! The host of the generator's async test world (crates/component-gen/tests/wit/asyncs.wit)
//! in the browser: every async function answers on a later turn of the event loop (a
//! `setTimeout(0)`), so a guest that gets `RETURNED` at once would show it.

use std::future::Future;
use std::pin::Pin;

use wasm_bindgen::JsValue;

use crate::bindings::asyncs::{self as bindings, host_calls};

/// Resolves with `value` on a later turn of the event loop.
pub(crate) fn later<T: 'static>(value: T) -> Pin<Box<dyn Future<Output = T>>> {
    Box::pin(async move {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let set_timeout = js_sys::Reflect::get(&js_sys::global(), &"setTimeout".into())
                .ok()
                .and_then(|f| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f).ok());
            if let Some(f) = set_timeout {
                let _ = f.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(0));
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        value
    })
}

pub(crate) struct Calls;

impl host_calls::Host for Calls {
    fn echo(&mut self, x: u32) -> Pin<Box<dyn Future<Output = u32>>> {
        later(x)
    }
    fn reverse(&mut self, s: String) -> Pin<Box<dyn Future<Output = String>>> {
        later(s.chars().rev().collect())
    }
    fn swap(&mut self, p: host_calls::Pair) -> Pin<Box<dyn Future<Output = host_calls::Pair>>> {
        later(p)
    }
    fn five(
        &mut self,
        a: u8,
        b: u16,
        c: u32,
        d: u64,
        e: f32,
    ) -> Pin<Box<dyn Future<Output = u64>>> {
        later(u64::from(a) + u64::from(b) + u64::from(c) + d + e as u64)
    }
    fn notify(&mut self, _: i32) -> Pin<Box<dyn Future<Output = ()>>> {
        later(())
    }
    fn tick(&mut self) -> Pin<Box<dyn Future<Output = bool>>> {
        later(true)
    }
    fn count(&mut self) -> u32 {
        0
    }
    fn timer_new(&mut self) -> gfx_component::abi::Resource<host_calls::Timer> {
        gfx_component::abi::Resource::new(1)
    }
    fn timer_wait(
        &mut self,
        _: gfx_component::abi::Borrow<host_calls::Timer>,
        ms: u32,
    ) -> Pin<Box<dyn Future<Output = u32>>> {
        later(ms)
    }
    fn timer_drop(&mut self, _: gfx_component::abi::Resource<host_calls::Timer>) {}
}

/// The host object the trampolines find (a `Box<dyn AsyncsHost>`).
pub(crate) struct World(pub(crate) Calls);

impl bindings::AsyncsHost for World {
    fn host_calls(&mut self) -> &mut dyn host_calls::Host {
        &mut self.0
    }
    fn sleep(&mut self, _: u32) -> Pin<Box<dyn Future<Output = ()>>> {
        later(())
    }
}
