//! Small helpers over `js_sys` / `web_sys`: property access, promises, clocks and error text.
//!
//! Everything that touches an untyped `JsValue` coming from the page goes through here, so a
//! missing property or a thrown getter becomes `undefined` or an error string, never a panic.

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `obj[key]`, or `undefined` when `obj` is not an object or the getter throws.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key] = value`; a frozen object is left as it is.
pub fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Awaits a promise.
pub async fn wait(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

/// A readable description of a thrown JavaScript value.
pub fn describe(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        let name = String::from(err.name());
        let message = String::from(err.message());
        return if name.is_empty() || name == "Error" {
            message
        } else {
            format!("{name}: {message}")
        };
    }
    if let Some(s) = e.as_string() {
        return s;
    }
    js_sys::JSON::stringify(e)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "unknown JavaScript error".into())
}

/// The page's `window`.
pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Milliseconds since the time origin of the page (or worker): `performance.now()`, or
/// `Date.now()` where there is none.
pub fn now_ms() -> f64 {
    get(&js_sys::global(), "performance")
        .dyn_ref::<web_sys::Performance>()
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

/// `obj[name](...args)`; `Err` if it is not a function or it throws.
pub fn call(obj: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = get(obj, name).dyn_into()?;
    let list: js_sys::Array = args.iter().copied().collect();
    f.apply(obj, &list)
}

/// Wall-clock time for signature and key validity.
pub fn wall_clock() -> time::OffsetDateTime {
    let ms = js_sys::Date::now();
    let nanos = (ms * 1_000_000.0) as i128;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Resolves `url` against the document's base URL.
pub fn resolve_url(url: &str) -> Result<String, String> {
    let base = window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten());
    let parsed = match base {
        Some(base) => web_sys::Url::new_with_base(url, &base),
        None => web_sys::Url::new(url),
    };
    parsed
        .map(|u| u.href())
        .map_err(|e| format!("invalid URL {url:?}: {}", describe(&e)))
}

/// `console.error(message)`.
pub fn console_error(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(message));
}
