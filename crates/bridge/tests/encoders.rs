//! The encoders' host functions (command, render-pass, compute-pass and render-bundle
//! encoders, and the queue's uploads) against the browser's real WebGPU (wasm-bindgen-test in headless Chromium with
//! SwiftShader, flags in `webdriver.json`). Each test records commands through the host traits,
//! as the generated trampolines would, into an offscreen `rgba8unorm` texture or a storage
//! buffer, and reads the bytes back: `copy-texture-to-buffer` / `copy-buffer-to-buffer` into a
//! `MAP_READ` buffer, mapped with WebGPU's own JavaScript calls on the object behind the handle.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p gfx-bridge --target wasm32-unknown-unknown --test encoders`.
#![cfg(target_arch = "wasm32")]

use gfx_bridge::bindings::webgpu::*;
use gfx_bridge::Bridge;
use gfx_component::abi::Resource;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod common;
use common::{bridge, device};

wasm_bindgen_test_configure!(run_in_browser);

/// The render targets' size.
const W: u32 = 8;
const H: u32 = 8;
/// `bytesPerRow` of texture copies (WebGPU wants a multiple of 256).
const ROW: u32 = 256;

const BLUE: [u8; 4] = [0, 0, 255, 255];
const WHITE: [u8; 4] = [255; 4];
const RED: [u8; 4] = [255, 0, 0, 255];
const GREEN: [u8; 4] = [0, 255, 0, 255];

/// Vertex and fragment entry points: `full` is a full-screen triangle from the vertex index,
/// `at` takes positions from vertex buffer 0; `white`, `tinted` (a uniform) and `pushed`
/// (immediate data) are colours.
const SHADER: &str = "
@vertex fn full(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
    var p = array(vec2f(-1.0, -1.0), vec2f(3.0, -1.0), vec2f(-1.0, 3.0));
    return vec4f(p[i], 0.0, 1.0);
}
@vertex fn at(@location(0) p: vec2f) -> @builtin(position) vec4f {
    return vec4f(p, 0.0, 1.0);
}
@fragment fn white() -> @location(0) vec4f { return vec4f(1.0); }
@group(0) @binding(0) var<uniform> tint: vec4f;
@fragment fn tinted() -> @location(0) vec4f { return tint; }
var<immediate> colour: vec4f;
@fragment fn pushed() -> @location(0) vec4f { return colour; }
";

/// Vertex buffer of `at`: v0 (-1,-1), v1 (1,1), v2 (1,-1), v3 (-1,1). Vertices 0, 2, 3 are the
/// lower-left half of the target (pixels with x < y), 1, 2, 3 the upper-right (x > y).
const CORNERS: [f32; 8] = [-1.0, -1.0, 1.0, 1.0, 1.0, -1.0, -1.0, 1.0];
/// uint16 indices: two junk ones, then 1, 0, 2, 3 — from byte offset 4 and first index 1 they
/// draw vertices 0, 2, 3 (lower left); any other start draws something else.
const INDICES: [u16; 6] = [9, 9, 1, 0, 2, 3];
/// Indirect arguments: at 0 `draw` (3 vertices from vertex 1: upper right), at 16
/// `drawIndexed` (3 indices from index 1: with the index buffer at offset 4, lower left).
const INDIRECT: [u32; 9] = [3, 1, 1, 0, 3, 1, 1, 0, 0];

fn bytes<T: Copy, const N: usize>(v: &[T], to: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    v.iter().flat_map(|x| to(*x)).collect()
}
fn f32s(v: &[f32]) -> Vec<u8> {
    bytes(v, f32::to_le_bytes)
}
fn u32s(v: &[u32]) -> Vec<u8> {
    bytes(v, u32::to_le_bytes)
}
fn u16s(v: &[u16]) -> Vec<u8> {
    bytes(v, u16::to_le_bytes)
}
fn u32s_of(b: &[u8]) -> Vec<u32> {
    b.chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect()
}

fn colour(r: f64, g: f64, b: f64, a: f64) -> GpuColor {
    GpuColor { r, g, b, a }
}

fn extent(width: u32, height: u32) -> GpuExtent3D {
    GpuExtent3D {
        width,
        height: Some(height),
        depth_or_array_layers: None,
    }
}

/// Mip 0 of `texture` from texel (x, y).
fn texel(texture: &Resource<GpuTexture>, x: u32, y: u32) -> GpuTexelCopyTextureInfo {
    GpuTexelCopyTextureInfo {
        texture: texture.borrow(),
        mip_level: None,
        origin: Some(GpuOrigin3D {
            x: Some(x),
            y: Some(y),
            z: None,
        }),
        aspect: None,
    }
}

/// `obj.name(...args)` in JavaScript.
fn js_call(obj: &JsValue, name: &str, args: &[JsValue]) -> JsValue {
    let f: js_sys::Function = js_sys::Reflect::get(obj, &name.into())
        .expect(name)
        .dyn_into()
        .expect(name);
    f.apply(obj, &args.iter().collect()).expect(name)
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    JsFuture::from(p).await.expect("timeout");
}

/// Every off-diagonal pixel: `lower_left` where x < y, `upper_right` where x > y (the diagonal
/// is both triangles' edge).
fn assert_halves(pixels: &[[u8; 4]], lower_left: [u8; 4], upper_right: [u8; 4]) {
    for y in 0..H {
        for x in 0..W {
            let p = pixels[(y * W + x) as usize];
            if x < y {
                assert_eq!(p, lower_left, "pixel ({x}, {y}), lower left");
            } else if x > y {
                assert_eq!(p, upper_right, "pixel ({x}, {y}), upper right");
            }
        }
    }
}

/// A bridge with its device and queue, and what the tests build with them.
struct Gpu {
    b: Bridge,
    device: Resource<GpuDevice>,
    queue: Resource<GpuQueue>,
}

impl Gpu {
    async fn new() -> Gpu {
        let mut b = bridge();
        let device = device(&mut b).await;
        let queue = b.gpu_device_queue(device.borrow()).expect("queue");
        Gpu { b, device, queue }
    }

    fn buffer(&mut self, size: u64, usage: GpuBufferUsage) -> Resource<GpuBuffer> {
        let d = GpuBufferDescriptor {
            size,
            usage,
            mapped_at_creation: None,
            label: None,
        };
        self.b
            .gpu_device_create_buffer(self.device.borrow(), d)
            .expect("create-buffer")
    }

    /// A buffer holding `bytes` (write-buffer-with-copy).
    fn buffer_with(&mut self, bytes: &[u8], usage: GpuBufferUsage) -> Resource<GpuBuffer> {
        let buffer = self.buffer(bytes.len() as u64, usage | GpuBufferUsage::COPY_DST);
        self.b
            .gpu_queue_write_buffer_with_copy(
                self.queue.borrow(),
                buffer.borrow(),
                0,
                bytes.to_vec(),
                None,
                None,
            )
            .expect("write-buffer-with-copy")
            .expect("written");
        buffer
    }

    fn texture(
        &mut self,
        format: GpuTextureFormat,
        usage: GpuTextureUsage,
    ) -> Resource<GpuTexture> {
        let d = GpuTextureDescriptor {
            size: extent(W, H),
            mip_level_count: None,
            sample_count: None,
            dimension: None,
            format,
            usage,
            view_formats: None,
            texture_binding_view_dimension: None,
            label: None,
        };
        self.b
            .gpu_device_create_texture(self.device.borrow(), d)
            .expect("create-texture")
    }

    /// A W×H `rgba8unorm` texture to render into and copy to and from.
    fn target(&mut self) -> Resource<GpuTexture> {
        let usage = GpuTextureUsage::RENDER_ATTACHMENT
            | GpuTextureUsage::COPY_SRC
            | GpuTextureUsage::COPY_DST;
        self.texture(GpuTextureFormat::Rgba8unorm, usage)
    }

    fn view(&mut self, texture: &Resource<GpuTexture>) -> Resource<GpuTextureView> {
        self.b
            .gpu_texture_create_view(texture.borrow(), None)
            .expect("create-view")
    }

    fn encoder(&mut self) -> Resource<GpuCommandEncoder> {
        self.b
            .gpu_device_create_command_encoder(self.device.borrow(), None)
            .expect("create-command-encoder")
    }

    /// Finishes `encoder` and submits its commands.
    fn submit(&mut self, encoder: Resource<GpuCommandEncoder>) {
        let commands = self
            .b
            .gpu_command_encoder_finish(encoder.borrow(), None)
            .expect("finish");
        self.b
            .gpu_queue_submit(self.queue.borrow(), vec![commands.borrow()])
            .expect("submit");
    }

    /// Waits for the submitted work, then a little for WebGPU's error events to arrive.
    async fn settle(&mut self) {
        self.b
            .gpu_queue_on_submitted_work_done(self.queue.borrow())
            .await
            .expect("on-submitted-work-done");
        sleep(100).await;
    }

    /// A render pass on `view`, cleared to `clear`, with an optional stencil attachment and
    /// occlusion query set.
    fn pass_with(
        &mut self,
        encoder: &Resource<GpuCommandEncoder>,
        view: &Resource<GpuTextureView>,
        clear: GpuColor,
        stencil: Option<(&Resource<GpuTextureView>, u32)>,
        occlusion: Option<&Resource<GpuQuerySet>>,
    ) -> Resource<GpuRenderPassEncoder> {
        let d = GpuRenderPassDescriptor {
            color_attachments: vec![Some(GpuRenderPassColorAttachment {
                view: view.borrow(),
                depth_slice: None,
                resolve_target: None,
                clear_value: Some(clear),
                load_op: GpuLoadOp::Clear,
                store_op: GpuStoreOp::Store,
            })],
            depth_stencil_attachment: stencil.map(|(view, clear)| {
                GpuRenderPassDepthStencilAttachment {
                    view: view.borrow(),
                    depth_clear_value: None,
                    depth_load_op: None,
                    depth_store_op: None,
                    depth_read_only: None,
                    stencil_clear_value: Some(clear),
                    stencil_load_op: Some(GpuLoadOp::Clear),
                    stencil_store_op: Some(GpuStoreOp::Store),
                    stencil_read_only: None,
                }
            }),
            occlusion_query_set: occlusion.map(|q| q.borrow()),
            timestamp_writes: None,
            max_draw_count: None,
            label: None,
        };
        self.b
            .gpu_command_encoder_begin_render_pass(encoder.borrow(), d)
            .expect("begin-render-pass")
    }

    fn pass(
        &mut self,
        encoder: &Resource<GpuCommandEncoder>,
        view: &Resource<GpuTextureView>,
        clear: GpuColor,
    ) -> Resource<GpuRenderPassEncoder> {
        self.pass_with(encoder, view, clear, None, None)
    }

    fn module(&mut self, code: &str) -> Resource<GpuShaderModule> {
        let d = GpuShaderModuleDescriptor {
            code: code.into(),
            compilation_hints: None,
            label: None,
        };
        self.b
            .gpu_device_create_shader_module(self.device.borrow(), d)
            .expect("create-shader-module")
    }

    /// A render pipeline of [`SHADER`]'s `vertex` and `fragment` entry points drawing into
    /// `rgba8unorm` (`at` reads float32x2 positions from vertex buffer 0).
    fn pipeline(
        &mut self,
        vertex: &str,
        fragment: &str,
        layout: GpuLayoutMode,
        blend: Option<GpuBlendState>,
        depth_stencil: Option<GpuDepthStencilState>,
    ) -> Resource<GpuRenderPipeline> {
        let module = self.module(SHADER);
        let buffers = (vertex == "at").then(|| {
            vec![Some(GpuVertexBufferLayout {
                array_stride: 8,
                step_mode: None,
                attributes: vec![GpuVertexAttribute {
                    format: GpuVertexFormat::Float32x2,
                    offset: 0,
                    shader_location: 0,
                }],
            })]
        });
        let d = GpuRenderPipelineDescriptor {
            vertex: GpuVertexState {
                buffers,
                module: module.borrow(),
                entry_point: Some(vertex.into()),
                constants: None,
            },
            primitive: None,
            depth_stencil,
            multisample: None,
            fragment: Some(GpuFragmentState {
                targets: vec![Some(GpuColorTargetState {
                    format: GpuTextureFormat::Rgba8unorm,
                    blend,
                    write_mask: None,
                })],
                module: module.borrow(),
                entry_point: Some(fragment.into()),
                constants: None,
            }),
            layout,
            label: None,
        };
        self.b
            .gpu_device_create_render_pipeline(self.device.borrow(), d)
            .expect("create-render-pipeline")
    }

    /// A pipeline layout: one bind group of a buffer at binding 0 (`ty`, seen by `stage`,
    /// `dynamic` offset or not) unless `ty` is `None`, and `immediate_size` bytes of immediates.
    fn layout(
        &mut self,
        ty: Option<GpuBufferBindingType>,
        stage: GpuShaderStage,
        dynamic: bool,
        immediate_size: Option<u32>,
    ) -> (
        Option<Resource<GpuBindGroupLayout>>,
        Resource<GpuPipelineLayout>,
    ) {
        let group = ty.map(|ty| {
            let d = GpuBindGroupLayoutDescriptor {
                entries: vec![GpuBindGroupLayoutEntry {
                    binding: 0,
                    visibility: stage,
                    buffer: Some(GpuBufferBindingLayout {
                        type_: Some(ty),
                        has_dynamic_offset: Some(dynamic),
                        min_binding_size: None,
                    }),
                    sampler: None,
                    texture: None,
                    storage_texture: None,
                }],
                label: None,
            };
            self.b
                .gpu_device_create_bind_group_layout(self.device.borrow(), d)
                .expect("create-bind-group-layout")
        });
        let d = GpuPipelineLayoutDescriptor {
            bind_group_layouts: group.iter().map(|g| Some(g.borrow())).collect(),
            immediate_size,
            label: None,
        };
        let layout = self
            .b
            .gpu_device_create_pipeline_layout(self.device.borrow(), d)
            .expect("create-pipeline-layout");
        (group, layout)
    }

    /// A bind group of `layout` with `size` bytes of `buffer` at binding 0.
    fn bind_group(
        &mut self,
        layout: &Resource<GpuBindGroupLayout>,
        buffer: &Resource<GpuBuffer>,
        size: u64,
    ) -> Resource<GpuBindGroup> {
        let d = GpuBindGroupDescriptor {
            layout: layout.borrow(),
            entries: vec![GpuBindGroupEntry {
                binding: 0,
                resource: GpuBindingResource::GpuBufferBinding(GpuBufferBinding {
                    buffer: buffer.borrow(),
                    offset: None,
                    size: Some(size),
                }),
            }],
            label: None,
        };
        self.b
            .gpu_device_create_bind_group(self.device.borrow(), d)
            .expect("create-bind-group")
    }

    /// A render bundle encoder for one `rgba8unorm` target.
    fn bundle_encoder(&mut self) -> Resource<GpuRenderBundleEncoder> {
        let d = GpuRenderBundleEncoderDescriptor {
            depth_read_only: None,
            stencil_read_only: None,
            color_formats: vec![Some(GpuTextureFormat::Rgba8unorm)],
            depth_stencil_format: None,
            sample_count: None,
            label: None,
        };
        self.b
            .gpu_device_create_render_bundle_encoder(self.device.borrow(), d)
            .expect("create-render-bundle-encoder")
    }

    /// The pixels of a fresh target cleared to blue after executing `bundle` in a pass.
    async fn run_bundle(&mut self, bundle: &Resource<GpuRenderBundle>) -> Vec<[u8; 4]> {
        let target = self.target();
        let view = self.view(&target);
        let encoder = self.encoder();
        let pass = self.pass(&encoder, &view, colour(0.0, 0.0, 1.0, 1.0));
        self.b
            .gpu_render_pass_encoder_execute_bundles(pass.borrow(), vec![bundle.borrow()])
            .expect("execute-bundles");
        self.b
            .gpu_render_pass_encoder_end(pass.borrow())
            .expect("end");
        self.submit(encoder);
        self.pixels(&target).await
    }

    /// Maps a `MAP_READ` buffer with WebGPU's JavaScript calls and copies it out.
    async fn map_read(&self, buffer: &Resource<GpuBuffer>) -> Vec<u8> {
        let obj = self.b.object_of(buffer.rep());
        // GPUMapMode.READ
        let mapped = js_call(&obj, "mapAsync", &[JsValue::from(1)]);
        JsFuture::from(js_sys::Promise::from(mapped))
            .await
            .expect("mapAsync");
        let bytes = js_sys::Uint8Array::new(&js_call(&obj, "getMappedRange", &[])).to_vec();
        js_call(&obj, "unmap", &[]);
        bytes
    }

    /// The first `size` bytes of `buffer` (copy-buffer-to-buffer into a mappable buffer).
    async fn read(&mut self, buffer: &Resource<GpuBuffer>, size: u64) -> Vec<u8> {
        let out = self.buffer(size, GpuBufferUsage::MAP_READ | GpuBufferUsage::COPY_DST);
        let encoder = self.encoder();
        self.b
            .gpu_command_encoder_copy_buffer_to_buffer(
                encoder.borrow(),
                buffer.borrow(),
                None,
                out.borrow(),
                None,
                Some(size),
            )
            .expect("copy-buffer-to-buffer");
        self.submit(encoder);
        self.map_read(&out).await
    }

    /// The texels of a W×H `rgba8unorm` texture, row by row (copy-texture-to-buffer).
    async fn pixels(&mut self, texture: &Resource<GpuTexture>) -> Vec<[u8; 4]> {
        let out = self.buffer(
            u64::from(ROW * H),
            GpuBufferUsage::MAP_READ | GpuBufferUsage::COPY_DST,
        );
        let encoder = self.encoder();
        let to = GpuTexelCopyBufferInfo {
            buffer: out.borrow(),
            offset: None,
            bytes_per_row: Some(ROW),
            rows_per_image: None,
        };
        self.b
            .gpu_command_encoder_copy_texture_to_buffer(
                encoder.borrow(),
                texel(texture, 0, 0),
                to,
                extent(W, H),
            )
            .expect("copy-texture-to-buffer");
        self.submit(encoder);
        let bytes = self.map_read(&out).await;
        (0..H)
            .flat_map(|y| (0..W).map(move |x| (y * ROW + x * 4) as usize))
            .map(|i| bytes[i..i + 4].try_into().expect("a texel"))
            .collect()
    }
}

#[wasm_bindgen_test]
async fn scissor_rect_limits_a_draw_to_its_rectangle() {
    let mut g = Gpu::new().await;
    let pipeline = g.pipeline("full", "white", GpuLayoutMode::Auto, None, None);
    let target = g.target();
    let view = g.view(&target);
    let encoder = g.encoder();
    let pass = g.pass(&encoder, &view, colour(0.0, 0.0, 1.0, 1.0));
    let b = &mut g.b;
    b.gpu_render_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    b.gpu_render_pass_encoder_set_scissor_rect(pass.borrow(), 1, 2, 4, 3)
        .expect("set-scissor-rect");
    b.gpu_render_pass_encoder_draw(pass.borrow(), 3, None, None, None)
        .expect("draw");
    b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    g.submit(encoder);
    let pixels = g.pixels(&target).await;
    for y in 0..H {
        for x in 0..W {
            let inside = (1..5).contains(&x) && (2..5).contains(&y);
            let want = if inside { WHITE } else { BLUE };
            assert_eq!(pixels[(y * W + x) as usize], want, "pixel ({x}, {y})");
        }
    }
}

#[wasm_bindgen_test]
async fn blend_constant_is_the_colour_a_constant_blend_multiplies_by() {
    let mut g = Gpu::new().await;
    let by_constant = GpuBlendComponent {
        operation: Some(GpuBlendOperation::Add),
        src_factor: Some(GpuBlendFactor::Constant),
        dst_factor: Some(GpuBlendFactor::Zero),
    };
    let blend = GpuBlendState {
        color: by_constant.clone(),
        alpha: by_constant,
    };
    let pipeline = g.pipeline("full", "white", GpuLayoutMode::Auto, Some(blend), None);
    let target = g.target();
    let view = g.view(&target);
    let encoder = g.encoder();
    let pass = g.pass(&encoder, &view, colour(0.0, 0.0, 1.0, 1.0));
    let b = &mut g.b;
    b.gpu_render_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    b.gpu_render_pass_encoder_set_blend_constant(pass.borrow(), colour(0.2, 0.4, 0.6, 0.8))
        .expect("set-blend-constant");
    b.gpu_render_pass_encoder_draw(pass.borrow(), 3, None, None, None)
        .expect("draw");
    b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    g.submit(encoder);
    // White × (0.2, 0.4, 0.6, 0.8).
    for p in g.pixels(&target).await {
        let want = [51u8, 102, 153, 204];
        assert!(
            p.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= 1),
            "{p:?}, not {want:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn stencil_reference_decides_which_draw_passes_an_equal_stencil_test() {
    let mut g = Gpu::new().await;
    let equal = GpuStencilFaceState {
        compare: Some(GpuCompareFunction::Equal),
        fail_op: None,
        depth_fail_op: None,
        pass_op: None,
    };
    let depth_stencil = GpuDepthStencilState {
        format: GpuTextureFormat::Stencil8,
        depth_write_enabled: None,
        depth_compare: None,
        stencil_front: Some(equal.clone()),
        stencil_back: Some(equal),
        stencil_read_mask: None,
        stencil_write_mask: None,
        depth_bias: None,
        depth_bias_slope_scale: None,
        depth_bias_clamp: None,
    };
    let pipeline = g.pipeline(
        "full",
        "white",
        GpuLayoutMode::Auto,
        None,
        Some(depth_stencil),
    );
    let target = g.target();
    let view = g.view(&target);
    let stencil = g.texture(
        GpuTextureFormat::Stencil8,
        GpuTextureUsage::RENDER_ATTACHMENT,
    );
    let stencil_view = g.view(&stencil);
    let encoder = g.encoder();
    // Stencil cleared to 3: the left half draws with reference 3, the right with 4.
    let pass = g.pass_with(
        &encoder,
        &view,
        colour(0.0, 0.0, 1.0, 1.0),
        Some((&stencil_view, 3)),
        None,
    );
    let b = &mut g.b;
    b.gpu_render_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    for (x, reference) in [(0, 3), (W / 2, 4)] {
        b.gpu_render_pass_encoder_set_scissor_rect(pass.borrow(), x, 0, W / 2, H)
            .expect("set-scissor-rect");
        b.gpu_render_pass_encoder_set_stencil_reference(pass.borrow(), reference)
            .expect("set-stencil-reference");
        b.gpu_render_pass_encoder_draw(pass.borrow(), 3, None, None, None)
            .expect("draw");
    }
    b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    g.submit(encoder);
    let pixels = g.pixels(&target).await;
    for y in 0..H {
        for x in 0..W {
            let want = if x < W / 2 { WHITE } else { BLUE };
            assert_eq!(pixels[(y * W + x) as usize], want, "pixel ({x}, {y})");
        }
    }
}

#[wasm_bindgen_test]
async fn draw_indexed_takes_vertices_from_the_index_buffer_at_its_offset_and_first_index() {
    let mut g = Gpu::new().await;
    let pipeline = g.pipeline("at", "white", GpuLayoutMode::Auto, None, None);
    let corners = g.buffer_with(&f32s(&CORNERS), GpuBufferUsage::VERTEX);
    let indices = g.buffer_with(&u16s(&INDICES), GpuBufferUsage::INDEX);
    let target = g.target();
    let view = g.view(&target);
    let encoder = g.encoder();
    let pass = g.pass(&encoder, &view, colour(0.0, 0.0, 1.0, 1.0));
    let b = &mut g.b;
    b.gpu_render_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    b.gpu_render_pass_encoder_set_vertex_buffer(
        pass.borrow(),
        0,
        Some(corners.borrow()),
        None,
        None,
    )
    .expect("set-vertex-buffer");
    b.gpu_render_pass_encoder_set_index_buffer(
        pass.borrow(),
        indices.borrow(),
        GpuIndexFormat::Uint16,
        Some(4),
        Some(8),
    )
    .expect("set-index-buffer");
    b.gpu_render_pass_encoder_draw_indexed(pass.borrow(), 3, None, Some(1), None, None)
        .expect("draw-indexed");
    b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    g.submit(encoder);
    assert_halves(&g.pixels(&target).await, WHITE, BLUE);
}

#[wasm_bindgen_test]
async fn indirect_draws_in_a_pass_read_their_arguments_at_the_offset_given() {
    let mut g = Gpu::new().await;
    let pipeline = g.pipeline("at", "white", GpuLayoutMode::Auto, None, None);
    let corners = g.buffer_with(&f32s(&CORNERS), GpuBufferUsage::VERTEX);
    let indices = g.buffer_with(&u16s(&INDICES), GpuBufferUsage::INDEX);
    let indirect = g.buffer_with(&u32s(&INDIRECT), GpuBufferUsage::INDIRECT);
    let (plain, indexed) = (g.target(), g.target());
    let encoder = g.encoder();
    for (target, indexed) in [(&plain, false), (&indexed, true)] {
        let view = g.view(target);
        let pass = g.pass(&encoder, &view, colour(0.0, 0.0, 1.0, 1.0));
        let b = &mut g.b;
        b.gpu_render_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
            .expect("set-pipeline");
        b.gpu_render_pass_encoder_set_vertex_buffer(
            pass.borrow(),
            0,
            Some(corners.borrow()),
            None,
            None,
        )
        .expect("set-vertex-buffer");
        if indexed {
            b.gpu_render_pass_encoder_set_index_buffer(
                pass.borrow(),
                indices.borrow(),
                GpuIndexFormat::Uint16,
                Some(4),
                None,
            )
            .expect("set-index-buffer");
            b.gpu_render_pass_encoder_draw_indexed_indirect(pass.borrow(), indirect.borrow(), 16)
                .expect("draw-indexed-indirect");
        } else {
            b.gpu_render_pass_encoder_draw_indirect(pass.borrow(), indirect.borrow(), 0)
                .expect("draw-indirect");
        }
        b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    }
    g.submit(encoder);
    assert_halves(&g.pixels(&plain).await, BLUE, WHITE);
    assert_halves(&g.pixels(&indexed).await, WHITE, BLUE);
}

#[wasm_bindgen_test]
async fn a_render_bundle_replays_its_pipeline_bind_group_and_indexed_draw_in_a_pass() {
    let mut g = Gpu::new().await;
    let (group_layout, layout) = g.layout(
        Some(GpuBufferBindingType::Uniform),
        GpuShaderStage::FRAGMENT,
        true,
        None,
    );
    let group_layout = group_layout.expect("a bind group layout");
    let pipeline = g.pipeline(
        "at",
        "tinted",
        GpuLayoutMode::Specific(layout.borrow()),
        None,
        None,
    );
    // Red at offset 0, green at 256 (WebGPU's uniform offset alignment).
    let mut tints = f32s(&[1.0, 0.0, 0.0, 1.0]);
    tints.resize(256, 0);
    tints.extend(f32s(&[0.0, 1.0, 0.0, 1.0]));
    let tints = g.buffer_with(&tints, GpuBufferUsage::UNIFORM);
    let group = g.bind_group(&group_layout, &tints, 16);
    let corners = g.buffer_with(&f32s(&CORNERS), GpuBufferUsage::VERTEX);
    let indices = g.buffer_with(&u16s(&INDICES), GpuBufferUsage::INDEX);

    let encoder = g.bundle_encoder();
    let b = &mut g.b;
    b.gpu_render_bundle_encoder_set_label(encoder.borrow(), "recording".into())
        .expect("set-label");
    assert_eq!(
        b.gpu_render_bundle_encoder_label(encoder.borrow())
            .expect("label"),
        "recording"
    );
    b.gpu_render_bundle_encoder_push_debug_group(encoder.borrow(), "bundle".into())
        .expect("push-debug-group");
    b.gpu_render_bundle_encoder_set_pipeline(encoder.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    // Offsets [0, 256] from index 1, one long: 256, green.
    b.gpu_render_bundle_encoder_set_bind_group(
        encoder.borrow(),
        0,
        Some(group.borrow()),
        Some(vec![0, 256]),
        Some(1),
        Some(1),
    )
    .expect("set-bind-group")
    .expect("offsets in range");
    b.gpu_render_bundle_encoder_set_vertex_buffer(
        encoder.borrow(),
        0,
        Some(corners.borrow()),
        None,
        None,
    )
    .expect("set-vertex-buffer");
    b.gpu_render_bundle_encoder_set_index_buffer(
        encoder.borrow(),
        indices.borrow(),
        GpuIndexFormat::Uint16,
        Some(4),
        Some(8),
    )
    .expect("set-index-buffer");
    b.gpu_render_bundle_encoder_insert_debug_marker(encoder.borrow(), "draw".into())
        .expect("insert-debug-marker");
    b.gpu_render_bundle_encoder_draw_indexed(encoder.borrow(), 3, None, Some(1), None, None)
        .expect("draw-indexed");
    b.gpu_render_bundle_encoder_pop_debug_group(encoder.borrow())
        .expect("pop-debug-group");
    let bundle = b
        .gpu_render_bundle_encoder_finish(
            encoder.borrow(),
            Some(GpuRenderBundleDescriptor {
                label: Some("tinted".into()),
            }),
        )
        .expect("finish");
    assert_eq!(
        b.gpu_render_bundle_label(bundle.borrow()).expect("label"),
        "tinted"
    );

    assert_halves(&g.run_bundle(&bundle).await, GREEN, BLUE);
    g.settle().await;
    assert_eq!(g.b.shared().failure(), None);
}

#[wasm_bindgen_test]
async fn bundle_draws_take_their_counts_from_their_arguments_and_indirect_buffers() {
    let mut g = Gpu::new().await;
    let (group_layout, layout) = g.layout(
        Some(GpuBufferBindingType::Uniform),
        GpuShaderStage::FRAGMENT,
        false,
        None,
    );
    let group_layout = group_layout.expect("a bind group layout");
    let pipeline = g.pipeline(
        "at",
        "tinted",
        GpuLayoutMode::Specific(layout.borrow()),
        None,
        None,
    );
    let red = g.buffer_with(&f32s(&[1.0, 0.0, 0.0, 1.0]), GpuBufferUsage::UNIFORM);
    let group = g.bind_group(&group_layout, &red, 16);
    let corners = g.buffer_with(&f32s(&CORNERS), GpuBufferUsage::VERTEX);
    let indices = g.buffer_with(&u16s(&INDICES), GpuBufferUsage::INDEX);
    let indirect = g.buffer_with(&u32s(&INDIRECT), GpuBufferUsage::INDIRECT);

    let mut bundles = Vec::new();
    for draw in ["draw", "draw-indirect", "draw-indexed-indirect"] {
        let encoder = g.bundle_encoder();
        let b = &mut g.b;
        b.gpu_render_bundle_encoder_set_pipeline(encoder.borrow(), pipeline.borrow())
            .expect("set-pipeline");
        b.gpu_render_bundle_encoder_set_bind_group(
            encoder.borrow(),
            0,
            Some(group.borrow()),
            None,
            None,
            None,
        )
        .expect("set-bind-group")
        .expect("no offsets");
        b.gpu_render_bundle_encoder_set_vertex_buffer(
            encoder.borrow(),
            0,
            Some(corners.borrow()),
            None,
            None,
        )
        .expect("set-vertex-buffer");
        match draw {
            "draw" => b
                .gpu_render_bundle_encoder_draw(encoder.borrow(), 3, None, Some(1), None)
                .expect("draw"),
            "draw-indirect" => b
                .gpu_render_bundle_encoder_draw_indirect(encoder.borrow(), indirect.borrow(), 0)
                .expect("draw-indirect"),
            _ => {
                b.gpu_render_bundle_encoder_set_index_buffer(
                    encoder.borrow(),
                    indices.borrow(),
                    GpuIndexFormat::Uint16,
                    Some(4),
                    None,
                )
                .expect("set-index-buffer");
                b.gpu_render_bundle_encoder_draw_indexed_indirect(
                    encoder.borrow(),
                    indirect.borrow(),
                    16,
                )
                .expect("draw-indexed-indirect")
            }
        }
        let bundle = b
            .gpu_render_bundle_encoder_finish(encoder.borrow(), None)
            .expect("finish");
        bundles.push((draw, bundle));
    }
    for (draw, bundle) in &bundles {
        let pixels = g.run_bundle(bundle).await;
        if *draw == "draw-indexed-indirect" {
            assert_halves(&pixels, RED, BLUE);
        } else {
            assert_halves(&pixels, BLUE, RED);
        }
    }
}

#[wasm_bindgen_test]
async fn set_immediates_feeds_var_immediate_in_passes_and_bundles() {
    let mut g = Gpu::new().await;
    let (_, layout) = g.layout(None, GpuShaderStage::FRAGMENT, false, Some(16));
    let pipeline = g.pipeline(
        "full",
        "pushed",
        GpuLayoutMode::Specific(layout.borrow()),
        None,
        None,
    );

    // In a pass: 16 bytes from offset 4 of the data (green after a junk float).
    let target = g.target();
    let view = g.view(&target);
    let encoder = g.encoder();
    let pass = g.pass(&encoder, &view, colour(0.0, 0.0, 1.0, 1.0));
    let b = &mut g.b;
    b.gpu_render_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    b.gpu_render_pass_encoder_set_immediates(
        pass.borrow(),
        0,
        f32s(&[9.0, 0.0, 1.0, 0.0, 1.0]),
        Some(4),
        Some(16),
    )
    .expect("set-immediates");
    b.gpu_render_pass_encoder_draw(pass.borrow(), 3, None, None, None)
        .expect("draw");
    b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    g.submit(encoder);
    assert!(g.pixels(&target).await.iter().all(|p| *p == GREEN));

    // In a bundle: all of the data, red.
    let encoder = g.bundle_encoder();
    let b = &mut g.b;
    b.gpu_render_bundle_encoder_set_pipeline(encoder.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    b.gpu_render_bundle_encoder_set_immediates(
        encoder.borrow(),
        0,
        f32s(&[1.0, 0.0, 0.0, 1.0]),
        None,
        None,
    )
    .expect("set-immediates");
    b.gpu_render_bundle_encoder_draw(encoder.borrow(), 3, None, None, None)
        .expect("draw");
    let bundle = b
        .gpu_render_bundle_encoder_finish(encoder.borrow(), None)
        .expect("finish");
    assert!(g.run_bundle(&bundle).await.iter().all(|p| *p == RED));
    g.settle().await;
    assert_eq!(g.b.shared().failure(), None);
}

/// `out[i] = i * a + b` with `a`, `b` immediates; `main` writes `i * i + 7` instead.
const COMPUTE: &str = "
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
struct Pushed { a: u32, b: u32 }
var<immediate> pushed: Pushed;
@compute @workgroup_size(8) fn main(@builtin(global_invocation_id) id: vec3u) {
    out[id.x] = id.x * id.x + 7u;
}
@compute @workgroup_size(8) fn affine(@builtin(global_invocation_id) id: vec3u) {
    out[id.x] = id.x * pushed.a + pushed.b;
}
";

impl Gpu {
    /// A compute pipeline of [`COMPUTE`]'s `entry` writing 64 u32s into a storage buffer; the
    /// pipeline, its bind group and the buffer.
    fn compute(
        &mut self,
        entry: &str,
        immediate_size: Option<u32>,
    ) -> (
        Resource<GpuComputePipeline>,
        Resource<GpuBindGroup>,
        Resource<GpuBuffer>,
    ) {
        let (group_layout, layout) = self.layout(
            Some(GpuBufferBindingType::Storage),
            GpuShaderStage::COMPUTE,
            false,
            immediate_size,
        );
        let module = self.module(COMPUTE);
        let d = GpuComputePipelineDescriptor {
            compute: GpuProgrammableStage {
                module: module.borrow(),
                entry_point: Some(entry.into()),
                constants: None,
            },
            layout: GpuLayoutMode::Specific(layout.borrow()),
            label: None,
        };
        let pipeline = self
            .b
            .gpu_device_create_compute_pipeline(self.device.borrow(), d)
            .expect("create-compute-pipeline");
        let out = self.buffer(256, GpuBufferUsage::STORAGE | GpuBufferUsage::COPY_SRC);
        let group = self.bind_group(&group_layout.expect("a bind group layout"), &out, 256);
        (pipeline, group, out)
    }
}

#[wasm_bindgen_test]
async fn dispatch_workgroups_indirect_runs_the_workgroup_counts_at_its_offset() {
    let mut g = Gpu::new().await;
    let (pipeline, group, out) = g.compute("main", None);
    // From byte 12: 4 × 1 × 1 workgroups of 8, so the first 32 values.
    let indirect = g.buffer_with(&u32s(&[0, 0, 0, 4, 1, 1]), GpuBufferUsage::INDIRECT);
    let encoder = g.encoder();
    let b = &mut g.b;
    let pass = b
        .gpu_command_encoder_begin_compute_pass(encoder.borrow(), None)
        .expect("begin-compute-pass");
    b.gpu_compute_pass_encoder_set_label(pass.borrow(), "squares".into())
        .expect("set-label");
    assert_eq!(
        b.gpu_compute_pass_encoder_label(pass.borrow())
            .expect("label"),
        "squares"
    );
    b.gpu_compute_pass_encoder_push_debug_group(pass.borrow(), "dispatch".into())
        .expect("push-debug-group");
    b.gpu_compute_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    b.gpu_compute_pass_encoder_set_bind_group(
        pass.borrow(),
        0,
        Some(group.borrow()),
        None,
        None,
        None,
    )
    .expect("set-bind-group")
    .expect("no offsets");
    b.gpu_compute_pass_encoder_insert_debug_marker(pass.borrow(), "indirect".into())
        .expect("insert-debug-marker");
    b.gpu_compute_pass_encoder_dispatch_workgroups_indirect(pass.borrow(), indirect.borrow(), 12)
        .expect("dispatch-workgroups-indirect");
    b.gpu_compute_pass_encoder_pop_debug_group(pass.borrow())
        .expect("pop-debug-group");
    b.gpu_compute_pass_encoder_end(pass.borrow()).expect("end");
    g.submit(encoder);
    let values = u32s_of(&g.read(&out, 256).await);
    let want: Vec<u32> = (0..64)
        .map(|i| if i < 32 { i * i + 7 } else { 0 })
        .collect();
    assert_eq!(values, want);
    g.settle().await;
    assert_eq!(g.b.shared().failure(), None);
}

#[wasm_bindgen_test]
async fn set_immediates_in_a_compute_pass_writes_each_range_at_its_offset() {
    let mut g = Gpu::new().await;
    let (pipeline, group, out) = g.compute("affine", Some(8));
    let encoder = g.encoder();
    let b = &mut g.b;
    let pass = b
        .gpu_command_encoder_begin_compute_pass(encoder.borrow(), None)
        .expect("begin-compute-pass");
    b.gpu_compute_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    b.gpu_compute_pass_encoder_set_bind_group(
        pass.borrow(),
        0,
        Some(group.borrow()),
        None,
        None,
        None,
    )
    .expect("set-bind-group")
    .expect("no offsets");
    // a = 3 at byte 0, b = 5 at byte 4.
    b.gpu_compute_pass_encoder_set_immediates(pass.borrow(), 0, u32s(&[3]), None, None)
        .expect("set-immediates");
    b.gpu_compute_pass_encoder_set_immediates(pass.borrow(), 4, u32s(&[5]), None, None)
        .expect("set-immediates");
    b.gpu_compute_pass_encoder_dispatch_workgroups(pass.borrow(), 8, None, None)
        .expect("dispatch-workgroups");
    b.gpu_compute_pass_encoder_end(pass.borrow()).expect("end");
    g.submit(encoder);
    let values = u32s_of(&g.read(&out, 256).await);
    assert_eq!(values, (0..64).map(|i| i * 3 + 5).collect::<Vec<u32>>());
}

#[wasm_bindgen_test]
async fn clear_buffer_zeroes_its_range_and_by_default_the_rest_of_the_buffer() {
    let mut g = Gpu::new().await;
    let buffers: Vec<_> = (0..3)
        .map(|_| g.buffer_with(&[0xAB; 16], GpuBufferUsage::COPY_SRC))
        .collect();
    let encoder = g.encoder();
    for (buffer, (offset, size)) in
        buffers
            .iter()
            .zip([(Some(4), Some(8)), (None, None), (Some(8), None)])
    {
        g.b.gpu_command_encoder_clear_buffer(encoder.borrow(), buffer.borrow(), offset, size)
            .expect("clear-buffer");
    }
    g.submit(encoder);
    let mut read = Vec::new();
    for buffer in &buffers {
        read.push(g.read(buffer, 16).await);
    }
    let ab = |n: usize| vec![0xABu8; n];
    let zero = |n: usize| vec![0u8; n];
    assert_eq!(read[0], [ab(4), zero(8), ab(4)].concat());
    assert_eq!(read[1], zero(16));
    assert_eq!(read[2], [ab(8), zero(8)].concat());
}

#[wasm_bindgen_test]
async fn texel_copies_move_exact_texels_between_buffers_and_textures() {
    let mut g = Gpu::new().await;
    // 4×4 texels (x, y) = [16y + x, 100 + x, 200 + y, 255], rows 256 bytes apart, after 256
    // bytes the copy skips.
    let texel_at = |x: u32, y: u32| [(16 * y + x) as u8, (100 + x) as u8, (200 + y) as u8, 255];
    let mut data = vec![0u8; 256 + 4 * 256];
    for y in 0..4 {
        for x in 0..4 {
            let i = (256 + y * 256 + x * 4) as usize;
            data[i..i + 4].copy_from_slice(&texel_at(x, y));
        }
    }
    let source = g.buffer_with(&data, GpuBufferUsage::COPY_SRC);
    let (a, b) = (g.target(), g.target());
    let encoder = g.encoder();
    let from = GpuTexelCopyBufferInfo {
        buffer: source.borrow(),
        offset: Some(256),
        bytes_per_row: Some(ROW),
        rows_per_image: None,
    };
    g.b.gpu_command_encoder_copy_buffer_to_texture(
        encoder.borrow(),
        from,
        texel(&a, 0, 0),
        extent(4, 4),
    )
    .expect("copy-buffer-to-texture");
    // A's 2×3 texels from (1, 1) to B at (5, 2).
    g.b.gpu_command_encoder_copy_texture_to_texture(
        encoder.borrow(),
        texel(&a, 1, 1),
        texel(&b, 5, 2),
        extent(2, 3),
    )
    .expect("copy-texture-to-texture");
    g.submit(encoder);

    let pixels = g.pixels(&a).await;
    for y in 0..H {
        for x in 0..W {
            let want = if x < 4 && y < 4 {
                texel_at(x, y)
            } else {
                [0; 4]
            };
            assert_eq!(pixels[(y * W + x) as usize], want, "A ({x}, {y})");
        }
    }
    let pixels = g.pixels(&b).await;
    for y in 0..H {
        for x in 0..W {
            let copied = (5..7).contains(&x) && (2..5).contains(&y);
            let want = if copied {
                texel_at(x - 4, y - 1)
            } else {
                [0; 4]
            };
            assert_eq!(pixels[(y * W + x) as usize], want, "B ({x}, {y})");
        }
    }
}

#[wasm_bindgen_test]
async fn occlusion_queries_count_only_samples_drawn_between_begin_and_end() {
    let mut g = Gpu::new().await;
    let queries =
        g.b.gpu_device_create_query_set(
            g.device.borrow(),
            GpuQuerySetDescriptor {
                type_: GpuQueryType::Occlusion,
                count: 2,
                label: None,
            },
        )
        .expect("create-query-set")
        .expect("a query set");
    let pipeline = g.pipeline("full", "white", GpuLayoutMode::Auto, None, None);
    let resolved = g.buffer(16, GpuBufferUsage::QUERY_RESOLVE | GpuBufferUsage::COPY_SRC);
    let target = g.target();
    let view = g.view(&target);
    let encoder = g.encoder();
    let pass = g.pass_with(
        &encoder,
        &view,
        colour(0.0, 0.0, 1.0, 1.0),
        None,
        Some(&queries),
    );
    let b = &mut g.b;
    b.gpu_render_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    // Query 0 around a full-screen draw, query 1 around nothing.
    b.gpu_render_pass_encoder_begin_occlusion_query(pass.borrow(), 0)
        .expect("begin-occlusion-query");
    b.gpu_render_pass_encoder_draw(pass.borrow(), 3, None, None, None)
        .expect("draw");
    b.gpu_render_pass_encoder_end_occlusion_query(pass.borrow())
        .expect("end-occlusion-query");
    b.gpu_render_pass_encoder_begin_occlusion_query(pass.borrow(), 1)
        .expect("begin-occlusion-query");
    b.gpu_render_pass_encoder_end_occlusion_query(pass.borrow())
        .expect("end-occlusion-query");
    b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    b.gpu_command_encoder_resolve_query_set(
        encoder.borrow(),
        queries.borrow(),
        0,
        2,
        resolved.borrow(),
        0,
    )
    .expect("resolve-query-set");
    g.submit(encoder);
    let counts: Vec<u64> = g
        .read(&resolved, 16)
        .await
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    assert!(counts[0] > 0, "{counts:?}");
    assert_eq!(counts[1], 0, "{counts:?}");
}

#[wasm_bindgen_test]
async fn debug_groups_that_balance_validate_and_a_stray_pop_is_a_gpu_error() {
    let mut g = Gpu::new().await;
    let target = g.target();
    let view = g.view(&target);
    let encoder = g.encoder();
    g.b.gpu_command_encoder_push_debug_group(encoder.borrow(), "frame".into())
        .expect("push-debug-group");
    g.b.gpu_command_encoder_insert_debug_marker(encoder.borrow(), "before the pass".into())
        .expect("insert-debug-marker");
    let pass = g.pass(&encoder, &view, colour(0.0, 0.0, 1.0, 1.0));
    let b = &mut g.b;
    b.gpu_render_pass_encoder_push_debug_group(pass.borrow(), "pass".into())
        .expect("push-debug-group");
    b.gpu_render_pass_encoder_insert_debug_marker(pass.borrow(), "inside".into())
        .expect("insert-debug-marker");
    b.gpu_render_pass_encoder_pop_debug_group(pass.borrow())
        .expect("pop-debug-group");
    b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    b.gpu_command_encoder_pop_debug_group(encoder.borrow())
        .expect("pop-debug-group");
    g.submit(encoder);
    g.settle().await;
    assert_eq!(g.b.shared().failure(), None);

    let encoder = g.encoder();
    g.b.gpu_command_encoder_pop_debug_group(encoder.borrow())
        .expect("pop-debug-group");
    g.submit(encoder);
    g.settle().await;
    let failure = g.b.shared().failure().expect("a validation error");
    assert_eq!(failure.reason, "gpu-error", "{failure:?}");
}

#[wasm_bindgen_test]
async fn set_immediates_traps_naming_itself_where_the_browser_lacks_it() {
    let mut g = Gpu::new().await;
    let encoder = g.encoder();
    let pass =
        g.b.gpu_command_encoder_begin_compute_pass(encoder.borrow(), None)
            .expect("begin-compute-pass");
    // This pass as an older WebGPU has it.
    let obj = g.b.object_of(pass.rep());
    js_sys::Reflect::set(&obj, &"setImmediates".into(), &JsValue::UNDEFINED).expect("shadowed");
    let trap =
        g.b.gpu_compute_pass_encoder_set_immediates(pass.borrow(), 0, u32s(&[1]), None, None)
            .expect_err("a trap");
    assert_eq!(
        trap.0,
        "[method]gpu-compute-pass-encoder.set-immediates: this browser's WebGPU has no \
         setImmediates (immediate data)"
    );
}

#[wasm_bindgen_test]
async fn set_viewport_maps_a_draw_into_its_rectangle_tinted_at_the_dynamic_offset() {
    let mut g = Gpu::new().await;
    let (group_layout, layout) = g.layout(
        Some(GpuBufferBindingType::Uniform),
        GpuShaderStage::FRAGMENT,
        true,
        None,
    );
    let group_layout = group_layout.expect("a bind group layout");
    let pipeline = g.pipeline(
        "full",
        "tinted",
        GpuLayoutMode::Specific(layout.borrow()),
        None,
        None,
    );
    let mut tints = f32s(&[1.0, 0.0, 0.0, 1.0]);
    tints.resize(256, 0);
    tints.extend(f32s(&[0.0, 1.0, 0.0, 1.0]));
    let tints = g.buffer_with(&tints, GpuBufferUsage::UNIFORM);
    let group = g.bind_group(&group_layout, &tints, 16);
    let target = g.target();
    let view = g.view(&target);
    let encoder = g.encoder();
    let pass = g.pass(&encoder, &view, colour(0.0, 0.0, 1.0, 1.0));
    let b = &mut g.b;
    b.gpu_render_pass_encoder_set_label(pass.borrow(), "left".into())
        .expect("set-label");
    assert_eq!(
        b.gpu_render_pass_encoder_label(pass.borrow())
            .expect("label"),
        "left"
    );
    b.gpu_render_pass_encoder_set_pipeline(pass.borrow(), pipeline.borrow())
        .expect("set-pipeline");
    b.gpu_render_pass_encoder_set_bind_group(
        pass.borrow(),
        0,
        Some(group.borrow()),
        Some(vec![256]),
        None,
        None,
    )
    .expect("set-bind-group")
    .expect("offset in range");
    b.gpu_render_pass_encoder_set_viewport(
        pass.borrow(),
        0.0,
        0.0,
        (W / 2) as f32,
        H as f32,
        0.0,
        1.0,
    )
    .expect("set-viewport");
    b.gpu_render_pass_encoder_draw(pass.borrow(), 3, None, None, None)
        .expect("draw");
    b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    g.submit(encoder);
    let pixels = g.pixels(&target).await;
    for y in 0..H {
        for x in 0..W {
            let want = if x < W / 2 { GREEN } else { BLUE };
            assert_eq!(pixels[(y * W + x) as usize], want, "pixel ({x}, {y})");
        }
    }
}

#[wasm_bindgen_test]
async fn write_texture_with_copy_lands_texels_at_the_origin_given() {
    let mut g = Gpu::new().await;
    let target = g.target();
    // 2×2 texels, rows 8 bytes apart, after 4 bytes the layout skips.
    let data: Vec<u8> = [[0; 4], RED, GREEN, WHITE, BLUE].concat();
    let layout = GpuTexelCopyBufferLayout {
        offset: Some(4),
        bytes_per_row: Some(8),
        rows_per_image: None,
    };
    g.b.gpu_queue_write_texture_with_copy(
        g.queue.borrow(),
        texel(&target, 3, 4),
        data,
        layout,
        extent(2, 2),
    )
    .expect("write-texture-with-copy");
    let pixels = g.pixels(&target).await;
    for y in 0..H {
        for x in 0..W {
            let want = match (x, y) {
                (3, 4) => RED,
                (4, 4) => GREEN,
                (3, 5) => WHITE,
                (4, 5) => BLUE,
                _ => [0; 4],
            };
            assert_eq!(pixels[(y * W + x) as usize], want, "pixel ({x}, {y})");
        }
    }
}

#[wasm_bindgen_test]
async fn encoders_keep_their_labels_and_a_drop_forgets_the_object() {
    let mut g = Gpu::new().await;
    let target = g.target();
    let view = g.view(&target);
    let encoder = g.encoder();
    g.b.gpu_command_encoder_set_label(encoder.borrow(), "frame".into())
        .expect("set-label");
    assert_eq!(
        g.b.gpu_command_encoder_label(encoder.borrow())
            .expect("label"),
        "frame"
    );
    g.b.gpu_queue_set_label(g.queue.borrow(), "main".into())
        .expect("set-label");
    assert_eq!(
        g.b.gpu_queue_label(g.queue.borrow()).expect("label"),
        "main"
    );
    let pass = g.pass(&encoder, &view, colour(0.0, 0.0, 1.0, 1.0));
    g.b.gpu_render_pass_encoder_end(pass.borrow()).expect("end");
    let compute =
        g.b.gpu_command_encoder_begin_compute_pass(encoder.borrow(), None)
            .expect("begin-compute-pass");
    g.b.gpu_compute_pass_encoder_end(compute.borrow())
        .expect("end");
    let bundle = g.bundle_encoder();
    let reps = [
        encoder.rep(),
        pass.rep(),
        compute.rep(),
        bundle.rep(),
        g.queue.rep(),
    ];
    assert!(reps.iter().all(|r| g.b.object_of(*r).is_object()));
    let Gpu { mut b, queue, .. } = g;
    b.gpu_render_pass_encoder_drop(pass);
    b.gpu_compute_pass_encoder_drop(compute);
    b.gpu_render_bundle_encoder_drop(bundle);
    b.gpu_command_encoder_drop(encoder);
    b.gpu_queue_drop(queue);
    assert!(reps.iter().all(|r| b.object_of(*r).is_undefined()));
}
