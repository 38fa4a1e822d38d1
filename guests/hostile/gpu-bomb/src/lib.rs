//! Hostile guest `hostile-gpu-bomb`: on its first frame event, creates 64 buffers of 64 MiB
//! (4 GiB), keeping every one alive, without error scopes (a refused creation's error is
//! uncaptured), then presents a dark red frame on every frame event.
//!
//! Without a GPU budget it asks the device for 4 GiB; the browser bridge's budget (512 MiB by
//! default) hands out invalid buffers from the 9th on and, at the 3rd refusal, reports the
//! failure `gpu-limit`, so the loader falls back.

use webgpu_app::webgpu::{GpuBufferDescriptor, GpuBufferUsage};
use webgpu_app::{rgb8, App, Guest};

/// Bytes per buffer.
const BLOCK: u64 = 64 << 20;
/// Buffers created on the first frame event.
const COUNT: usize = 64;

struct GpuBomb;

impl Guest for GpuBomb {
    async fn start() {
        let app = App::new().await;
        let mut frames = app.frames();
        let mut hoard = Vec::new();
        let mut first = true;
        while frames.next().await.is_some() {
            if first {
                first = false;
                for i in 0..COUNT {
                    hoard.push(app.device().create_buffer(&GpuBufferDescriptor {
                        size: BLOCK,
                        usage: GpuBufferUsage::COPY_DST,
                        mapped_at_creation: None,
                        label: Some(format!("hostile-gpu-bomb: buffer {i}")),
                    }));
                }
            }
            core::hint::black_box(&hoard);
            app.render(rgb8(96, 0, 0), |_pass| {});
        }
    }
}

webgpu_app::export!(GpuBomb);
