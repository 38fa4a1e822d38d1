//! Hostile guest `hostile-huge-list`: renders like `animated-clear` for frames 0 and 1, then, on
//! frame 2, calls the host's `[method]gpu-device.set-label` directly with a string argument whose
//! length claims 2 GiB — far past the end of its linear memory — instead of going through the
//! generated bindings (which could never build such a call).
//!
//! A host must refuse to lift it without reading (or allocating) anything: a trap raised by the
//! host side, which ends only this guest's session.

use webgpu_app::{rgb8, App, Guest};

/// The frame event on which the guest makes the forged call (0-based: the 3rd event).
const FORGE_AT: u64 = 2;

/// The claimed length of the string, in bytes.
const CLAIMED_LEN: usize = 0x7fff_fff0;

#[link(wasm_import_module = "wasi:webgpu/webgpu@0.3.0-rc.2")]
extern "C" {
    /// The canonical ABI lowering of `set-label: func(label: string)` on `gpu-device`: the
    /// handle, then the string as pointer and length.
    #[link_name = "[method]gpu-device.set-label"]
    fn device_set_label(device: i32, ptr: *const u8, len: usize);
}

struct HugeList;

impl Guest for HugeList {
    async fn start() {
        let app = App::new().await;
        let mut frames = app.frames();
        let mut n: u64 = 0;
        while frames.next().await.is_some() {
            if n == FORGE_AT {
                let label = b"hostile-huge-list";
                // SAFETY: the call only passes integers; what the host does with the claimed
                // range is the point of this guest.
                unsafe {
                    device_set_label(app.device().handle() as i32, label.as_ptr(), CLAIMED_LEN)
                };
            }
            let s = ((n % 16) * 16) as u8;
            app.render(rgb8(s, 64, 255 - s), |_pass| {});
            n += 1;
        }
    }
}

webgpu_app::export!(HugeList);
