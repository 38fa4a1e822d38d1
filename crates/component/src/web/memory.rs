//! A guest's linear memory seen from the runtime: a `WebAssembly.Memory` and its `cabi_realloc`.
//!
//! The byte view is cached and refreshed when `memory.grow` detached the buffer it was made from
//! (a detached `ArrayBuffer` reads as zero bytes long), so every access sees the current size.

use std::cell::RefCell;

use js_sys::{DataView, Function, Uint8Array, WebAssembly};
use wasm_bindgen::JsValue;

use crate::abi::{Memory, Trap};

/// Views of the memory's current buffer.
struct Views {
    bytes: Uint8Array,
    data: DataView,
    /// `bytes.length`, cached (a view's length never changes; a grown memory detaches it).
    len: u32,
}

impl Views {
    fn of(memory: &WebAssembly::Memory) -> Views {
        let buffer = memory.buffer();
        let bytes = Uint8Array::new(&buffer);
        let data = DataView::new(&buffer.into(), 0, bytes.length() as usize);
        let len = bytes.length();
        Views { bytes, data, len }
    }
}

/// One component instance's memory and allocator.
pub(crate) struct JsMemory {
    memory: WebAssembly::Memory,
    views: RefCell<Views>,
    realloc: Option<Function>,
}

impl JsMemory {
    pub(crate) fn new(memory: WebAssembly::Memory, realloc: Option<Function>) -> Self {
        let views = RefCell::new(Views::of(&memory));
        JsMemory {
            memory,
            views,
            realloc,
        }
    }

    /// Runs `f` on views of the current buffer: one JavaScript call checks whether `memory.grow`
    /// detached the cached one (a detached view reads as zero bytes long).
    fn with<R>(&self, f: impl FnOnce(&Views) -> R) -> R {
        let mut views = self.views.borrow_mut();
        if views.len == 0 || views.bytes.byte_length() == 0 {
            *views = Views::of(&self.memory);
        }
        f(&views)
    }

    /// `ptr..ptr+len` if it lies inside a memory of `size` bytes.
    fn range(size: u32, ptr: u32, len: usize) -> Result<(u32, u32), Trap> {
        u32::try_from(len)
            .ok()
            .and_then(|len| ptr.checked_add(len))
            .filter(|end| *end <= size)
            .map(|end| (ptr, end))
            .ok_or_else(|| {
                Trap(format!(
                    "out-of-bounds memory access: {len} bytes at {ptr} (memory is {size} bytes)"
                ))
            })
    }
}

impl Memory for JsMemory {
    fn size(&self) -> u64 {
        u64::from(self.with(|v| v.len))
    }

    fn read(&self, ptr: u32, out: &mut [u8]) -> Result<(), Trap> {
        self.with(|v| {
            let (start, end) = Self::range(v.len, ptr, out.len())?;
            let at = start as usize;
            // Scalars through the DataView: one call instead of a subarray and a copy.
            match out.len() {
                0 => {}
                1 => out[0] = v.data.get_uint8(at),
                2 => out.copy_from_slice(&v.data.get_uint16_endian(at, true).to_le_bytes()),
                4 => out.copy_from_slice(&v.data.get_uint32_endian(at, true).to_le_bytes()),
                8 => {
                    let lo = v.data.get_uint32_endian(at, true);
                    let hi = v.data.get_uint32_endian(at + 4, true);
                    out.copy_from_slice(&(u64::from(lo) | u64::from(hi) << 32).to_le_bytes());
                }
                _ => v.bytes.subarray(start, end).copy_to(out),
            }
            Ok(())
        })
    }

    fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), Trap> {
        self.with(|v| {
            let (start, end) = Self::range(v.len, ptr, data.len())?;
            match data.len() {
                0 => {}
                1 => v.data.set_uint8(start as usize, data[0]),
                4 => {
                    let mut w = [0; 4];
                    w.copy_from_slice(data);
                    v.data
                        .set_uint32_endian(start as usize, u32::from_le_bytes(w), true);
                }
                _ => v.bytes.subarray(start, end).copy_from(data),
            }
            Ok(())
        })
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
