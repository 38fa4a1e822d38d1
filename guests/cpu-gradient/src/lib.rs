//! Example guest `cpu-gradient`: draws with the CPU through `wasi-gfx:surface/surface-frame-buffer`
//! (world `frame-buffer-app` of `wit/guests.wit`; no GPU).
//!
//! For frame event `n` (`n = 0` first) and a surface of `w` × `h`, the pixel at column `x`, row `y`
//! is
//!
//! ```text
//! (r, g, b) = (x mod 256, y mod 256, (16 * n) mod 256),  alpha 255
//! ```
//!
//! written in the frame-buffer layout the published hosts read: per pixel a little-endian `u32`
//! `0x00RRGGBB` (bytes B, G, R, 0), rows top to bottom, `w * h * 4` bytes.

#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "wasi-gfx-loader:guests/frame-buffer-app",
        generate_all,
    });
}

use bindings::wasi_gfx::surface::{surface, surface_frame_buffer};

struct CpuGradient;

impl bindings::Guest for CpuGradient {
    async fn start() {
        let surface = surface::Surface::new(surface::CreateDesc {
            height: None,
            width: None,
        });
        let context = surface_frame_buffer::Context::new(&surface);
        let mut frames = surface.on_frame();
        let mut n: u64 = 0;
        while frames.next().await.is_some() {
            let pixels = frame(surface.width(), surface.height(), n);
            context.get_current_buffer().set_with_copy(&pixels);
            context.present();
            n += 1;
        }
    }
}

bindings::export!(CpuGradient with_types_in bindings);

/// The frame-buffer bytes of frame `n` at `width` × `height`.
fn frame(width: u32, height: u32, n: u64) -> Vec<u8> {
    let blue = ((n % 16) * 16) as u8;
    let mut out = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..height {
        for x in 0..width {
            out.extend_from_slice(&[blue, (y % 256) as u8, (x % 256) as u8, 0]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::frame;

    #[test]
    fn pixels_are_little_endian_0x00rrggbb() {
        let f = frame(300, 2, 3);
        assert_eq!(f.len(), 300 * 2 * 4);
        // (x=5, y=1): r=5, g=1, b=48 → bytes B, G, R, 0
        let i = (300 + 5) * 4;
        assert_eq!(&f[i..i + 4], &[48, 1, 5, 0]);
        // x wraps at 256
        let i = 260 * 4;
        assert_eq!(&f[i..i + 4], &[48, 0, 4, 0]);
    }
}
