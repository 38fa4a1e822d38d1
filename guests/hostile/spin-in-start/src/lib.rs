//! Hostile guest `hostile-spin-in-start`: spins forever inside `start`, before it touches the GPU.
//!
//! A host must interrupt the very first activation.

use webgpu_app::Guest;

struct SpinInStart;

impl Guest for SpinInStart {
    async fn start() {
        let mut i: u64 = 0;
        loop {
            i = core::hint::black_box(i.wrapping_add(1));
        }
    }
}

webgpu_app::export!(SpinInStart);
