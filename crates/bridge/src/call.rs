//! Calling WebGPU from the bridge: by name for the many calls made once per object (small
//! code: no binding per method), typed web-sys calls for the per-frame ones (in the `gpu`
//! modules), promises awaited as futures, and JavaScript exceptions turned into traps that
//! name the WIT function.

use gfx_component::abi::Trap;
use gfx_component::web::js::key;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The message of a thrown JavaScript value (`name: message` of an `Error`).
pub fn message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        let name: String = err.name().into();
        let msg: String = err.message().into();
        return format!("{name}: {msg}");
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// A trap for WIT function `function` that JavaScript refused with `e`.
#[cold]
pub fn trap(function: &str, e: &JsValue) -> Trap {
    Trap(format!("{function}: {}", message(e)))
}

/// `obj[method](...args)`; an exception (or a missing method) is the error.
pub fn method(obj: &JsValue, name: &'static str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(obj, key(name))?.dyn_into()?;
    match args {
        [] => f.call0(obj),
        [a] => f.call1(obj, a),
        [a, b] => f.call2(obj, a, b),
        [a, b, c] => f.call3(obj, a, b, c),
        _ => {
            let list: js_sys::Array = args.iter().copied().collect();
            f.apply(obj, &list)
        }
    }
}

/// `obj[name]`.
pub fn get(obj: &JsValue, name: &'static str) -> JsValue {
    Reflect::get(obj, key(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[name] = value`.
pub fn set(obj: &JsValue, name: &'static str, value: &JsValue) {
    let _ = Reflect::set(obj, key(name), value);
}

/// Awaits `promise` (a non-promise resolves to itself).
pub async fn settle(promise: JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::resolve(&promise)).await
}
