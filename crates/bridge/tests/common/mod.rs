//! What every bridge browser test starts from: a bridge on a fresh canvas (or the canvas, for a
//! bridge made otherwise), and a device.

use gfx_bridge::bindings::webgpu::*;
use gfx_bridge::Bridge;
use gfx_component::abi::Resource;

/// A bridge on a fresh 64 × 64 canvas.
pub fn bridge() -> Bridge {
    Bridge::new(canvas())
}

/// A fresh 64 × 64 canvas.
pub fn canvas() -> web_sys::HtmlCanvasElement {
    let canvas: web_sys::HtmlCanvasElement = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .map(wasm_bindgen::JsCast::unchecked_into)
        .expect("a canvas");
    canvas.set_width(64);
    canvas.set_height(64);
    canvas
}

/// get-gpu → request-adapter → request-device (default options).
pub async fn device(b: &mut Bridge) -> Resource<GpuDevice> {
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
