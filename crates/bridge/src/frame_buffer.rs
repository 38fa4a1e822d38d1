//! `wasi-gfx:frame-buffer` and `wasi-gfx:surface/surface-frame-buffer`: CPU pixels on the
//! canvas's `2d` context.
//!
//! The WIT leaves the byte layout open; like the published upstream host (and our render
//! server) we read each pixel as a little-endian `u32` `0x00RRGGBB` — bytes B, G, R, X —, rows
//! top to bottom, `width × height × 4` bytes. `set-with-copy` converts to the RGBA of an
//! `ImageData` at once; `present` puts it on the canvas. A buffer of another length is cut or
//! padded with black.

use gfx_component::abi::{Borrow, Resource, Trap};
use wasm_bindgen::{Clamped, JsCast, JsValue};

use crate::bindings::frame_buffer::{Buffer, HostBuffer};
use crate::bindings::surface_frame_buffer::{Context, HostContext, Surface};
use crate::{call, Bridge};

/// `0x00RRGGBB` little-endian pixels → RGBA, opaque, into `out` (`width × height × 4`).
pub fn bgrx_to_rgba(bgrx: &[u8], out: &mut [u8]) {
    for (px, src) in out
        .chunks_exact_mut(4)
        .zip(bgrx.chunks_exact(4).chain(std::iter::repeat(&[0u8; 4][..])))
    {
        px.copy_from_slice(&[src[2], src[1], src[0], 255]);
    }
}

/// RGBA → `0x00RRGGBB` little-endian pixels (what `get-with-copy` returns).
fn rgba_to_bgrx(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| [p[2], p[1], p[0], 0])
        .collect()
}

/// A buffer's object: `{ width, height, rgba: Uint8ClampedArray }`; a context's:
/// `{ ctx: CanvasRenderingContext2D, buffer }`.
fn buffer_object(width: u32, height: u32) -> JsValue {
    let o = js_sys::Object::new();
    call::set(&o, "width", &JsValue::from(width));
    call::set(&o, "height", &JsValue::from(height));
    let rgba = js_sys::Uint8ClampedArray::new_with_length(width * height * 4);
    call::set(&o, "rgba", &rgba);
    o.into()
}

fn rgba_of(buffer: &JsValue) -> js_sys::Uint8ClampedArray {
    call::get(buffer, "rgba").unchecked_into()
}

impl HostContext for Bridge {
    fn context_new(&mut self, _surface: Borrow<Surface>) -> Result<Resource<Context>, Trap> {
        let wit = "wasi-gfx:surface/surface-frame-buffer#[constructor]context";
        let ctx = self.call(
            wit,
            &self.shared.canvas.js(),
            "getContext",
            &[&JsValue::from_str("2d")],
        )?;
        if ctx.is_null() {
            let message = format!(
                "{wit}: the canvas gives no 2d context (it already has another kind: give \
                 loadComponent a fresh canvas)"
            );
            self.shared.fail("canvas-in-use", message.clone());
            return Err(Trap(message));
        }
        let o = js_sys::Object::new();
        call::set(&o, "ctx", &ctx);
        Ok(self.keep(o.into()))
    }

    fn context_get_current_buffer(
        &mut self,
        self_: Borrow<Context>,
    ) -> Result<Resource<Buffer>, Trap> {
        let (w, h) = (self.shared.canvas.width(), self.shared.canvas.height());
        let buffer = buffer_object(w, h);
        call::set(&self.obj(&self_), "buffer", &buffer);
        Ok(self.keep(buffer))
    }

    fn context_present(&mut self, self_: Borrow<Context>) -> Result<(), Trap> {
        let wit = "wasi-gfx:surface/surface-frame-buffer#[method]context.present";
        let context = self.obj(&self_);
        let buffer = call::get(&context, "buffer");
        if buffer.is_undefined() {
            return Err(Trap(format!(
                "{wit}: no buffer was taken from this context"
            )));
        }
        let (w, h) = (
            Bridge::u32_of(&buffer, "width"),
            Bridge::u32_of(&buffer, "height"),
        );
        let pixels = rgba_of(&buffer).to_vec();
        let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), w, h)
            .map_err(|e| call::trap(wit, &e))?;
        let ctx: web_sys::CanvasRenderingContext2d = call::get(&context, "ctx").unchecked_into();
        ctx.put_image_data(&image, 0, 0)
            .map_err(|e| call::trap(wit, &e))?;
        self.shared.presented_one();
        Ok(())
    }

    fn context_drop(&mut self, r: Resource<Context>) {
        self.forget(r)
    }
}

impl HostBuffer for Bridge {
    fn buffer_get_with_copy(&mut self, self_: Borrow<Buffer>) -> Result<Vec<u8>, Trap> {
        Ok(rgba_to_bgrx(&rgba_of(&self.obj(&self_)).to_vec()))
    }

    fn buffer_set_with_copy(&mut self, self_: Borrow<Buffer>, val: Vec<u8>) -> Result<(), Trap> {
        let rgba = rgba_of(&self.obj(&self_));
        let mut out = vec![0u8; rgba.length() as usize];
        bgrx_to_rgba(&val, &mut out);
        rgba.copy_from(&out);
        Ok(())
    }

    fn buffer_drop(&mut self, r: Resource<Buffer>) {
        self.forget(r)
    }
}
