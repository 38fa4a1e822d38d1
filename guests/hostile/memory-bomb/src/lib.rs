//! Hostile guest `hostile-memory-bomb`: on its first frame event, allocates and touches 16 MiB
//! blocks until allocation fails (which aborts: a trap), never releasing any.
//!
//! Without a memory limit it grows towards the 4 GiB of wasm32 linear memory; a host's limiter
//! makes `memory.grow` fail, the allocator aborts, and only this guest's session ends.

use webgpu_app::{App, Guest};

/// Bytes per allocation.
const BLOCK: usize = 16 << 20;

struct MemoryBomb;

impl Guest for MemoryBomb {
    async fn start() {
        let app = App::new().await;
        let mut frames = app.frames();
        if frames.next().await.is_some() {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                // Touch every page so the memory is really committed.
                hoard.push(vec![0xA5; BLOCK]);
                core::hint::black_box(&hoard);
            }
        }
    }
}

webgpu_app::export!(MemoryBomb);
