//! Example guest `gpu-error-at-frame`: renders like `animated-clear` on every frame event and, on
//! frame 2 (the 3rd event), also makes one invalid WebGPU call outside any error scope.
//!
//! For frame event `n` it clears the whole surface to `((16 n) mod 256, 64, 255 - (16 n) mod 256,
//! 255)`, exactly as `animated-clear` does. On frame 2, before rendering that frame, it calls
//! `create-buffer` with size 16 and usage `MAP_READ | MAP_WRITE`: WebGPU allows `MAP_READ` only
//! with `COPY_DST` and `MAP_WRITE` only with `COPY_SRC`, so this is a validation error. No error
//! scope is pushed, so the device reports it as an *uncaptured* error (`uncapturederror` in a
//! browser). The call returns an invalid buffer, which the guest drops unused; it does not trap
//! and goes on rendering every later frame.

use webgpu_app::webgpu::{GpuBufferDescriptor, GpuBufferUsage};
use webgpu_app::{rgb8, App, Guest};

/// The frame event on which the guest makes the invalid call (0-based: the 3rd event).
const ERROR_AT: u64 = 2;

/// The label of the invalid buffer, so a host's error message names it.
const LABEL: &str = "gpu-error-at-frame: invalid usage MAP_READ | MAP_WRITE";

struct GpuErrorAtFrame;

impl Guest for GpuErrorAtFrame {
    async fn start() {
        let app = App::new().await;
        let mut frames = app.frames();
        let mut n: u64 = 0;
        while frames.next().await.is_some() {
            if n == ERROR_AT {
                // A validation error, deliberately not inside push-error-scope / pop-error-scope.
                drop(app.device().create_buffer(&invalid_buffer()));
            }
            let [r, g, b] = frame_rgb(n);
            app.render(rgb8(r, g, b), |_pass| {});
            n += 1;
        }
    }
}

webgpu_app::export!(GpuErrorAtFrame);

/// The descriptor of the invalid buffer: 16 bytes, `MAP_READ | MAP_WRITE` (never valid in WebGPU).
fn invalid_buffer() -> GpuBufferDescriptor {
    GpuBufferDescriptor {
        size: 16,
        usage: GpuBufferUsage::MAP_READ | GpuBufferUsage::MAP_WRITE,
        mapped_at_creation: None,
        label: Some(LABEL.to_string()),
    }
}

/// The 8-bit clear colour (r, g, b) of frame event `n`, as in `animated-clear`; alpha is 255.
fn frame_rgb(n: u64) -> [u8; 3] {
    let s = ((n % 16) * 16) as u8;
    [s, 64, 255 - s]
}

#[cfg(test)]
mod tests {
    use super::{frame_rgb, invalid_buffer, ERROR_AT};
    use webgpu_app::webgpu::GpuBufferUsage;

    #[test]
    fn colours_match_animated_clear() {
        assert_eq!(frame_rgb(0), [0, 64, 255]);
        assert_eq!(frame_rgb(1), [16, 64, 239]);
        assert_eq!(frame_rgb(2), [32, 64, 223]);
        assert_eq!(frame_rgb(3), [48, 64, 207]);
        assert_eq!(frame_rgb(16), [0, 64, 255]);
    }

    #[test]
    fn the_invalid_call_is_map_read_and_map_write_on_frame_2() {
        assert_eq!(ERROR_AT, 2);
        let desc = invalid_buffer();
        assert_eq!(desc.size, 16);
        assert_eq!(
            desc.usage,
            GpuBufferUsage::MAP_READ | GpuBufferUsage::MAP_WRITE
        );
        assert_eq!(desc.mapped_at_creation, None);
    }
}
