//! A guest's linear memory seen from the runtime: a `WebAssembly.Memory` and its `cabi_realloc`.
//!
//! The byte view is cached and refreshed when `memory.grow` detached the buffer it was made from
//! (a detached `ArrayBuffer` reads as zero bytes long), so every access sees the current size.

use std::cell::RefCell;

use js_sys::{Function, Uint8Array, WebAssembly};
use wasm_bindgen::JsValue;

use crate::abi::{Memory, Trap};

/// One component instance's memory and allocator.
pub(crate) struct JsMemory {
    memory: WebAssembly::Memory,
    view: RefCell<Uint8Array>,
    realloc: Option<Function>,
}

impl JsMemory {
    pub(crate) fn new(memory: WebAssembly::Memory, realloc: Option<Function>) -> Self {
        let view = Uint8Array::new(&memory.buffer());
        JsMemory {
            memory,
            view: RefCell::new(view),
            realloc,
        }
    }

    /// The current view, refreshed if the memory grew.
    fn view(&self) -> Uint8Array {
        let mut view = self.view.borrow_mut();
        let current = self.memory.buffer();
        if JsValue::from(view.buffer()) != current {
            *view = Uint8Array::new(&current);
        }
        view.clone()
    }

    /// `ptr..ptr+len` if it lies inside the memory.
    fn range(view: &Uint8Array, ptr: u32, len: usize) -> Result<(u32, u32), Trap> {
        let end = u32::try_from(len)
            .ok()
            .and_then(|len| ptr.checked_add(len))
            .filter(|end| *end <= view.length())
            .ok_or_else(|| {
                Trap(format!(
                    "out-of-bounds memory access: {len} bytes at {ptr} (memory is {} bytes)",
                    view.length()
                ))
            })?;
        Ok((ptr, end))
    }
}

impl Memory for JsMemory {
    fn size(&self) -> u64 {
        u64::from(self.view().length())
    }

    fn read(&self, ptr: u32, out: &mut [u8]) -> Result<(), Trap> {
        let view = self.view();
        let (start, end) = Self::range(&view, ptr, out.len())?;
        view.subarray(start, end).copy_to(out);
        Ok(())
    }

    fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), Trap> {
        let view = self.view();
        let (start, end) = Self::range(&view, ptr, data.len())?;
        view.subarray(start, end).copy_from(data);
        Ok(())
    }

    fn realloc(
        &mut self,
        old_ptr: u32,
        old_size: u32,
        align: u32,
        new_size: u32,
    ) -> Result<u32, Trap> {
        let realloc = self.realloc.as_ref().ok_or_else(|| {
            Trap("the component has no cabi_realloc but a value needs memory".into())
        })?;
        let args = js_sys::Array::of4(
            &JsValue::from(old_ptr as i32),
            &JsValue::from(old_size as i32),
            &JsValue::from(align as i32),
            &JsValue::from(new_size as i32),
        );
        let ptr = js_sys::Reflect::apply(realloc, &JsValue::UNDEFINED, &args)
            .map_err(|e| Trap(format!("cabi_realloc trapped: {}", super::describe(&e))))?
            .as_f64()
            .ok_or_else(|| Trap("cabi_realloc returned a non-number".into()))?
            as i32 as u32;
        // The caller (abi) checks alignment and range, as the explainer does.
        Ok(ptr)
    }
}
