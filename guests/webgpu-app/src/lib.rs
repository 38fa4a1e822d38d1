//! Shared plumbing of the example guests.
//!
//! Every example guest targets the `webgpu-app` world of `wit/guests.wit`: it imports
//! `wasi:webgpu/webgpu`, `wasi-gfx:surface/surface` and `wasi-gfx:surface/surface-webgpu`, and exports
//! `start: async func()`. This crate owns the generated bindings for that world (so the component
//! type is generated once) and the setup each guest would otherwise repeat:
//!
//! ```no_run
//! struct MyGuest;
//!
//! impl webgpu_app::Guest for MyGuest {
//!     async fn start() {
//!         let app = webgpu_app::App::new().await;      // gpu → adapter → device → surface → context
//!         let mut frames = app.frames();                // the surface's `on-frame` stream
//!         while frames.next().await.is_some() {
//!             app.render(webgpu_app::rgb8(0, 0, 0), |_pass| {}); // clear, draw, submit, present
//!         }
//!     }
//! }
//!
//! webgpu_app::export!(MyGuest);
//! ```
//!
//! A guest has no stderr (wasm32-unknown-unknown, no WASI), so a panic is a trap: the host sees
//! that `start` failed, and the message is there for whoever reads the source.

// Lets the generated code name this crate as `webgpu_app`, the path the guests' `export!` uses too.
extern crate self as webgpu_app;

/// Bindings generated from `wit/guests.wit`, world `webgpu-app`.
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "wasi-gfx-loader:guests/webgpu-app",
        // The guest crates call `webgpu_app::export!`; it finds the bindings and the runtime here,
        // so they need no `generate!` (nor a wit-bindgen dependency) of their own.
        pub_export_macro: true,
        default_bindings_module: "webgpu_app::bindings",
        runtime_path: "webgpu_app::wit_bindgen::rt",
        // Generate the imported interfaces here too (no other crate provides them).
        generate_all,
    });
}

/// The runtime the generated code refers to (re-exported for the guests' `export!`).
#[doc(hidden)]
pub use wit_bindgen;

pub use bindings::wasi::webgpu::webgpu;
pub use bindings::wasi_gfx::surface::{surface, surface_webgpu};
pub use bindings::{export, Guest};

use webgpu::{
    GpuColor, GpuDevice, GpuLoadOp, GpuQueue, GpuRenderPassColorAttachment,
    GpuRenderPassDescriptor, GpuRenderPassEncoder, GpuStoreOp, GpuTextureFormat,
};

/// An opaque colour from 8-bit channels: each channel is `k / 255`, so an 8-bit (unorm, non-sRGB)
/// render target stores exactly `k` and a readback can compare pixels exactly.
pub fn rgb8(r: u8, g: u8, b: u8) -> GpuColor {
    let unorm = |k: u8| f64::from(k) / 255.0;
    GpuColor {
        r: unorm(r),
        g: unorm(g),
        b: unorm(b),
        a: 1.0,
    }
}

/// A device and a configured WebGPU context on a new surface: everything a guest needs to draw.
pub struct App {
    // Field order is drop order: the context goes before the surface it was created from.
    context: surface_webgpu::Context,
    surface: surface::Surface,
    queue: GpuQueue,
    device: GpuDevice,
    format: GpuTextureFormat,
}

impl App {
    /// Gets the GPU, requests an adapter and a device (default options), creates a surface (the host
    /// picks its size) and configures its WebGPU context for the device in the preferred canvas
    /// format.
    ///
    /// # Panics
    ///
    /// When the host offers no adapter or refuses the device: a graphics guest cannot do anything
    /// useful without one, so `start` ends with that message.
    pub async fn new() -> Self {
        let gpu = webgpu::get_gpu();
        let adapter = gpu
            .request_adapter(None)
            .await
            .expect("wasi:webgpu request-adapter: the host offers no GPU adapter");
        let device = match adapter.request_device(None).await {
            Ok(device) => device,
            Err(err) => panic!("wasi:webgpu request-device failed: {}", err.message),
        };
        let format = gpu.get_preferred_canvas_format();

        let surface = surface::Surface::new(surface::CreateDesc {
            height: None,
            width: None,
        });
        let context = surface_webgpu::Context::new(&surface);
        context.configure(&surface_webgpu::ContextConfiguration {
            device: &device,
            format,
            usage: None,
            view_formats: None,
            color_space: None,
            tone_mapping: None,
            alpha_mode: None,
        });

        let queue = device.queue();
        App {
            context,
            surface,
            queue,
            device,
            format,
        }
    }

    /// The device, for creating pipelines and other resources.
    pub fn device(&self) -> &GpuDevice {
        &self.device
    }

    /// The surface, for its size and its input streams (`on-pointer-*`, `on-key-*`, `on-resize`).
    pub fn surface(&self) -> &surface::Surface {
        &self.surface
    }

    /// The format the context was configured with (what a render pipeline must target).
    pub fn format(&self) -> GpuTextureFormat {
        self.format
    }

    /// The surface's `on-frame` stream: one event per frame the host wants drawn. It ends when the
    /// host stops the guest.
    pub fn frames(&self) -> wit_bindgen::StreamReader<surface::FrameEvent> {
        self.surface.on_frame()
    }

    /// Draws one frame: clears the surface's current texture to `clear`, lets `draw` record into the
    /// render pass, then submits and presents.
    pub fn render(&self, clear: GpuColor, draw: impl FnOnce(&GpuRenderPassEncoder)) {
        let texture = self.context.get_current_texture();
        let view = texture.create_view(None);
        let encoder = self.device.create_command_encoder(None);

        let pass = encoder.begin_render_pass(&GpuRenderPassDescriptor {
            color_attachments: vec![Some(GpuRenderPassColorAttachment {
                view: &view,
                depth_slice: None,
                resolve_target: None,
                clear_value: Some(clear),
                load_op: GpuLoadOp::Clear,
                store_op: GpuStoreOp::Store,
            })],
            depth_stencil_attachment: None,
            occlusion_query_set: None,
            timestamp_writes: None,
            max_draw_count: None,
            label: None,
        });
        draw(&pass);
        pass.end();

        let commands = encoder.finish(None);
        self.queue.submit(&[&commands]);
        self.context.present();
    }
}
