//! Benchmark guest `bench-viewport` (bench/bridge.mjs, part "one synchronous wasi:webgpu call").
//!
//! For frame event `k` (`k = 0` is the first event `start` receives from `on-frame`) the current
//! texture is cleared to (0, 0, 128, 255) / 255 and, inside that render pass, `set-viewport` is
//! called [`CALLS`] times when `k` is odd and not at all when `k` is even; nothing is drawn. The
//! host times every frame (its frame event to its submit) and takes the difference of an odd frame
//! and the even frame before it: [`CALLS`] calls of `set-viewport`, with everything else a frame
//! costs cancelled out.
//!
//! The arguments stay valid for any surface of at least 2 × 1 pixels (WebGPU rejects a viewport
//! outside the render target, which would be an uncaptured GPU error): x alternates between 0 and
//! 1, the width is the surface width minus one, the height the surface height, depths 0 to 1.

use webgpu_app::{rgb8, App, Guest};

/// `set-viewport` calls in the render pass of an odd frame.
pub const CALLS: u32 = 100_000;

struct BenchViewport;

impl Guest for BenchViewport {
    async fn start() {
        let app = App::new().await;
        let mut frames = app.frames();
        let mut k: u64 = 0;
        while frames.next().await.is_some() {
            let width = app.surface().width().max(2) as f32;
            let height = app.surface().height().max(1) as f32;
            let calls = calls_in_frame(k);
            app.render(rgb8(0, 0, 128), |pass| {
                for i in 0..calls {
                    pass.set_viewport((i & 1) as f32, 0.0, width - 1.0, height, 0.0, 1.0);
                }
            });
            k += 1;
        }
    }
}

webgpu_app::export!(BenchViewport);

/// How many `set-viewport` calls frame event `k` makes.
fn calls_in_frame(k: u64) -> u32 {
    if k % 2 == 1 {
        CALLS
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::{calls_in_frame, CALLS};

    #[test]
    fn odd_frames_make_the_calls_even_ones_none() {
        assert_eq!(calls_in_frame(0), 0);
        assert_eq!(calls_in_frame(1), CALLS);
        assert_eq!(calls_in_frame(2), 0);
        assert_eq!(calls_in_frame(3), CALLS);
    }
}
