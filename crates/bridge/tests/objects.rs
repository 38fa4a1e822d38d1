//! The objects a device creates and what WebGPU reports with, against the browser's real WebGPU
//! (wasm-bindgen-test in headless Chromium with SwiftShader, flags in `webdriver.json`): buffer
//! mapping and copies read back through the GPU, texture and query-set getters, pipelines and
//! their layouts, compilation messages, error scopes, the `lost` future and uncaptured-error
//! stream, limits against the JavaScript object, WIT's record maps as WebGPU receives them, and
//! `gpu-canvas-context`.
//!
//! Two harness tricks reach JavaScript objects without a guest: [`Probe`] (a bridge on a stand-in
//! canvas) puts any object behind a handle and reads the object behind any handle; and a host-only
//! stream runtime ([`channels`]) lets the tests read the streams and futures the bridge writes.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p gfx-bridge --target wasm32-unknown-unknown --test objects`.
#![cfg(target_arch = "wasm32")]

use std::any::Any;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Poll, Waker};

use gfx_bridge::bindings::surface_webgpu::HostContext;
use gfx_bridge::bindings::webgpu::*;
use gfx_bridge::Bridge;
use gfx_component::abi::{self, Borrow, ChannelFuture, Channels, Cx, ElementCodec, End, Kind};
use gfx_component::abi::{Resource, Trap, WriteResult};
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

mod common;
use common::{bridge, device};

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------------------------------------
// Harness: JavaScript objects behind handles, and a host-only stream runtime.

fn set(obj: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(obj, &JsValue::from_str(key), value).expect("set a property");
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).expect("get a property")
}

/// `new globalThis[class](...args)`.
fn construct(class: &str, args: &[JsValue]) -> JsValue {
    let c: Function = get(&js_sys::global(), class).dyn_into().expect(class);
    let args: js_sys::Array = args.iter().collect();
    Reflect::construct(&c, &args).expect("construct")
}

/// A bridge whose canvas is a plain object: `getContext` returns the canvas's `next`, and
/// `surface-webgpu`'s context constructor keeps whatever `getContext` returns — so [`Probe::put`]
/// puts any object behind a handle. [`Probe::read`] reads the object behind any handle: it
/// passes the handle as the device of a `gpu-canvas-context.configure` on a recorder object.
struct Probe {
    b: Bridge,
    canvas: JsValue,
    /// The recorder object, and its handle.
    recorder: (JsValue, u32),
}

impl Probe {
    fn new() -> Probe {
        let canvas: JsValue = Object::new().into();
        set(
            &canvas,
            "getContext",
            &Function::new_no_args("return this.next").into(),
        );
        let recorder: JsValue = Object::new().into();
        set(
            &recorder,
            "configure",
            &Function::new_with_args("c", "this.got = c.device").into(),
        );
        let mut probe = Probe {
            b: Bridge::new(canvas.clone().unchecked_into()),
            canvas,
            recorder: (recorder.clone(), 0),
        };
        probe.recorder.1 = probe.put(recorder);
        probe
    }

    /// `value` behind a new handle (of any resource type: the slab is shared).
    fn put(&mut self, value: JsValue) -> u32 {
        set(&self.canvas, "next", &value);
        self.b
            .context_new(Borrow::new(0))
            .expect("context constructor")
            .rep()
    }

    /// The object behind handle `rep`.
    fn read(&mut self, rep: u32) -> JsValue {
        let configuration = GpuCanvasConfiguration {
            device: Borrow::new(rep),
            format: GpuTextureFormat::Rgba8unorm,
            usage: None,
            view_formats: None,
            color_space: None,
            tone_mapping: None,
            alpha_mode: None,
        };
        self.b
            .gpu_canvas_context_configure(Borrow::new(self.recorder.1), configuration)
            .expect("the recorder's configure");
        get(&self.recorder.0, "got")
    }
}

/// One host-only channel: both ends are the tests' and the bridge's.
#[derive(Default)]
struct Chan {
    items: VecDeque<Box<dyn Any>>,
    reader: Option<Waker>,
    writer: Option<Waker>,
    readable_dropped: bool,
    writable_dropped: bool,
}

/// A stream runtime for channels whose both ends the host holds (no guest here).
#[derive(Clone, Default)]
struct HostOnly(Rc<RefCell<Vec<Chan>>>);

impl HostOnly {
    fn with<R>(&self, rep: u32, f: impl FnOnce(&mut Chan) -> R) -> R {
        f(&mut self.0.borrow_mut()[rep as usize - 1])
    }
}

impl Channels for HostOnly {
    fn new_channel(&self, _: Kind) -> u32 {
        let mut chans = self.0.borrow_mut();
        chans.push(Chan::default());
        chans.len() as u32
    }

    fn host_read(&self, rep: u32, max: usize) -> ChannelFuture<Option<Vec<Box<dyn Any>>>> {
        let me = self.clone();
        Box::pin(std::future::poll_fn(move |cx| {
            me.with(rep, |c| {
                if !c.items.is_empty() {
                    let n = max.min(c.items.len());
                    if let Some(w) = c.writer.take() {
                        w.wake();
                    }
                    Poll::Ready(Some(c.items.drain(..n).collect()))
                } else if c.writable_dropped {
                    Poll::Ready(None)
                } else {
                    c.reader = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
        }))
    }

    fn host_write(&self, rep: u32, items: Vec<Box<dyn Any>>) -> ChannelFuture<WriteResult> {
        let n = items.len();
        self.with(rep, |c| {
            c.items.extend(items);
            if let Some(w) = c.reader.take() {
                w.wake();
            }
        });
        let me = self.clone();
        Box::pin(std::future::poll_fn(move |cx| {
            me.with(rep, |c| {
                if c.readable_dropped {
                    let written = n - c.items.len();
                    c.items.clear();
                    Poll::Ready(WriteResult {
                        written,
                        dropped: true,
                    })
                } else if c.items.is_empty() {
                    Poll::Ready(WriteResult {
                        written: n,
                        dropped: false,
                    })
                } else {
                    c.writer = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
        }))
    }

    fn drop_end(&self, rep: u32, end: End) {
        self.with(rep, |c| {
            match end {
                End::Readable => c.readable_dropped = true,
                End::Writable => c.writable_dropped = true,
            }
            for w in [c.reader.take(), c.writer.take()].into_iter().flatten() {
                w.wake();
            }
        })
    }

    fn lift_readable(
        &self,
        _: &mut Cx<'_>,
        _: Kind,
        _: u32,
        _: &'static ElementCodec,
    ) -> Result<u32, Trap> {
        Err(Trap::new("no guest in these tests"))
    }

    fn lower_readable(
        &self,
        _: &mut Cx<'_>,
        _: Kind,
        _: u32,
        _: &'static ElementCodec,
    ) -> Result<u32, Trap> {
        Err(Trap::new("no guest in these tests"))
    }
}

/// Installs the host-only stream runtime on this thread.
fn channels() {
    abi::install_channels(Some(Rc::new(HostOnly::default())));
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn buffer(
    b: &mut Bridge,
    device: &Resource<GpuDevice>,
    size: u64,
    usage: GpuBufferUsage,
    mapped: bool,
) -> Resource<GpuBuffer> {
    b.gpu_device_create_buffer(
        device.borrow(),
        GpuBufferDescriptor {
            size,
            usage,
            mapped_at_creation: Some(mapped),
            label: None,
        },
    )
    .expect("create-buffer")
}

fn shader(b: &mut Bridge, device: &Resource<GpuDevice>, code: &str) -> Resource<GpuShaderModule> {
    b.gpu_device_create_shader_module(
        device.borrow(),
        GpuShaderModuleDescriptor {
            code: code.into(),
            compilation_hints: None,
            label: None,
        },
    )
    .expect("create-shader-module")
}

/// Copies `size` bytes from `src` to `dst` on the GPU (the encoder and queue host functions).
fn gpu_copy(
    b: &mut Bridge,
    device: &Resource<GpuDevice>,
    src: &Resource<GpuBuffer>,
    dst: &Resource<GpuBuffer>,
    size: u64,
) {
    let encoder = b
        .gpu_device_create_command_encoder(device.borrow(), None)
        .expect("create-command-encoder");
    b.gpu_command_encoder_copy_buffer_to_buffer(
        encoder.borrow(),
        src.borrow(),
        Some(0),
        dst.borrow(),
        Some(0),
        Some(size),
    )
    .expect("copy-buffer-to-buffer");
    let commands = b
        .gpu_command_encoder_finish(encoder.borrow(), None)
        .expect("finish");
    let queue = b.gpu_device_queue(device.borrow()).expect("queue");
    b.gpu_queue_submit(queue.borrow(), vec![commands.borrow()])
        .expect("submit");
}

/// Runs `f` inside a validation error scope: what the scope caught.
async fn validation<T>(
    b: &mut Bridge,
    device: &Resource<GpuDevice>,
    f: impl FnOnce(&mut Bridge) -> T,
) -> (T, Option<Resource<GpuError>>) {
    b.gpu_device_push_error_scope(device.borrow(), GpuErrorFilter::Validation)
        .expect("push-error-scope");
    let t = f(b);
    let caught = b
        .gpu_device_pop_error_scope(device.borrow())
        .await
        .expect("pop-error-scope")
        .expect("a scope to pop");
    (t, caught)
}

const COMPUTE: &str = "
override scale: f32;
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1) fn main() { out[0] = scale; }
";

const RENDER: &str = "
@group(0) @binding(0) var<uniform> offset: vec4f;
@vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
    return vec4f(f32(i), 0.0, 0.0, 1.0) + offset;
}
@fragment fn fs() -> @location(0) vec4f { return vec4f(1.0); }
";

fn compute_descriptor(
    module: &Resource<GpuShaderModule>,
    constants: Option<Resource<RecordGpuPipelineConstantValue>>,
) -> GpuComputePipelineDescriptor {
    GpuComputePipelineDescriptor {
        compute: GpuProgrammableStage {
            module: module.borrow(),
            entry_point: Some("main".into()),
            constants,
        },
        layout: GpuLayoutMode::Auto,
        label: None,
    }
}

fn render_descriptor(module: &Resource<GpuShaderModule>) -> GpuRenderPipelineDescriptor {
    GpuRenderPipelineDescriptor {
        vertex: GpuVertexState {
            buffers: None,
            module: module.borrow(),
            entry_point: Some("vs".into()),
            constants: None,
        },
        primitive: None,
        depth_stencil: None,
        multisample: None,
        fragment: Some(GpuFragmentState {
            targets: vec![Some(GpuColorTargetState {
                format: GpuTextureFormat::Rgba8unorm,
                blend: None,
                write_mask: Some(GpuColorWrite::ALL),
            })],
            module: module.borrow(),
            entry_point: Some("fs".into()),
            constants: None,
        }),
        layout: GpuLayoutMode::Auto,
        label: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Buffers.

#[wasm_bindgen_test]
async fn bytes_set_through_a_mapping_come_back_through_a_gpu_copy_and_map_read() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let src = buffer(
        &mut b,
        &device,
        16,
        GpuBufferUsage::MAP_WRITE | GpuBufferUsage::COPY_SRC,
        true,
    );
    assert_eq!(b.gpu_buffer_size(src.borrow()).expect("size"), 16);
    assert_eq!(
        b.gpu_buffer_usage(src.borrow()).expect("usage"),
        GpuBufferUsage::MAP_WRITE | GpuBufferUsage::COPY_SRC
    );
    assert_eq!(
        b.gpu_buffer_map_state(src.borrow()).expect("map-state"),
        GpuBufferMapState::Mapped
    );
    let bytes: Vec<u8> = (0..16).map(|i| i * 11 + 3).collect();
    b.gpu_buffer_get_mapped_range_set_with_copy(src.borrow(), bytes[..8].to_vec(), None, Some(8))
        .expect("set-with-copy")
        .expect("first half");
    b.gpu_buffer_get_mapped_range_set_with_copy(src.borrow(), bytes[8..].to_vec(), Some(8), None)
        .expect("set-with-copy")
        .expect("second half");
    // The same range again: copies, so WebGPU's one-view-per-range rule does not apply.
    let seen = b
        .gpu_buffer_get_mapped_range_get_with_copy(src.borrow(), None, None)
        .expect("get-with-copy")
        .expect("the mapped bytes");
    assert_eq!(seen, bytes);
    b.gpu_buffer_unmap(src.borrow())
        .expect("unmap")
        .expect("unmapped");
    assert_eq!(
        b.gpu_buffer_map_state(src.borrow()).expect("map-state"),
        GpuBufferMapState::Unmapped
    );

    let dst = buffer(
        &mut b,
        &device,
        16,
        GpuBufferUsage::MAP_READ | GpuBufferUsage::COPY_DST,
        false,
    );
    gpu_copy(&mut b, &device, &src, &dst, 16);
    b.gpu_buffer_map_async(dst.borrow(), GpuMapMode::READ, None, None)
        .await
        .expect("map-async")
        .expect("mapped for reading");
    assert_eq!(
        b.gpu_buffer_map_state(dst.borrow()).expect("map-state"),
        GpuBufferMapState::Mapped
    );
    let tail = b
        .gpu_buffer_get_mapped_range_get_with_copy(dst.borrow(), Some(8), Some(8))
        .expect("get-with-copy")
        .expect("bytes 8..16");
    assert_eq!(tail, bytes[8..]);
    let all = b
        .gpu_buffer_get_mapped_range_get_with_copy(dst.borrow(), None, None)
        .expect("get-with-copy")
        .expect("bytes 0..16");
    assert_eq!(all, bytes);
}

#[wasm_bindgen_test]
async fn a_partial_map_async_write_reaches_the_gpu_at_its_offset() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let src = buffer(
        &mut b,
        &device,
        32,
        GpuBufferUsage::MAP_WRITE | GpuBufferUsage::COPY_SRC,
        false,
    );
    b.gpu_buffer_map_async(src.borrow(), GpuMapMode::WRITE, Some(8), Some(16))
        .await
        .expect("map-async")
        .expect("mapped for writing");
    // Outside the mapped range [8, 24): WebGPU's OperationError.
    let outside = b
        .gpu_buffer_get_mapped_range_get_with_copy(src.borrow(), Some(0), Some(8))
        .expect("get-with-copy");
    assert_eq!(
        outside.expect_err("outside the mapping").kind,
        GetMappedRangeErrorKind::OperationError
    );
    b.gpu_buffer_get_mapped_range_set_with_copy(src.borrow(), vec![9, 8, 7, 6], Some(16), Some(4))
        .expect("set-with-copy")
        .expect("inside the mapping");
    b.gpu_buffer_unmap(src.borrow())
        .expect("unmap")
        .expect("unmapped");
    let dst = buffer(
        &mut b,
        &device,
        32,
        GpuBufferUsage::MAP_READ | GpuBufferUsage::COPY_DST,
        false,
    );
    gpu_copy(&mut b, &device, &src, &dst, 32);
    b.gpu_buffer_map_async(dst.borrow(), GpuMapMode::READ, None, None)
        .await
        .expect("map-async")
        .expect("mapped");
    let all = b
        .gpu_buffer_get_mapped_range_get_with_copy(dst.borrow(), None, None)
        .expect("get-with-copy")
        .expect("bytes");
    let mut want = vec![0u8; 32];
    want[16..20].copy_from_slice(&[9, 8, 7, 6]);
    assert_eq!(all, want);
}

#[wasm_bindgen_test]
async fn mapping_failures_are_wits_errors_by_exception_name() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let buf = buffer(
        &mut b,
        &device,
        16,
        GpuBufferUsage::MAP_READ | GpuBufferUsage::COPY_DST,
        false,
    );
    // Not mapped.
    let e = b
        .gpu_buffer_get_mapped_range_get_with_copy(buf.borrow(), None, None)
        .expect("get-with-copy")
        .expect_err("an unmapped buffer");
    assert_eq!(
        e.kind,
        GetMappedRangeErrorKind::OperationError,
        "{}",
        e.message
    );
    // A mode the usage does not allow: the promise rejects with OperationError.
    let (mapped, _) = validation(&mut b, &device, |b| {
        b.gpu_buffer_map_async(buf.borrow(), GpuMapMode::WRITE, None, None)
    })
    .await;
    let e = mapped
        .await
        .expect("map-async")
        .expect_err("MAP_WRITE on a MAP_READ buffer");
    assert_eq!(e.kind, MapAsyncErrorKind::OperationError, "{}", e.message);
    // Unmapped before it resolves: AbortError.
    let pending = b.gpu_buffer_map_async(buf.borrow(), GpuMapMode::READ, None, None);
    assert_eq!(
        b.gpu_buffer_map_state(buf.borrow()).expect("map-state"),
        GpuBufferMapState::Pending
    );
    b.gpu_buffer_unmap(buf.borrow())
        .expect("unmap")
        .expect("unmap of a pending map");
    let e = pending.await.expect("map-async").expect_err("aborted");
    assert_eq!(e.kind, MapAsyncErrorKind::AbortError, "{}", e.message);

    let w = buffer(&mut b, &device, 16, GpuBufferUsage::MAP_WRITE, true);
    // A misaligned offset (not a multiple of 8).
    let e = b
        .gpu_buffer_get_mapped_range_get_with_copy(w.borrow(), Some(4), Some(4))
        .expect("get-with-copy")
        .expect_err("offset 4");
    assert_eq!(
        e.kind,
        GetMappedRangeErrorKind::OperationError,
        "{}",
        e.message
    );
    // More bytes than the range holds: RangeError, as TypedArray.set throws.
    let e = b
        .gpu_buffer_get_mapped_range_set_with_copy(w.borrow(), vec![1; 8], Some(0), Some(4))
        .expect("set-with-copy")
        .expect_err("8 bytes into 4");
    assert_eq!(e.kind, GetMappedRangeErrorKind::RangeError, "{}", e.message);
}

#[wasm_bindgen_test]
async fn a_destroyed_buffer_is_unmapped_and_keeps_its_label() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let buf = buffer(&mut b, &device, 8, GpuBufferUsage::MAP_WRITE, true);
    b.gpu_buffer_set_label(buf.borrow(), "staging".into())
        .expect("set-label");
    assert_eq!(b.gpu_buffer_label(buf.borrow()).expect("label"), "staging");
    b.gpu_buffer_destroy(buf.borrow()).expect("destroy");
    assert_eq!(
        b.gpu_buffer_map_state(buf.borrow()).expect("map-state"),
        GpuBufferMapState::Unmapped
    );
    b.gpu_buffer_drop(buf);
}

// ---------------------------------------------------------------------------------------------
// Textures, query sets, pipelines, shader modules.

#[wasm_bindgen_test]
async fn texture_getters_return_what_create_texture_was_given() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let usage = GpuTextureUsage::TEXTURE_BINDING | GpuTextureUsage::COPY_DST;
    let texture = b
        .gpu_device_create_texture(
            device.borrow(),
            GpuTextureDescriptor {
                size: GpuExtent3D {
                    width: 8,
                    height: Some(4),
                    depth_or_array_layers: Some(3),
                },
                mip_level_count: Some(2),
                sample_count: Some(1),
                dimension: Some(GpuTextureDimension::D2),
                format: GpuTextureFormat::Rgba8unorm,
                usage,
                view_formats: None,
                texture_binding_view_dimension: None,
                label: Some("atlas".into()),
            },
        )
        .expect("create-texture");
    let t = texture.borrow();
    assert_eq!(b.gpu_texture_width(t).expect("width"), 8);
    assert_eq!(b.gpu_texture_height(t).expect("height"), 4);
    assert_eq!(b.gpu_texture_depth_or_array_layers(t).expect("layers"), 3);
    assert_eq!(b.gpu_texture_mip_level_count(t).expect("mips"), 2);
    assert_eq!(b.gpu_texture_sample_count(t).expect("samples"), 1);
    assert_eq!(
        b.gpu_texture_dimension(t).expect("dimension"),
        GpuTextureDimension::D2
    );
    assert_eq!(
        b.gpu_texture_format(t).expect("format"),
        GpuTextureFormat::Rgba8unorm
    );
    assert_eq!(b.gpu_texture_usage(t).expect("usage"), usage);
    assert_eq!(b.gpu_texture_label(t).expect("label"), "atlas");
    let view = b
        .gpu_texture_create_view(
            t,
            Some(GpuTextureViewDescriptor {
                format: None,
                dimension: Some(GpuTextureViewDimension::D2Array),
                usage: None,
                aspect: None,
                base_mip_level: Some(1),
                mip_level_count: Some(1),
                base_array_layer: None,
                array_layer_count: None,
                swizzle: None,
                label: Some("atlas mip 1".into()),
            }),
        )
        .expect("create-view");
    assert_eq!(
        b.gpu_texture_view_label(view.borrow()).expect("label"),
        "atlas mip 1"
    );
    b.gpu_texture_destroy(t).expect("destroy");
    b.gpu_texture_drop(texture);

    let volume = b
        .gpu_device_create_texture(
            device.borrow(),
            GpuTextureDescriptor {
                size: GpuExtent3D {
                    width: 4,
                    height: Some(4),
                    depth_or_array_layers: Some(4),
                },
                mip_level_count: None,
                sample_count: None,
                dimension: Some(GpuTextureDimension::D3),
                format: GpuTextureFormat::R32float,
                usage: GpuTextureUsage::STORAGE_BINDING,
                view_formats: None,
                texture_binding_view_dimension: None,
                label: None,
            },
        )
        .expect("create-texture");
    assert_eq!(
        b.gpu_texture_dimension(volume.borrow()).expect("dimension"),
        GpuTextureDimension::D3
    );
    assert_eq!(
        b.gpu_texture_format(volume.borrow()).expect("format"),
        GpuTextureFormat::R32float
    );
    assert_eq!(
        b.gpu_texture_mip_level_count(volume.borrow())
            .expect("mips"),
        1
    );
}

#[wasm_bindgen_test]
async fn texture_binding_view_dimension_is_the_javascript_attribute_or_none() {
    let mut p = Probe::new();
    let device = device(&mut p.b).await;
    let texture =
        p.b.gpu_device_create_texture(
            device.borrow(),
            GpuTextureDescriptor {
                size: GpuExtent3D {
                    width: 4,
                    height: Some(4),
                    depth_or_array_layers: Some(6),
                },
                mip_level_count: None,
                sample_count: None,
                dimension: None,
                format: GpuTextureFormat::Rgba8unorm,
                usage: GpuTextureUsage::TEXTURE_BINDING,
                view_formats: None,
                texture_binding_view_dimension: Some(GpuTextureViewDimension::Cube),
                label: None,
            },
        )
        .expect("create-texture");
    let js = get(&p.read(texture.rep()), "textureBindingViewDimension");
    let got =
        p.b.gpu_texture_texture_binding_view_dimension(texture.borrow())
            .expect("texture-binding-view-dimension");
    match js.as_string().as_deref() {
        None => assert_eq!(got, None),
        Some("cube") => assert_eq!(got, Some(GpuTextureViewDimension::Cube)),
        Some("2d-array") => assert_eq!(got, Some(GpuTextureViewDimension::D2Array)),
        Some(other) => panic!("unexpected textureBindingViewDimension {other}"),
    }
}

#[wasm_bindgen_test]
async fn a_query_set_reports_its_type_and_count_and_timestamps_need_their_feature() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let set = b
        .gpu_device_create_query_set(
            device.borrow(),
            GpuQuerySetDescriptor {
                type_: GpuQueryType::Occlusion,
                count: 4,
                label: Some("occlusion".into()),
            },
        )
        .expect("create-query-set")
        .expect("an occlusion query set");
    assert_eq!(
        b.gpu_query_set_type(set.borrow()).expect("type"),
        GpuQueryType::Occlusion
    );
    assert_eq!(b.gpu_query_set_count(set.borrow()).expect("count"), 4);
    assert_eq!(
        b.gpu_query_set_label(set.borrow()).expect("label"),
        "occlusion"
    );
    b.gpu_query_set_set_label(set.borrow(), "renamed".into())
        .expect("set-label");
    assert_eq!(
        b.gpu_query_set_label(set.borrow()).expect("label"),
        "renamed"
    );
    b.gpu_query_set_destroy(set.borrow()).expect("destroy");
    b.gpu_query_set_drop(set);

    // The default device has no timestamp-query feature: WebGPU throws a TypeError.
    let e = b
        .gpu_device_create_query_set(
            device.borrow(),
            GpuQuerySetDescriptor {
                type_: GpuQueryType::Timestamp,
                count: 2,
                label: None,
            },
        )
        .expect("create-query-set")
        .expect_err("timestamps without timestamp-query");
    assert_eq!(e.kind, CreateQuerySetErrorKind::TypeError, "{}", e.message);
}

#[wasm_bindgen_test]
async fn a_wgsl_error_is_a_compilation_message_at_its_line() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let code = "@compute @workgroup_size(1)\nfn main() {\n    let x: u32 = nonsense;\n}\n";
    let (module, _) = validation(&mut b, &device, |b| shader(b, &device, code)).await;
    b.gpu_shader_module_set_label(module.borrow(), "broken".into())
        .expect("set-label");
    assert_eq!(
        b.gpu_shader_module_label(module.borrow()).expect("label"),
        "broken"
    );
    let info = b
        .gpu_shader_module_get_compilation_info(module.borrow())
        .await
        .expect("get-compilation-info");
    let messages = b
        .gpu_compilation_info_messages(info.borrow())
        .expect("messages");
    let m = messages
        .iter()
        .find(|m| {
            b.gpu_compilation_message_type(m.borrow()).expect("type")
                == GpuCompilationMessageType::Error
        })
        .expect("an error message");
    let m = m.borrow();
    assert_eq!(b.gpu_compilation_message_line_num(m).expect("line-num"), 3);
    let pos = b.gpu_compilation_message_line_pos(m).expect("line-pos");
    let offset = b.gpu_compilation_message_offset(m).expect("offset") as usize;
    let length = b.gpu_compilation_message_length(m).expect("length") as usize;
    let text = b.gpu_compilation_message_message(m).expect("message");
    assert!(text.contains("nonsense"), "{text}");
    // offset/length cover the unknown identifier, at line-pos (1-based) on line 3.
    assert_eq!(&code[offset..offset + length], "nonsense");
    assert_eq!(
        pos as usize,
        offset - code.find("    let").expect("line 3") + 1
    );
    for m in messages {
        b.gpu_compilation_message_drop(m);
    }
    b.gpu_compilation_info_drop(info);
    b.gpu_shader_module_drop(module);

    let fine = shader(&mut b, &device, RENDER);
    let info = b
        .gpu_shader_module_get_compilation_info(fine.borrow())
        .await
        .expect("get-compilation-info");
    assert!(b
        .gpu_compilation_info_messages(info.borrow())
        .expect("messages")
        .is_empty());
}

#[wasm_bindgen_test]
async fn pipeline_bind_group_layouts_bind_the_shaders_resources() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let storage = buffer(&mut b, &device, 16, GpuBufferUsage::STORAGE, false);
    let uniform = buffer(&mut b, &device, 16, GpuBufferUsage::UNIFORM, false);

    let module = shader(&mut b, &device, COMPUTE);
    let constants = b
        .record_gpu_pipeline_constant_value_new()
        .expect("constants");
    b.record_gpu_pipeline_constant_value_add(constants.borrow(), "scale".into(), 3.0)
        .expect("add");
    let compute = b
        .gpu_device_create_compute_pipeline(
            device.borrow(),
            compute_descriptor(&module, Some(constants)),
        )
        .expect("create-compute-pipeline");
    b.gpu_compute_pipeline_set_label(compute.borrow(), "cp".into())
        .expect("set-label");
    assert_eq!(
        b.gpu_compute_pipeline_label(compute.borrow())
            .expect("label"),
        "cp"
    );
    let layout = b
        .gpu_compute_pipeline_get_bind_group_layout(compute.borrow(), 0)
        .expect("get-bind-group-layout");

    let module = shader(&mut b, &device, RENDER);
    let render = b
        .gpu_device_create_render_pipeline(device.borrow(), render_descriptor(&module))
        .expect("create-render-pipeline");
    b.gpu_render_pipeline_set_label(render.borrow(), "rp".into())
        .expect("set-label");
    assert_eq!(
        b.gpu_render_pipeline_label(render.borrow()).expect("label"),
        "rp"
    );
    let render_layout = b
        .gpu_render_pipeline_get_bind_group_layout(render.borrow(), 0)
        .expect("get-bind-group-layout");

    // Each layout takes its own shader's binding, and not the other's.
    let bind =
        |b: &mut Bridge, layout: &Resource<GpuBindGroupLayout>, buf: &Resource<GpuBuffer>| {
            let descriptor = GpuBindGroupDescriptor {
                layout: layout.borrow(),
                entries: vec![GpuBindGroupEntry {
                    binding: 0,
                    resource: GpuBindingResource::GpuBuffer(buf.borrow()),
                }],
                label: None,
            };
            b.gpu_device_create_bind_group(device.borrow(), descriptor)
                .expect("create-bind-group")
        };
    let (_, e) = validation(&mut b, &device, |b| bind(b, &layout, &storage)).await;
    assert!(e.is_none(), "a storage buffer in the compute layout");
    let (_, e) = validation(&mut b, &device, |b| bind(b, &render_layout, &uniform)).await;
    assert!(e.is_none(), "a uniform buffer in the render layout");
    let (_, e) = validation(&mut b, &device, |b| bind(b, &render_layout, &storage)).await;
    assert!(e.is_some(), "a storage buffer in the uniform layout");
    b.gpu_compute_pipeline_drop(compute);
    b.gpu_render_pipeline_drop(render);
}

#[wasm_bindgen_test]
async fn async_pipelines_resolve_or_reject_with_wits_pipeline_error() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let module = shader(&mut b, &device, RENDER);
    let render = b
        .gpu_device_create_render_pipeline_async(device.borrow(), render_descriptor(&module))
        .await
        .expect("create-render-pipeline-async")
        .expect("a render pipeline");
    b.gpu_render_pipeline_get_bind_group_layout(render.borrow(), 0)
        .expect("get-bind-group-layout");

    let (broken, _) = validation(&mut b, &device, |b| {
        shader(
            b,
            &device,
            "@vertex fn vs() -> @builtin(position) vec4f { return oops; }",
        )
    })
    .await;
    let e = b
        .gpu_device_create_render_pipeline_async(device.borrow(), render_descriptor(&broken))
        .await
        .expect("create-render-pipeline-async")
        .expect_err("a broken shader");
    assert_eq!(
        e.kind,
        CreatePipelineErrorKind::GpuPipelineError(GpuPipelineErrorReason::Validation),
        "{}",
        e.message
    );

    // The override `scale` has no default: the pipeline needs the constant.
    let module = shader(&mut b, &device, COMPUTE);
    let constants = b
        .record_gpu_pipeline_constant_value_new()
        .expect("constants");
    b.record_gpu_pipeline_constant_value_add(constants.borrow(), "scale".into(), 2.0)
        .expect("add");
    b.gpu_device_create_compute_pipeline_async(
        device.borrow(),
        compute_descriptor(&module, Some(constants)),
    )
    .await
    .expect("create-compute-pipeline-async")
    .expect("a compute pipeline with its constant");
    let e = b
        .gpu_device_create_compute_pipeline_async(
            device.borrow(),
            compute_descriptor(&module, None),
        )
        .await
        .expect("create-compute-pipeline-async")
        .expect_err("no value for the override");
    assert_eq!(
        e.kind,
        CreatePipelineErrorKind::GpuPipelineError(GpuPipelineErrorReason::Validation),
        "{}",
        e.message
    );
}

// ---------------------------------------------------------------------------------------------
// Errors and loss.

#[wasm_bindgen_test]
async fn pop_error_scope_returns_the_validation_error_of_an_invalid_buffer() {
    let mut b = bridge();
    let device = device(&mut b).await;
    let (_, none) = validation(&mut b, &device, |_| ()).await;
    assert!(none.is_none(), "an empty scope");
    // MAP_READ and MAP_WRITE together are invalid.
    let (_, caught) = validation(&mut b, &device, |b| {
        buffer(
            b,
            &device,
            16,
            GpuBufferUsage::MAP_READ | GpuBufferUsage::MAP_WRITE,
            false,
        )
    })
    .await;
    let error = caught.expect("a validation error");
    assert_eq!(
        b.gpu_error_kind(error.borrow()).expect("kind"),
        GpuErrorKind::ValidationError
    );
    assert!(!b
        .gpu_error_message(error.borrow())
        .expect("message")
        .is_empty());
    b.gpu_error_drop(error);
    let e = b
        .gpu_device_pop_error_scope(device.borrow())
        .await
        .expect("pop-error-scope")
        .expect_err("no scope left");
    assert_eq!(
        e.kind,
        PopErrorScopeErrorKind::OperationError,
        "{}",
        e.message
    );
}

#[wasm_bindgen_test]
async fn uncaptured_errors_arrive_on_the_stream() {
    channels();
    let mut b = bridge();
    let device = device(&mut b).await;
    let mut errors = b
        .gpu_device_on_uncaptured_error(device.borrow())
        .expect("on-uncaptured-error");
    let _invalid = buffer(
        &mut b,
        &device,
        16,
        GpuBufferUsage::MAP_READ | GpuBufferUsage::MAP_WRITE,
        false,
    );
    // Chrome delivers uncaptured errors when it next processes the device's events (an app's
    // next frame); waiting for the queue makes it do so.
    let queue = b.gpu_device_queue(device.borrow()).expect("queue");
    b.gpu_queue_on_submitted_work_done(queue.borrow())
        .await
        .expect("on-submitted-work-done");
    let error = errors.next().await.expect("an uncaptured error");
    assert_eq!(
        b.gpu_error_kind(error.borrow()).expect("kind"),
        GpuErrorKind::ValidationError
    );
    assert!(!b
        .gpu_error_message(error.borrow())
        .expect("message")
        .is_empty());
    // The stream ends when the device is lost.
    b.gpu_device_destroy(device.borrow()).expect("destroy");
    assert!(errors.next().await.is_none(), "ended with the device");
}

#[wasm_bindgen_test]
async fn a_destroyed_device_resolves_lost_with_reason_destroyed() {
    channels();
    let mut b = bridge();
    let device = device(&mut b).await;
    let lost = b.gpu_device_lost(device.borrow()).expect("lost");
    b.gpu_device_destroy(device.borrow()).expect("destroy");
    let info = lost.read().await.expect("the loss info");
    assert_eq!(
        b.gpu_device_lost_info_reason(info.borrow())
            .expect("reason"),
        GpuDeviceLostReason::Destroyed
    );
    b.gpu_device_lost_info_message(info.borrow())
        .expect("message");
    b.gpu_device_lost_info_drop(info);
}

#[wasm_bindgen_test]
async fn error_kinds_follow_the_error_class_and_events_carry_their_error() {
    let mut p = Probe::new();
    let cases = [
        ("GPUValidationError", GpuErrorKind::ValidationError),
        ("GPUOutOfMemoryError", GpuErrorKind::OutOfMemoryError),
        ("GPUInternalError", GpuErrorKind::InternalError),
    ];
    for (class, kind) in cases {
        let error = construct(class, &[JsValue::from_str("what happened")]);
        let init = Object::new();
        set(&init, "error", &error);
        let event = construct(
            "GPUUncapturedErrorEvent",
            &[JsValue::from_str("uncapturederror"), init.into()],
        );
        let event: Resource<GpuUncapturedErrorEvent> = Resource::new(p.put(event));
        let error =
            p.b.gpu_uncaptured_error_event_error(event.borrow())
                .expect("error");
        assert_eq!(p.b.gpu_error_kind(error.borrow()).expect("kind"), kind);
        assert_eq!(
            p.b.gpu_error_message(error.borrow()).expect("message"),
            "what happened"
        );
        p.b.gpu_uncaptured_error_event_drop(event);
    }
}

// ---------------------------------------------------------------------------------------------
// Limits and records.

#[wasm_bindgen_test]
async fn every_limit_getter_matches_the_javascript_limits() {
    let mut p = Probe::new();
    let device = device(&mut p.b).await;
    let limits = p.b.gpu_device_limits(device.borrow()).expect("limits");
    let js = p.read(limits.rep());
    let l = limits.borrow();
    let b = &mut p.b;
    macro_rules! check {
        ($($method:ident $name:literal,)*) => {$(
            let want = get(&js, $name).as_f64();
            match b.$method(l) {
                Ok(v) => assert_eq!(Some(v as f64), want, $name),
                Err(t) => {
                    assert_eq!(want, None, "{}: {t:?}", $name);
                    assert!(t.0.contains($name), "{t:?}");
                }
            }
        )*};
    }
    check! {
        gpu_supported_limits_max_texture_dimension1_d "maxTextureDimension1D",
        gpu_supported_limits_max_texture_dimension2_d "maxTextureDimension2D",
        gpu_supported_limits_max_texture_dimension3_d "maxTextureDimension3D",
        gpu_supported_limits_max_texture_array_layers "maxTextureArrayLayers",
        gpu_supported_limits_max_bind_groups "maxBindGroups",
        gpu_supported_limits_max_bind_groups_plus_vertex_buffers "maxBindGroupsPlusVertexBuffers",
        gpu_supported_limits_max_immediate_size "maxImmediateSize",
        gpu_supported_limits_max_bindings_per_bind_group "maxBindingsPerBindGroup",
        gpu_supported_limits_max_dynamic_uniform_buffers_per_pipeline_layout "maxDynamicUniformBuffersPerPipelineLayout",
        gpu_supported_limits_max_dynamic_storage_buffers_per_pipeline_layout "maxDynamicStorageBuffersPerPipelineLayout",
        gpu_supported_limits_max_sampled_textures_per_shader_stage "maxSampledTexturesPerShaderStage",
        gpu_supported_limits_max_samplers_per_shader_stage "maxSamplersPerShaderStage",
        gpu_supported_limits_max_storage_buffers_per_shader_stage "maxStorageBuffersPerShaderStage",
        gpu_supported_limits_max_storage_buffers_in_vertex_stage "maxStorageBuffersInVertexStage",
        gpu_supported_limits_max_storage_buffers_in_fragment_stage "maxStorageBuffersInFragmentStage",
        gpu_supported_limits_max_storage_textures_per_shader_stage "maxStorageTexturesPerShaderStage",
        gpu_supported_limits_max_storage_textures_in_vertex_stage "maxStorageTexturesInVertexStage",
        gpu_supported_limits_max_storage_textures_in_fragment_stage "maxStorageTexturesInFragmentStage",
        gpu_supported_limits_max_uniform_buffers_per_shader_stage "maxUniformBuffersPerShaderStage",
        gpu_supported_limits_max_uniform_buffer_binding_size "maxUniformBufferBindingSize",
        gpu_supported_limits_max_storage_buffer_binding_size "maxStorageBufferBindingSize",
        gpu_supported_limits_min_uniform_buffer_offset_alignment "minUniformBufferOffsetAlignment",
        gpu_supported_limits_min_storage_buffer_offset_alignment "minStorageBufferOffsetAlignment",
        gpu_supported_limits_max_vertex_buffers "maxVertexBuffers",
        gpu_supported_limits_max_buffer_size "maxBufferSize",
        gpu_supported_limits_max_vertex_attributes "maxVertexAttributes",
        gpu_supported_limits_max_vertex_buffer_array_stride "maxVertexBufferArrayStride",
        gpu_supported_limits_max_inter_stage_shader_variables "maxInterStageShaderVariables",
        gpu_supported_limits_max_color_attachments "maxColorAttachments",
        gpu_supported_limits_max_color_attachment_bytes_per_sample "maxColorAttachmentBytesPerSample",
        gpu_supported_limits_max_compute_workgroup_storage_size "maxComputeWorkgroupStorageSize",
        gpu_supported_limits_max_compute_invocations_per_workgroup "maxComputeInvocationsPerWorkgroup",
        gpu_supported_limits_max_compute_workgroup_size_x "maxComputeWorkgroupSizeX",
        gpu_supported_limits_max_compute_workgroup_size_y "maxComputeWorkgroupSizeY",
        gpu_supported_limits_max_compute_workgroup_size_z "maxComputeWorkgroupSizeZ",
        gpu_supported_limits_max_compute_workgroups_per_dimension "maxComputeWorkgroupsPerDimension",
    }
    b.gpu_supported_limits_drop(limits);
}

#[wasm_bindgen_test]
async fn record_maps_round_trip_keys_values_and_entries() {
    let mut b = bridge();
    let c = b.record_gpu_pipeline_constant_value_new().expect("new");
    let r = c.borrow();
    b.record_gpu_pipeline_constant_value_add(r, "scale".into(), 1.5)
        .expect("add");
    b.record_gpu_pipeline_constant_value_add(r, "0".into(), -2.0)
        .expect("add");
    b.record_gpu_pipeline_constant_value_add(r, "__proto__".into(), 7.0)
        .expect("add");
    assert!(b
        .record_gpu_pipeline_constant_value_has(r, "scale".into())
        .expect("has"));
    assert!(!b
        .record_gpu_pipeline_constant_value_has(r, "toString".into())
        .expect("has"));
    assert_eq!(
        b.record_gpu_pipeline_constant_value_get(r, "__proto__".into())
            .expect("get"),
        Some(7.0)
    );
    assert_eq!(
        b.record_gpu_pipeline_constant_value_get(r, "missing".into())
            .expect("get"),
        None
    );
    // JavaScript's property order: integer-like keys first.
    assert_eq!(
        b.record_gpu_pipeline_constant_value_keys(r).expect("keys"),
        ["0", "scale", "__proto__"]
    );
    assert_eq!(
        b.record_gpu_pipeline_constant_value_values(r)
            .expect("values"),
        [-2.0, 1.5, 7.0]
    );
    b.record_gpu_pipeline_constant_value_remove(r, "scale".into())
        .expect("remove");
    assert_eq!(
        b.record_gpu_pipeline_constant_value_entries(r)
            .expect("entries"),
        [("0".to_string(), -2.0), ("__proto__".to_string(), 7.0)]
    );
    b.record_gpu_pipeline_constant_value_drop(c);

    let s = b.record_option_gpu_size64_new().expect("new");
    let r = s.borrow();
    b.record_option_gpu_size64_add(r, "maxBufferSize".into(), Some(1 << 40))
        .expect("add");
    b.record_option_gpu_size64_add(r, "maxBindGroups".into(), None)
        .expect("add");
    assert!(b
        .record_option_gpu_size64_has(r, "maxBindGroups".into())
        .expect("has"));
    assert_eq!(
        b.record_option_gpu_size64_get(r, "maxBindGroups".into())
            .expect("get"),
        Some(None)
    );
    assert_eq!(
        b.record_option_gpu_size64_get(r, "maxBufferSize".into())
            .expect("get"),
        Some(Some(1 << 40))
    );
    assert_eq!(
        b.record_option_gpu_size64_get(r, "nope".into())
            .expect("get"),
        None
    );
    assert_eq!(
        b.record_option_gpu_size64_keys(r).expect("keys"),
        ["maxBufferSize", "maxBindGroups"]
    );
    assert_eq!(
        b.record_option_gpu_size64_values(r).expect("values"),
        [Some(1 << 40), None]
    );
    b.record_option_gpu_size64_remove(r, "maxBufferSize".into())
        .expect("remove");
    assert_eq!(
        b.record_option_gpu_size64_entries(r).expect("entries"),
        [("maxBindGroups".to_string(), None)]
    );
    b.record_option_gpu_size64_drop(s);
}

/// A device descriptor with `limits` as its required limits.
fn with_limits(limits: Resource<RecordOptionGpuSize64>) -> Option<GpuDeviceDescriptor> {
    Some(GpuDeviceDescriptor {
        required_features: None,
        required_limits: Some(limits),
        default_queue: None,
        label: None,
    })
}

#[wasm_bindgen_test]
async fn required_limits_reach_request_device_as_webgpus_record() {
    let mut b = bridge();
    let gpu = b.get_gpu().expect("get-gpu");
    let adapter = b
        .gpu_request_adapter(gpu.borrow(), None)
        .await
        .expect("request-adapter")
        .expect("an adapter");
    let adapter_limits = b.gpu_adapter_limits(adapter.borrow()).expect("limits");
    let most = b
        .gpu_supported_limits_max_bind_groups(adapter_limits.borrow())
        .expect("max-bind-groups");

    // The adapter's most, and a `none` (ignored, as `undefined` is in JavaScript).
    let limits = b.record_option_gpu_size64_new().expect("new");
    b.record_option_gpu_size64_add(limits.borrow(), "maxBindGroups".into(), Some(most.into()))
        .expect("add");
    b.record_option_gpu_size64_add(limits.borrow(), "maxVertexBuffers".into(), None)
        .expect("add");
    let device = b
        .gpu_adapter_request_device(adapter.borrow(), with_limits(limits))
        .await
        .expect("request-device")
        .expect("a device with the adapter's most bind groups");
    let device_limits = b.gpu_device_limits(device.borrow()).expect("limits");
    assert_eq!(
        b.gpu_supported_limits_max_bind_groups(device_limits.borrow())
            .expect("max-bind-groups"),
        most
    );

    // One more than the adapter has: WebGPU refuses the device.
    let limits = b.record_option_gpu_size64_new().expect("new");
    b.record_option_gpu_size64_add(
        limits.borrow(),
        "maxBindGroups".into(),
        Some(u64::from(most) + 1),
    )
    .expect("add");
    let e = b
        .gpu_adapter_request_device(adapter.borrow(), with_limits(limits))
        .await
        .expect("request-device")
        .expect_err("more bind groups than the adapter has");
    assert_eq!(
        e.kind,
        RequestDeviceErrorKind::OperationError,
        "{}",
        e.message
    );
}

// ---------------------------------------------------------------------------------------------
// The canvas context.

#[wasm_bindgen_test]
async fn a_canvas_context_reports_the_configuration_it_was_given() {
    let mut b = bridge();
    let device = device(&mut b).await;
    b.gpu_device_set_label(device.borrow(), "the device".into())
        .expect("set-label");
    // The canvas's webgpu context, behind a handle (surface-webgpu's context is the same object).
    let context: Resource<GpuCanvasContext> =
        Resource::new(b.context_new(Borrow::new(0)).expect("context").rep());
    let c = context.borrow();
    assert!(b
        .gpu_canvas_context_get_configuration(c)
        .expect("get-configuration")
        .is_none());
    let usage = GpuTextureUsage::RENDER_ATTACHMENT | GpuTextureUsage::COPY_SRC;
    b.gpu_canvas_context_configure(
        c,
        GpuCanvasConfiguration {
            device: device.borrow(),
            format: GpuTextureFormat::Rgba8unorm,
            usage: Some(usage),
            view_formats: Some(vec![GpuTextureFormat::Rgba8unormSrgb]),
            color_space: Some(PredefinedColorSpace::DisplayP3),
            tone_mapping: None,
            alpha_mode: Some(GpuCanvasAlphaMode::Premultiplied),
        },
    )
    .expect("configure");
    let got = b
        .gpu_canvas_context_get_configuration(c)
        .expect("get-configuration")
        .expect("a configuration");
    assert_eq!(got.format, GpuTextureFormat::Rgba8unorm);
    assert_eq!(got.usage, Some(usage));
    assert_eq!(
        got.view_formats,
        Some(vec![GpuTextureFormat::Rgba8unormSrgb])
    );
    assert_eq!(got.color_space, Some(PredefinedColorSpace::DisplayP3));
    assert_eq!(got.alpha_mode, Some(GpuCanvasAlphaMode::Premultiplied));
    assert_eq!(
        b.gpu_device_label(got.device.borrow()).expect("label"),
        "the device",
        "the configured device"
    );
    b.gpu_device_drop(got.device);

    let texture = b
        .gpu_canvas_context_get_current_texture(c)
        .expect("get-current-texture");
    assert_eq!(b.gpu_texture_width(texture.borrow()).expect("width"), 64);
    assert_eq!(b.gpu_texture_height(texture.borrow()).expect("height"), 64);
    assert_eq!(
        b.gpu_texture_format(texture.borrow()).expect("format"),
        GpuTextureFormat::Rgba8unorm
    );
    assert_eq!(b.gpu_texture_usage(texture.borrow()).expect("usage"), usage);

    b.gpu_canvas_context_unconfigure(c).expect("unconfigure");
    assert!(b
        .gpu_canvas_context_get_configuration(c)
        .expect("get-configuration")
        .is_none());
    b.gpu_canvas_context_drop(context);
}
