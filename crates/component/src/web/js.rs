//! WIT values as the JavaScript values Web APIs take: the [`ToJs`] trait that
//! `gfx-component-gen --to-js` implements for a world's records, variants, enums and flags, and
//! its impls for the types they are built from.
//!
//! The conventions are jco's: a record is a plain object with lowerCamelCase keys (a `none`
//! field is left out, not `undefined`), an enum case is its name, flags are a number, `list<T>`
//! an array, `option<T>` the value or `undefined`. A resource handle is whatever JavaScript
//! object the host keeps for it ([`Objects`]). Integers are JavaScript numbers — `u64`/`s64`
//! too (WebGPU's `GPUSize64` is a number; values above 2^53 lose precision, as in JavaScript).

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Object, Reflect};
pub use wasm_bindgen::JsValue;

use crate::abi::{Borrow, Resource, ResourceKind, ResourceType};

/// The host's JavaScript objects behind resource handles.
pub trait Objects {
    /// The object for resource `rep` of type `ty` (`undefined` if there is none).
    fn object(&self, ty: ResourceType, rep: u32) -> JsValue;
}

/// A value with a JavaScript form.
pub trait ToJs {
    /// The JavaScript value for `self`; handles are looked up in `objects`.
    fn to_js(&self, objects: &dyn Objects) -> JsValue;
}

/// A value read back from JavaScript (an enum from its name, flags from a number).
pub trait FromJs: Sized {
    /// `None` when `v` is not a value of this type.
    fn from_js(v: &JsValue) -> Option<Self>;
}

/// A new empty plain object (`{}`).
pub fn object() -> Object {
    Object::new()
}

thread_local! {
    /// The JavaScript strings [`key`] made so far, by the address and length of their name.
    static KEYS: RefCell<HashMap<(usize, usize), &'static JsValue>> = RefCell::new(HashMap::new());
}

/// `name` as a JavaScript string, made once and kept for the thread's life. Property names,
/// method names and enum cases are passed on every call — a render pass descriptor has a dozen
/// — and decoding UTF-8 into a new JavaScript string was most of what a call by name cost
/// (a third of the bridge's per-frame time in a profile). Only `'static` names, so the set is
/// bounded by the program's text and an address always means the same name.
pub fn key(name: &'static str) -> &'static JsValue {
    let id = (name.as_ptr() as usize, name.len());
    KEYS.with(|keys| {
        if let Some(k) = keys.borrow().get(&id) {
            return *k;
        }
        let k: &'static JsValue = Box::leak(Box::new(JsValue::from_str(name)));
        keys.borrow_mut().insert(id, k);
        k
    })
}

/// Sets `obj[key] = value`, unless `value` is `undefined` (an absent optional field).
pub fn set(obj: &Object, name: &'static str, value: JsValue) {
    if !value.is_undefined() {
        // Setting a property on a plain object we created cannot throw.
        let _ = Reflect::set(obj, key(name), &value);
    }
}

macro_rules! number {
    ($($t:ty),*) => {$(
        impl ToJs for $t {
            #[inline]
            fn to_js(&self, _: &dyn Objects) -> JsValue {
                JsValue::from_f64(*self as f64)
            }
        }
    )*};
}
number!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);

impl ToJs for bool {
    fn to_js(&self, _: &dyn Objects) -> JsValue {
        JsValue::from_bool(*self)
    }
}

impl ToJs for char {
    fn to_js(&self, _: &dyn Objects) -> JsValue {
        JsValue::from_str(self.encode_utf8(&mut [0; 4]))
    }
}

impl ToJs for String {
    fn to_js(&self, _: &dyn Objects) -> JsValue {
        JsValue::from_str(self)
    }
}

impl<T: ToJs> ToJs for Option<T> {
    fn to_js(&self, o: &dyn Objects) -> JsValue {
        match self {
            Some(v) => v.to_js(o),
            None => JsValue::UNDEFINED,
        }
    }
}

impl<T: ToJs> ToJs for Vec<T> {
    fn to_js(&self, o: &dyn Objects) -> JsValue {
        let a = Array::new_with_length(self.len() as u32);
        for (i, v) in self.iter().enumerate() {
            a.set(i as u32, v.to_js(o));
        }
        a.into()
    }
}

impl<T: ToJs + ?Sized> ToJs for &T {
    fn to_js(&self, o: &dyn Objects) -> JsValue {
        (**self).to_js(o)
    }
}

impl<T: ResourceKind> ToJs for Borrow<T> {
    fn to_js(&self, o: &dyn Objects) -> JsValue {
        o.object(T::TYPE, self.rep())
    }
}

impl<T: ResourceKind> ToJs for Resource<T> {
    fn to_js(&self, o: &dyn Objects) -> JsValue {
        o.object(T::TYPE, self.rep())
    }
}
