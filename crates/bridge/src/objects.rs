//! The JavaScript objects behind the bridge's resource handles: one slab for every resource
//! type (the runtime's handle table already checks a handle's type, so a rep only has to find
//! its object). Reps start at 1; a freed rep is reused.

use gfx_component::abi::ResourceType;
use gfx_component::web::js;
use wasm_bindgen::{JsCast, JsValue};

/// The slab.
#[derive(Default)]
pub struct Objects {
    slots: Vec<JsValue>,
    free: Vec<u32>,
    live: usize,
}

impl Objects {
    /// Keeps `value`; its rep.
    pub fn insert(&mut self, value: JsValue) -> u32 {
        self.live += 1;
        if let Some(rep) = self.free.pop() {
            self.slots[rep as usize - 1] = value;
            return rep;
        }
        self.slots.push(value);
        self.slots.len() as u32
    }

    /// The object of `rep` (`undefined` for a freed or unknown rep).
    pub fn get(&self, rep: u32) -> &JsValue {
        const NONE: &JsValue = &JsValue::UNDEFINED;
        match rep.checked_sub(1).and_then(|i| self.slots.get(i as usize)) {
            Some(v) => v,
            None => NONE,
        }
    }

    /// The object of `rep` as a `T` (not checked: the handle table typed the handle).
    pub fn typed<T: JsCast>(&self, rep: u32) -> &T {
        self.get(rep).unchecked_ref()
    }

    /// Forgets `rep`'s object (the guest dropped its handle).
    pub fn remove(&mut self, rep: u32) -> JsValue {
        let Some(slot) = rep
            .checked_sub(1)
            .and_then(|i| self.slots.get_mut(i as usize))
        else {
            return JsValue::UNDEFINED;
        };
        let value = std::mem::replace(slot, JsValue::UNDEFINED);
        if !value.is_undefined() {
            self.live -= 1;
            self.free.push(rep);
        }
        value
    }

    /// Objects held (for leak checks).
    pub fn live(&self) -> usize {
        self.live
    }
}

impl js::Objects for Objects {
    fn object(&self, _: ResourceType, rep: u32) -> JsValue {
        self.get(rep).clone()
    }
}
