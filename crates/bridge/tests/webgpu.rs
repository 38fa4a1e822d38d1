//! The bridge's host functions against the browser's real WebGPU (wasm-bindgen-test in headless
//! Chromium with SwiftShader, flags in `webdriver.json`): each test calls the host traits
//! directly, as the generated trampolines would, and checks what WebGPU did — bytes read back
//! from buffers and textures, labels, limits, errors.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p gfx-bridge --target wasm32-unknown-unknown --tests` (every file in tests/).
#![cfg(target_arch = "wasm32")]

use gfx_bridge::bindings::webgpu::*;
use wasm_bindgen_test::*;

mod common;
use common::{bridge, device};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_device_reports_its_adapter_and_keeps_its_label() {
    let mut b = bridge();
    let gpu = b.get_gpu().expect("get-gpu");
    let format = b
        .gpu_get_preferred_canvas_format(gpu.borrow())
        .expect("format");
    assert!(
        matches!(
            format,
            GpuTextureFormat::Bgra8unorm | GpuTextureFormat::Rgba8unorm
        ),
        "{format:?}"
    );
    let device = device(&mut b).await;
    b.gpu_device_set_label(device.borrow(), "dev".into())
        .expect("set-label");
    assert_eq!(b.gpu_device_label(device.borrow()).expect("label"), "dev");
    let features = b.gpu_device_features(device.borrow()).expect("features");
    assert!(!b
        .gpu_supported_features_has(features.borrow(), "no-such-feature".into())
        .expect("has"));
}

/// The surface is the canvas: a size in `create-desc` and `request-set-size` set its drawing
/// buffer, `width`/`height` read it back.
#[wasm_bindgen_test]
fn the_surface_is_the_canvas_drawing_buffer() {
    use gfx_bridge::bindings::surface::{CreateDesc, HostSurface};
    let mut b = bridge();
    let s = b
        .surface_new(CreateDesc {
            height: Some(48),
            width: Some(80),
        })
        .expect("surface");
    assert_eq!(b.surface_width(s.borrow()).expect("width"), 80);
    assert_eq!(b.surface_height(s.borrow()).expect("height"), 48);
    b.surface_request_set_size(s.borrow(), Some(30), None)
        .expect("request-set-size");
    assert_eq!(
        (
            b.surface_width(s.borrow()).expect("width"),
            b.surface_height(s.borrow()).expect("height")
        ),
        (80, 30)
    );
    b.surface_drop(s);
}

/// Frame-buffer pixels are little-endian `0x00RRGGBB` (bytes B, G, R, X) — the upstream host's
/// layout — and reach the canvas as opaque RGBA; `get-with-copy` gives the same bytes back (X as 0).
#[wasm_bindgen_test]
fn frame_buffer_pixels_are_bgrx_and_reach_the_canvas_as_rgba() {
    use gfx_bridge::bindings::frame_buffer::HostBuffer;
    use gfx_bridge::bindings::surface::{CreateDesc, HostSurface};
    use gfx_bridge::bindings::surface_frame_buffer::HostContext;
    use wasm_bindgen::JsCast;
    let mut b = bridge();
    let s = b
        .surface_new(CreateDesc {
            height: Some(1),
            width: Some(2),
        })
        .expect("surface");
    let ctx = b.context_new(s.borrow()).expect("2d context");
    let buffer = b.context_get_current_buffer(ctx.borrow()).expect("buffer");
    // Pixel 0: r=10 g=20 b=30; pixel 1: r=200 g=100 b=50 (the X byte is ignored).
    let bgrx = vec![30, 20, 10, 99, 50, 100, 200, 0];
    b.buffer_set_with_copy(buffer.borrow(), bgrx).expect("set");
    assert_eq!(
        b.buffer_get_with_copy(buffer.borrow()).expect("get"),
        [30, 20, 10, 0, 50, 100, 200, 0]
    );
    b.context_present(ctx.borrow()).expect("present");
    let canvas = b.shared().canvas().expect("a canvas element").clone();
    let c2d: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .expect("getContext")
        .expect("the 2d context")
        .unchecked_into();
    let data = c2d.get_image_data(0, 0, 2, 1).expect("getImageData").data();
    assert_eq!(data.to_vec(), [10, 20, 30, 255, 200, 100, 50, 255]);
    assert_eq!(b.shared().presented(), 1);
}

/// The adapter asked for ahead (`Bridge::with_adapter_ahead`) is the very object the guest's
/// first default `request-adapter` gets; a request with options, and every later one, ask the
/// browser anew (an adapter gives one device).
#[wasm_bindgen_test]
async fn the_adapter_asked_ahead_goes_to_the_first_default_request_only() {
    use gfx_bridge::{AdapterAhead, Bridge};
    let gpu_js = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"gpu".into()))
        .expect("navigator.gpu");
    let request: js_sys::Function = js_sys::Reflect::get(&gpu_js, &"requestAdapter".into())
        .expect("requestAdapter")
        .into();
    let promise = request.call0(&gpu_js).expect("requestAdapter()");
    let asked = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise.clone()))
        .await
        .expect("an adapter");
    let mut b = Bridge::new(common::canvas()).with_adapter_ahead(Some(AdapterAhead::of(promise)));
    let gpu = b.get_gpu().expect("get-gpu");
    let is_asked = |b: &Bridge, a: &gfx_component::abi::Resource<GpuAdapter>| {
        js_sys::Object::is(&b.object_of(a.rep()), &asked)
    };
    async fn adapter(
        b: &mut Bridge,
        gpu: &gfx_component::abi::Resource<Gpu>,
        options: Option<GpuRequestAdapterOptions>,
    ) -> gfx_component::abi::Resource<GpuAdapter> {
        b.gpu_request_adapter(gpu.borrow(), options)
            .await
            .expect("request-adapter")
            .expect("an adapter")
    }

    let low_power = GpuRequestAdapterOptions {
        feature_level: None,
        power_preference: Some(GpuPowerPreference::LowPower),
        force_fallback_adapter: None,
        xr_compatible: None,
    };
    let with_options = adapter(&mut b, &gpu, Some(low_power)).await;
    assert!(!is_asked(&b, &with_options), "options ask the browser anew");

    let first = adapter(&mut b, &gpu, None).await;
    assert!(
        is_asked(&b, &first),
        "the first default request gets the adapter asked ahead"
    );
    b.gpu_adapter_request_device(first.borrow(), None)
        .await
        .expect("request-device")
        .expect("the adapter asked ahead gives a device");

    let second = adapter(&mut b, &gpu, None).await;
    assert!(
        !is_asked(&b, &second),
        "a second default request asks the browser anew"
    );
}
