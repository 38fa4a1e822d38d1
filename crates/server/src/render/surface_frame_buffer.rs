//! Our headless `wasi-gfx:surface/surface-frame-buffer`: the guest writes CPU pixels into a buffer
//! (`wasi-gfx:frame-buffer`), `present` turns them into a frame.
//!
//! Byte layout, as the published hosts read it (and the browser bridge follows): per pixel a
//! little-endian `u32` `0x00RRGGBB` — bytes B, G, R, unused — rows top to bottom, width × height × 4
//! bytes. A buffer of the wrong length is cut or zero-padded to the canvas; frames are opaque.

use std::sync::{Arc, Mutex, MutexGuard};

use frame_buffer_wasmtime::{FrameBufferCtx, FrameBufferCtxView, GfxBuffer, HasBuffer};
use surface_wasmtime::Surface;
use wasmtime::component::{HasSelf, Linker, Resource};

use super::frame::Frame;
use super::host::HostState;

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "wasi-gfx:surface/frame-buffer-imports",
    require_store_data_send: true,
    imports: { default: trappable },
    with: {
        "wasi-gfx:frame-buffer/frame-buffer": frame_buffer_wasmtime::wasi_gfx::frame_buffer::frame_buffer,
        "wasi-gfx:surface/surface.surface": surface_wasmtime::Surface,
        "wasi-gfx:surface/surface-frame-buffer.context": Context,
    },
});

use wasi_gfx::surface::surface_frame_buffer;

/// Adds `wasi-gfx:frame-buffer` and `surface-frame-buffer` to the linker.
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    frame_buffer_wasmtime::add_to_linker(linker)?;
    surface_frame_buffer::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)
}

/// Pixel bytes shared by a context and the buffers it hands out.
#[derive(Clone, Default)]
struct Pixels(Arc<Mutex<Vec<u8>>>);

impl Pixels {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        // Each critical section is a single copy: a poisoned lock still holds whole bytes.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl HasBuffer for Pixels {
    fn get_buffer(&self) -> wasmtime::Result<Vec<u8>> {
        Ok(self.lock().clone())
    }

    fn set_buffer(&mut self, value: &[u8]) -> wasmtime::Result<()> {
        let mut pixels = self.lock();
        let n = value.len().min(pixels.len());
        pixels[..n].copy_from_slice(&value[..n]);
        Ok(())
    }
}

/// A surface-frame-buffer context.
pub struct Context {
    surface: Surface,
    pixels: Pixels,
}

impl FrameBufferCtxView for HostState {
    fn frame_buffer_ctx(&mut self) -> FrameBufferCtx<'_> {
        FrameBufferCtx {
            table: &mut self.table,
        }
    }
}

impl surface_frame_buffer::Host for HostState {}

impl surface_frame_buffer::HostContext for HostState {
    fn new(&mut self, surface: Resource<Surface>) -> wasmtime::Result<Resource<Context>> {
        let surface = self.table.get(&surface)?.arc_clone();
        Ok(self.table.push(Context {
            surface,
            pixels: Pixels::default(),
        })?)
    }

    fn get_current_buffer(
        &mut self,
        context: Resource<Context>,
    ) -> wasmtime::Result<Resource<GfxBuffer>> {
        let ctx = self.table.get(&context)?;
        let len = canvas_len(ctx.surface.width(), ctx.surface.height())?;
        let pixels = ctx.pixels.clone();
        pixels.lock().resize(len, 0);
        Ok(self.table.push(GfxBuffer {
            buffer: Box::new(pixels),
        })?)
    }

    fn present(&mut self, context: Resource<Context>) -> wasmtime::Result<()> {
        let ctx = self.table.get(&context)?;
        let (width, height) = (ctx.surface.width(), ctx.surface.height());
        let len = canvas_len(width, height)?;
        let mut rgba = Vec::with_capacity(len);
        {
            let pixels = ctx.pixels.lock();
            for px in pixels.chunks_exact(4).take(len / 4) {
                rgba.extend_from_slice(&[px[2], px[1], px[0], 255]);
            }
        }
        rgba.resize(len, 0);
        for alpha in rgba.iter_mut().skip(3).step_by(4) {
            *alpha = 255;
        }
        self.canvas.present(Frame {
            width,
            height,
            rgba,
        });
        Ok(())
    }

    fn drop(&mut self, context: Resource<Context>) -> wasmtime::Result<()> {
        self.table.delete(context)?;
        Ok(())
    }
}

fn canvas_len(width: u32, height: u32) -> wasmtime::Result<usize> {
    usize::try_from(u64::from(width) * u64::from(height) * 4)
        .map_err(|_| wasmtime::format_err!("surface-frame-buffer: canvas too large"))
}
