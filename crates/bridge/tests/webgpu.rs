//! The bridge's host functions against the browser's real WebGPU (wasm-bindgen-test in headless
//! Chromium with SwiftShader, flags in `webdriver.json`): each test calls the host traits
//! directly, as the generated trampolines would, and checks what WebGPU did — bytes read back
//! from buffers and textures, labels, limits, errors.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p gfx-bridge --target wasm32-unknown-unknown --tests` (every file in tests/).
#![cfg(target_arch = "wasm32")]

use gfx_bridge::bindings::webgpu::*;
use gfx_bridge::Bridge;
use gfx_component::abi::Resource;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A bridge on a fresh canvas.
fn bridge() -> Bridge {
    let canvas: web_sys::HtmlCanvasElement = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .map(wasm_bindgen::JsCast::unchecked_into)
        .expect("a canvas");
    canvas.set_width(64);
    canvas.set_height(64);
    Bridge::new(canvas)
}

/// get-gpu → request-adapter → request-device (default options).
async fn device(b: &mut Bridge) -> Resource<GpuDevice> {
    let gpu = b.get_gpu().expect("get-gpu");
    let adapter = b
        .gpu_request_adapter(gpu.borrow(), None)
        .await
        .expect("request-adapter")
        .expect("an adapter");
    b.gpu_adapter_request_device(adapter.borrow(), None)
        .await
        .expect("request-device")
        .expect("a device")
}

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
