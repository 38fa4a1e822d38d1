//! Example guest `animated-clear`: clears the whole surface to a colour that steps every frame.
//!
//! For frame event `n` (`n = 0` is the first event `start` receives from `on-frame`) the current
//! texture is cleared to
//!
//! ```text
//! s = (16 * n) mod 256
//! r = s / 255,  g = 64 / 255,  b = (255 - s) / 255,  a = 1
//! ```
//!
//! and presented; nothing else is drawn. The sequence repeats every 16 frames. Every channel is
//! `k / 255`, so an 8-bit readback is exact: frame 0 is (0, 64, 255, 255), frame 1 (16, 64, 239, 255),
//! frame 15 (240, 64, 15, 255), frame 16 (0, 64, 255, 255) again.

use webgpu_app::{rgb8, App, Guest};

struct AnimatedClear;

impl Guest for AnimatedClear {
    async fn start() {
        let app = App::new().await;
        let mut frames = app.frames();
        let mut n: u64 = 0;
        while frames.next().await.is_some() {
            let [r, g, b] = frame_rgb(n);
            app.render(rgb8(r, g, b), |_pass| {});
            n += 1;
        }
    }
}

webgpu_app::export!(AnimatedClear);

/// The 8-bit clear colour (r, g, b) of frame event `n`; alpha is always 255.
fn frame_rgb(n: u64) -> [u8; 3] {
    // (16 * n) mod 256, written so it cannot overflow.
    let s = ((n % 16) * 16) as u8;
    [s, 64, 255 - s]
}

#[cfg(test)]
mod tests {
    use super::frame_rgb;

    #[test]
    fn colours_follow_the_documented_formula() {
        assert_eq!(frame_rgb(0), [0, 64, 255]);
        assert_eq!(frame_rgb(1), [16, 64, 239]);
        assert_eq!(frame_rgb(15), [240, 64, 15]);
        assert_eq!(frame_rgb(16), [0, 64, 255]);
        for n in 0..64u64 {
            let s = (16 * n % 256) as u8;
            assert_eq!(frame_rgb(n), [s, 64, 255 - s]);
        }
    }
}
