//! Hostile guest `hostile-spin`: renders like `animated-clear` for frames 0 to 4, then spins
//! forever on frame 5 (the 6th frame event) without returning to the host.
//!
//! A host must interrupt it (epoch deadline, watchdog) and end only this guest's session.

use webgpu_app::{rgb8, App, Guest};

/// The frame event on which the guest stops answering.
const SPIN_AT: u64 = 5;

struct Spin;

impl Guest for Spin {
    async fn start() {
        let app = App::new().await;
        let mut frames = app.frames();
        let mut n: u64 = 0;
        while frames.next().await.is_some() {
            if n == SPIN_AT {
                spin_forever();
            }
            let s = ((n % 16) * 16) as u8;
            app.render(rgb8(s, 64, 255 - s), |_pass| {});
            n += 1;
        }
    }
}

webgpu_app::export!(Spin);

/// Never returns; `black_box` keeps the loop from being optimised into something cheaper.
fn spin_forever() -> ! {
    let mut i: u64 = 0;
    loop {
        i = core::hint::black_box(i.wrapping_add(1));
    }
}
