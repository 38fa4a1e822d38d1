//! `gpu-buffer`: its properties, mapping (`map-async`, `unmap`) and WIT's copying forms of
//! `getMappedRange` (`get-mapped-range-get-with-copy` copies out of the mapped range,
//! `get-mapped-range-set-with-copy` copies into it).
//!
//! WebGPU hands out each part of a mapping once (a second `getMappedRange` overlapping an
//! earlier one throws `OperationError`), because its ranges are live `ArrayBuffer`s. WIT's calls
//! copy, so a guest may read a range, then write it back: the bridge asks WebGPU for the whole
//! mapped range once per mapping (the one `ArrayBuffer`, remembered in [`MAPPINGS`] until
//! `unmap` detaches it) and serves every call from a view of it, after WebGPU's own checks for
//! `getMappedRange` (offset a multiple of 8, size of 4, inside the mapped range; else
//! `OperationError`).

use gfx_component::abi::{Borrow, Resource, Trap};
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use super::errors::error_name;
use super::objects::prop;
use super::{labels, Async};
use crate::bindings::webgpu::*;
use crate::{call, Bridge};

thread_local! {
    /// `GPUBuffer` → `[offset, size, ArrayBuffer | undefined]`: the range its current (or last)
    /// mapping covers and the `ArrayBuffer` WebGPU gave for it. A buffer with no entry was
    /// mapped at creation (the whole buffer) or never.
    static MAPPINGS: js_sys::WeakMap = js_sys::WeakMap::new();
}

fn byte_size(buffer: &JsValue) -> u64 {
    call::get(buffer, "size").as_f64().unwrap_or(0.0) as u64
}

/// What a failed `getMappedRange` is in WIT, by the exception's name.
fn range_error(wit: &str, e: &JsValue) -> Result<GetMappedRangeError, Trap> {
    let kind = match error_name(e).as_str() {
        "OperationError" => GetMappedRangeErrorKind::OperationError,
        "RangeError" => GetMappedRangeErrorKind::RangeError,
        "TypeError" => GetMappedRangeErrorKind::TypeError,
        _ => return Err(call::trap(wit, e)),
    };
    Ok(GetMappedRangeError {
        kind,
        message: call::message(e),
    })
}

fn operation_error(message: String) -> GetMappedRangeError {
    GetMappedRangeError {
        kind: GetMappedRangeErrorKind::OperationError,
        message: format!("OperationError: {message}"),
    }
}

/// The mapped bytes `[offset, offset + size)` of `buffer` (WebGPU's defaults: offset 0, the
/// rest of the buffer), as a view of the mapping's `ArrayBuffer`.
fn mapped_range(
    wit: &str,
    buffer: &JsValue,
    offset: Option<u64>,
    size: Option<u64>,
) -> Result<Result<Uint8Array, GetMappedRangeError>, Trap> {
    let entry: JsValue = MAPPINGS.with(|m| m.get(buffer.unchecked_ref()));
    let (start, len, cached) = match entry.dyn_ref::<js_sys::Array>() {
        Some(a) => (
            a.get(0).as_f64().unwrap_or(0.0) as u64,
            a.get(1).as_f64().unwrap_or(0.0) as u64,
            a.get(2),
        ),
        None => (0, byte_size(buffer), JsValue::UNDEFINED),
    };
    let live = cached
        .dyn_ref::<ArrayBuffer>()
        .filter(|ab| !call::get(ab, "detached").is_truthy())
        .cloned();
    let whole = match live {
        Some(ab) => ab,
        None => {
            let args = [&JsValue::from(start as f64), &JsValue::from(len as f64)];
            let ab = match call::method(buffer, "getMappedRange", &args) {
                Ok(ab) => ab,
                Err(e) => return range_error(wit, &e).map(Err),
            };
            let entry: js_sys::Array = [
                JsValue::from(start as f64),
                JsValue::from(len as f64),
                ab.clone(),
            ]
            .iter()
            .collect();
            MAPPINGS.with(|m| m.set(buffer.unchecked_ref(), &entry));
            ab.unchecked_into()
        }
    };
    let offset = offset.unwrap_or(0);
    let size = size.unwrap_or_else(|| byte_size(buffer).saturating_sub(offset));
    let inside = offset >= start
        && offset
            .checked_add(size)
            .is_some_and(|end| end <= start.saturating_add(len));
    if !offset.is_multiple_of(8) || !size.is_multiple_of(4) || !inside {
        return Ok(Err(operation_error(format!(
            "{wit}: range [{offset}, +{size}) is not a range of the mapping [{start}, +{len}) \
             with an offset multiple of 8 and a size multiple of 4"
        ))));
    }
    let view =
        Uint8Array::new_with_byte_offset_and_length(&whole, (offset - start) as u32, size as u32);
    Ok(Ok(view))
}

impl HostGpuBuffer for Bridge {
    fn gpu_buffer_size(&mut self, self_: Borrow<GpuBuffer>) -> Result<u64, Trap> {
        Ok(byte_size(&self.obj(&self_)))
    }

    fn gpu_buffer_usage(&mut self, self_: Borrow<GpuBuffer>) -> Result<GpuBufferUsage, Trap> {
        prop("[method]gpu-buffer.usage", &self.obj(&self_), "usage")
    }

    fn gpu_buffer_map_state(
        &mut self,
        self_: Borrow<GpuBuffer>,
    ) -> Result<GpuBufferMapState, Trap> {
        prop(
            "[method]gpu-buffer.map-state",
            &self.obj(&self_),
            "mapState",
        )
    }

    fn gpu_buffer_map_async(
        &mut self,
        self_: Borrow<GpuBuffer>,
        mode: GpuMapMode,
        offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Async<Result<(), MapAsyncError>> {
        const WIT: &str = "[method]gpu-buffer.map-async";
        let buffer = self.obj(&self_);
        let args = [
            JsValue::from(mode.bits()),
            offset.map_or(JsValue::UNDEFINED, |o| JsValue::from(o as f64)),
            size.map_or(JsValue::UNDEFINED, |s| JsValue::from(s as f64)),
        ];
        // The range this mapping will cover (WebGPU's defaults), unless the buffer is mapped or
        // pending already (then `mapAsync` fails and the current mapping stays as it is).
        if call::get(&buffer, "mapState").as_string().as_deref() == Some("unmapped") {
            let start = offset.unwrap_or(0);
            let len = size.unwrap_or_else(|| byte_size(&buffer).saturating_sub(start));
            let entry: js_sys::Array = [JsValue::from(start as f64), JsValue::from(len as f64)]
                .iter()
                .collect();
            MAPPINGS.with(|m| m.set(buffer.unchecked_ref(), &entry));
        }
        let promise = call::method(&buffer, "mapAsync", &[&args[0], &args[1], &args[2]]);
        Box::pin(async move {
            let settled = match promise {
                Ok(p) => call::settle(p).await,
                Err(e) => Err(e),
            };
            let Err(e) = settled else { return Ok(Ok(())) };
            let kind = match error_name(&e).as_str() {
                "OperationError" => MapAsyncErrorKind::OperationError,
                "RangeError" => MapAsyncErrorKind::RangeError,
                "AbortError" => MapAsyncErrorKind::AbortError,
                _ => return Err(call::trap(WIT, &e)),
            };
            Ok(Err(MapAsyncError {
                kind,
                message: call::message(&e),
            }))
        })
    }

    fn gpu_buffer_get_mapped_range_get_with_copy(
        &mut self,
        self_: Borrow<GpuBuffer>,
        offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Result<Result<Vec<u8>, GetMappedRangeError>, Trap> {
        let wit = "[method]gpu-buffer.get-mapped-range-get-with-copy";
        Ok(mapped_range(wit, &self.obj(&self_), offset, size)?.map(|view| view.to_vec()))
    }

    /// `new Uint8Array(buffer.getMappedRange(offset, size)).set(data)`: `data` goes to the start
    /// of the range; longer than the range, it is a `RangeError` (as `set` throws).
    fn gpu_buffer_get_mapped_range_set_with_copy(
        &mut self,
        self_: Borrow<GpuBuffer>,
        data: Vec<u8>,
        offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Result<Result<(), GetMappedRangeError>, Trap> {
        let wit = "[method]gpu-buffer.get-mapped-range-set-with-copy";
        let view = match mapped_range(wit, &self.obj(&self_), offset, size)? {
            Ok(view) => view,
            Err(e) => return Ok(Err(e)),
        };
        if data.len() > view.length() as usize {
            return Ok(Err(GetMappedRangeError {
                kind: GetMappedRangeErrorKind::RangeError,
                message: format!(
                    "RangeError: {wit}: {} bytes do not fit the {}-byte range",
                    data.len(),
                    view.length()
                ),
            }));
        }
        view.subarray(0, data.len() as u32).copy_from(&data);
        Ok(Ok(()))
    }

    fn gpu_buffer_unmap(
        &mut self,
        self_: Borrow<GpuBuffer>,
    ) -> Result<Result<(), UnmapError>, Trap> {
        let wit = "[method]gpu-buffer.unmap";
        match call::method(&self.obj(&self_), "unmap", &[]) {
            Ok(_) => Ok(Ok(())),
            Err(e) if error_name(&e) == "AbortError" => Ok(Err(UnmapError {
                kind: UnmapErrorKind::AbortError,
                message: call::message(&e),
            })),
            Err(e) => Err(call::trap(wit, &e)),
        }
    }

    /// Also releases the buffer's charge to the GPU budget.
    fn gpu_buffer_destroy(&mut self, self_: Borrow<GpuBuffer>) -> Result<(), Trap> {
        self.call(
            "[method]gpu-buffer.destroy",
            &self.obj(&self_),
            "destroy",
            &[],
        )?;
        self.shared.budget.borrow_mut().release(self_.rep());
        Ok(())
    }

    labels!(GpuBuffer, gpu_buffer_label, gpu_buffer_set_label);

    fn gpu_buffer_drop(&mut self, r: Resource<GpuBuffer>) {
        self.shared.budget.borrow_mut().release(r.rep());
        self.forget(r)
    }
}
