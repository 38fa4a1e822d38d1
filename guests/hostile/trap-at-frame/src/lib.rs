//! Hostile guest `hostile-trap-at-frame`: renders like `animated-clear` for frames 0 and 1, then
//! panics on frame 2 (the 3rd frame event) before drawing it.
//!
//! On wasm32-unknown-unknown a panic is a trap (`panic = "abort"`, no stderr), so `start` fails
//! mid-session, after two good frames: a host must end only this guest's session and report the
//! trap. The message, "hostile-trap-at-frame: trap at frame 2", is for whoever reads the source.

use webgpu_app::{rgb8, App, Guest};

/// The frame event on which the guest traps (0-based: the 3rd event).
const TRAP_AT: u64 = 2;

struct TrapAtFrame;

impl Guest for TrapAtFrame {
    async fn start() {
        let app = App::new().await;
        let mut frames = app.frames();
        let mut n: u64 = 0;
        while frames.next().await.is_some() {
            if n == TRAP_AT {
                panic!("hostile-trap-at-frame: trap at frame {TRAP_AT}");
            }
            let [r, g, b] = frame_rgb(n);
            app.render(rgb8(r, g, b), |_pass| {});
            n += 1;
        }
    }
}

webgpu_app::export!(TrapAtFrame);

/// The 8-bit clear colour (r, g, b) of frame event `n`, as in `animated-clear`; alpha is 255.
fn frame_rgb(n: u64) -> [u8; 3] {
    let s = ((n % 16) * 16) as u8;
    [s, 64, 255 - s]
}

#[cfg(test)]
mod tests {
    use super::{frame_rgb, TRAP_AT};

    #[test]
    fn frames_before_the_trap_match_animated_clear() {
        assert_eq!(TRAP_AT, 2);
        assert_eq!(frame_rgb(0), [0, 64, 255]);
        assert_eq!(frame_rgb(1), [16, 64, 239]);
    }
}
