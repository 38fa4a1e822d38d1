//! Our headless `wasi-gfx:surface/surface-webgpu`: a context configured like a WebGPU canvas
//! context, backed by an offscreen texture that is read back on `present`.
//!
//! The published `surface-wasmtime` context needs a native window; this one needs nothing. The
//! texture handed out by `get-current-texture` stays the host's: the guest usually drops its
//! handle (after `create-view`) before `present`, so the `gpu-texture` destructor is overridden
//! for these handles (see [`install_texture_destructor`]) and only removes the handle.

use std::sync::Arc;
use std::time::Duration;

use surface_wasmtime::Surface;
use wasi_webgpu_wasmtime::reexports::{wgpu_core, wgpu_types};
use wasi_webgpu_wasmtime::wasi::webgpu::webgpu;
use wasi_webgpu_wasmtime::{Device, Texture, WasiWebGpuCtxView};
use wasmtime::component::{HasSelf, Linker, Resource, ResourceType};
use wasmtime::{bail, format_err};

use super::frame::Frame;
use super::host::HostState;

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "wasi-gfx:surface/webgpu-imports",
    require_store_data_send: true,
    imports: { default: trappable },
    with: {
        "wasi:webgpu/webgpu": wasi_webgpu_wasmtime::wasi::webgpu::webgpu,
        "wasi-gfx:surface/surface.surface": surface_wasmtime::Surface,
        "wasi-gfx:surface/surface-webgpu.context": Context,
    },
});

use wasi_gfx::surface::surface_webgpu;

/// How long `present` waits for the GPU to finish the frame before giving up.
const READBACK_TIMEOUT: Duration = Duration::from_secs(10);

/// A surface-webgpu context.
pub struct Context {
    surface: Surface,
    config: Option<Configured>,
}

struct Configured {
    device: Device,
    queue: wgpu_core::id::QueueId,
    format: wgpu_types::TextureFormat,
    usage: wgpu_types::TextureUsages,
    view_formats: Vec<wgpu_types::TextureFormat>,
    opaque: bool,
    target: Option<Target>,
}

/// The offscreen texture and the buffer it is read back through, for one canvas size.
struct Target {
    width: u32,
    height: u32,
    texture: wgpu_core::id::TextureId,
    readback: wgpu_core::id::BufferId,
    bytes_per_row: u32,
}

impl Target {
    fn release(self, gpu: &wgpu_core::global::Global) {
        gpu.texture_drop(self.texture);
        gpu.buffer_drop(self.readback);
    }
}

/// Adds `surface-webgpu` to the linker and overrides the `gpu-texture` destructor.
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    surface_webgpu::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
    install_texture_destructor(linker)
}

/// Replaces the published `gpu-texture` destructor: handles from `get-current-texture` only leave
/// the table (the canvas owns the texture); every other texture is dropped as before.
fn install_texture_destructor(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let result = linker
        .root()
        .instance("wasi:webgpu/webgpu@0.3.0-rc.2")
        .and_then(|mut i| {
            i.resource(
                "gpu-texture",
                ResourceType::host::<Texture>(),
                |mut store, rep| {
                    let state = store.data_mut();
                    if state.host_textures.remove(&rep) {
                        state.table.delete(Resource::<Texture>::new_own(rep))?;
                        Ok(())
                    } else {
                        webgpu::HostGpuTexture::drop(
                            &mut state.webgpu_ctx(),
                            Resource::new_own(rep),
                        )
                    }
                },
            )
        });
    linker.allow_shadowing(false);
    result
}

fn is_canvas_format(format: wgpu_types::TextureFormat) -> bool {
    use wgpu_types::TextureFormat as F;
    matches!(
        format,
        F::Bgra8Unorm | F::Rgba8Unorm | F::Bgra8UnormSrgb | F::Rgba8UnormSrgb
    )
}

impl surface_webgpu::Host for HostState {}

impl surface_webgpu::HostContext for HostState {
    fn new(&mut self, surface: Resource<Surface>) -> wasmtime::Result<Resource<Context>> {
        let surface = self.table.get(&surface)?.arc_clone();
        Ok(self.table.push(Context {
            surface,
            config: None,
        })?)
    }

    fn configure(
        &mut self,
        context: Resource<Context>,
        configuration: surface_webgpu::ContextConfiguration,
    ) -> wasmtime::Result<()> {
        let device = self.table.get(&configuration.device)?.clone();
        // The device's queue is private to the webgpu host; ask it the public way.
        let queue_handle = webgpu::HostGpuDevice::queue(
            &mut self.webgpu_ctx(),
            Resource::new_borrow(configuration.device.rep()),
        )?;
        let queue = **self.table.get(&queue_handle)?;
        self.table.delete(queue_handle)?;

        let format: wgpu_types::TextureFormat = configuration.format.into();
        if !is_canvas_format(format) {
            bail!(
                "surface-webgpu: {format:?} is not a canvas format (use bgra8unorm or rgba8unorm)"
            );
        }
        let usage = match configuration.usage {
            Some(u) => wgpu_types::TextureUsages::try_from(u)
                .map_err(|_| format_err!("surface-webgpu: unsupported texture usage {u:?}"))?,
            None => wgpu_types::TextureUsages::RENDER_ATTACHMENT,
        };
        let view_formats = configuration
            .view_formats
            .into_iter()
            .flatten()
            .map(Into::into)
            .collect();
        let opaque = !matches!(
            configuration.alpha_mode,
            Some(webgpu::GpuCanvasAlphaMode::Premultiplied)
        );

        let gpu = Arc::clone(&self.gpu);
        let ctx = self.table.get_mut(&context)?;
        if let Some(old) = ctx.config.take().and_then(|c| c.target) {
            old.release(&gpu);
        }
        ctx.config = Some(Configured {
            device,
            queue,
            format,
            usage: usage | wgpu_types::TextureUsages::COPY_SRC,
            view_formats,
            opaque,
            target: None,
        });
        Ok(())
    }

    fn unconfigure(&mut self, context: Resource<Context>) -> wasmtime::Result<()> {
        let gpu = Arc::clone(&self.gpu);
        let ctx = self.table.get_mut(&context)?;
        if let Some(old) = ctx.config.take().and_then(|c| c.target) {
            old.release(&gpu);
        }
        Ok(())
    }

    fn get_current_texture(
        &mut self,
        context: Resource<Context>,
    ) -> wasmtime::Result<Resource<webgpu::GpuTexture>> {
        let gpu = Arc::clone(&self.gpu);
        let ctx = self.table.get_mut(&context)?;
        let (width, height) = (ctx.surface.width(), ctx.surface.height());
        let Some(config) = ctx.config.as_mut() else {
            bail!("surface-webgpu: get-current-texture before configure");
        };
        if config
            .target
            .as_ref()
            .is_some_and(|t| (t.width, t.height) != (width, height))
            && let Some(old) = config.target.take()
        {
            old.release(&gpu);
        }
        let texture_id = match &config.target {
            Some(t) => t.texture,
            None => {
                let target = create_target(&gpu, config, width, height)?;
                let id = target.texture;
                config.target = Some(target);
                id
            }
        };
        // SAFETY: the texture was created on `config.device` just above (or for an earlier frame).
        let texture = unsafe { config.device.connect_texture(texture_id) };
        let handle = self.table.push(texture)?;
        self.host_textures.insert(handle.rep());
        Ok(handle)
    }

    fn present(&mut self, context: Resource<Context>) -> wasmtime::Result<()> {
        let gpu = Arc::clone(&self.gpu);
        let ctx = self.table.get(&context)?;
        let Some(config) = ctx.config.as_ref() else {
            bail!("surface-webgpu: present before configure");
        };
        let Some(target) = config.target.as_ref() else {
            bail!("surface-webgpu: present without get-current-texture");
        };
        let frame = read_back(&gpu, config, target)?;
        self.canvas.present(frame);
        Ok(())
    }

    fn drop(&mut self, context: Resource<Context>) -> wasmtime::Result<()> {
        let ctx = self.table.delete(context)?;
        if let Some(t) = ctx.config.and_then(|c| c.target) {
            t.release(&self.gpu);
        }
        Ok(())
    }
}

fn create_target(
    gpu: &wgpu_core::global::Global,
    config: &Configured,
    width: u32,
    height: u32,
) -> wasmtime::Result<Target> {
    let device = *config.device.device_id();
    let size = wgpu_types::Extent3d {
        width,
        height,
        depth_or_array_layers: 1,
    };
    let (texture, err) = gpu.device_create_texture(
        device,
        &wgpu_core::resource::TextureDescriptor {
            label: Some("gfx-render-server canvas".into()),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu_types::TextureDimension::D2,
            format: config.format,
            usage: config.usage,
            view_formats: config.view_formats.clone(),
        },
        None,
    );
    if let Some(e) = err {
        gpu.texture_drop(texture);
        bail!("surface-webgpu: could not create the {width}x{height} canvas texture: {e}");
    }
    let bytes_per_row = (width * 4).div_ceil(wgpu_types::COPY_BYTES_PER_ROW_ALIGNMENT)
        * wgpu_types::COPY_BYTES_PER_ROW_ALIGNMENT;
    let (readback, err) = gpu.device_create_buffer(
        device,
        &wgpu_core::resource::BufferDescriptor {
            label: Some("gfx-render-server readback".into()),
            size: u64::from(bytes_per_row) * u64::from(height),
            usage: wgpu_types::BufferUsages::MAP_READ | wgpu_types::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        },
        None,
    );
    if let Some(e) = err {
        gpu.texture_drop(texture);
        gpu.buffer_drop(readback);
        bail!("surface-webgpu: could not create the readback buffer: {e}");
    }
    Ok(Target {
        width,
        height,
        texture,
        readback,
        bytes_per_row,
    })
}

/// Copies the canvas texture into the readback buffer, waits for the GPU, and converts to RGBA.
fn read_back(
    gpu: &wgpu_core::global::Global,
    config: &Configured,
    target: &Target,
) -> wasmtime::Result<Frame> {
    let device = *config.device.device_id();
    let (encoder, err) = gpu.device_create_command_encoder(
        device,
        &wgpu_types::CommandEncoderDescriptor { label: None },
        None,
    );
    if let Some(e) = err {
        bail!("surface-webgpu: readback encoder: {e}");
    }
    let copied = gpu.command_encoder_copy_texture_to_buffer(
        encoder,
        &wgpu_types::TexelCopyTextureInfo {
            texture: target.texture,
            mip_level: 0,
            origin: wgpu_types::Origin3d::ZERO,
            aspect: wgpu_types::TextureAspect::All,
        },
        &wgpu_types::TexelCopyBufferInfo {
            buffer: target.readback,
            layout: wgpu_types::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(target.bytes_per_row),
                rows_per_image: Some(target.height),
            },
        },
        &wgpu_types::Extent3d {
            width: target.width,
            height: target.height,
            depth_or_array_layers: 1,
        },
    );
    let (commands, err) = gpu.command_encoder_finish(
        encoder,
        &wgpu_types::CommandBufferDescriptor { label: None },
        None,
    );
    if let Err(e) = copied {
        gpu.command_buffer_drop(commands);
        bail!("surface-webgpu: readback copy: {e}");
    }
    if let Some((_, e)) = err {
        gpu.command_buffer_drop(commands);
        bail!("surface-webgpu: readback commands: {e}");
    }
    let submitted = gpu.queue_submit(config.queue, &[commands]);
    gpu.command_buffer_drop(commands);
    let index = submitted.map_err(|(_, e)| format_err!("surface-webgpu: readback submit: {e}"))?;

    let size = u64::from(target.bytes_per_row) * u64::from(target.height);
    let (tx, rx) = std::sync::mpsc::channel();
    gpu.buffer_map_async(
        target.readback,
        0,
        Some(size),
        wgpu_core::resource::BufferMapOperation {
            host: wgpu_core::device::HostMap::Read,
            callback: Some(Box::new(move |result| {
                let _ = tx.send(result);
            })),
        },
    )
    .map_err(|e| format_err!("surface-webgpu: readback map: {e}"))?;
    gpu.device_poll(
        device,
        wgpu_types::PollType::Wait {
            submission_index: Some(index),
            timeout: Some(READBACK_TIMEOUT),
        },
    )
    .map_err(|e| format_err!("surface-webgpu: waiting for the GPU: {e}"))?;
    rx.recv_timeout(READBACK_TIMEOUT)
        .map_err(|_| format_err!("surface-webgpu: the readback never completed"))?
        .map_err(|e| format_err!("surface-webgpu: readback map: {e}"))?;

    let (ptr, len) = gpu
        .buffer_get_mapped_range(target.readback, 0, Some(size))
        .map_err(|e| format_err!("surface-webgpu: readback range: {e}"))?;
    let len = usize::try_from(len)?;
    if (len as u64) < size {
        bail!("surface-webgpu: readback range is {len} bytes, expected {size}");
    }
    // SAFETY: wgpu-core guarantees the mapped range is valid for `len` bytes until `buffer_unmap`,
    // which happens below after the last use of `mapped`.
    let mapped = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), len) };
    let frame = to_rgba(mapped, target, config.format, config.opaque);
    gpu.buffer_unmap(target.readback)
        .map_err(|e| format_err!("surface-webgpu: unmap: {e}"))?;
    Ok(frame)
}

/// Strips the row padding, swizzles BGRA to RGBA, and makes opaque canvases opaque.
fn to_rgba(
    mapped: &[u8],
    target: &Target,
    format: wgpu_types::TextureFormat,
    opaque: bool,
) -> Frame {
    use wgpu_types::TextureFormat as F;
    let bgra = matches!(format, F::Bgra8Unorm | F::Bgra8UnormSrgb);
    let row = target.width as usize * 4;
    let mut rgba = Vec::with_capacity(row * target.height as usize);
    for y in 0..target.height as usize {
        let start = y * target.bytes_per_row as usize;
        for px in mapped[start..start + row].chunks_exact(4) {
            let (r, b) = if bgra { (px[2], px[0]) } else { (px[0], px[2]) };
            rgba.extend_from_slice(&[r, px[1], b, if opaque { 255 } else { px[3] }]);
        }
    }
    Frame {
        width: target.width,
        height: target.height,
        rgba,
    }
}
