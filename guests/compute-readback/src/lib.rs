//! Example guest `compute-readback`: computes on the GPU, reads the result back, shows the verdict.
//!
//! In `start`, before the first frame, it
//!
//! 1. runs a compute shader (`auto` layout, one storage buffer through a bind group from
//!    `get-bind-group-layout(0)`, `dispatch-workgroups(4)` of 16 invocations) that writes
//!    `values[i] = i * i + 7` for `i` in `0..64` (`u32`s);
//! 2. copies the storage buffer into a `MAP_READ` buffer (`copy-buffer-to-buffer`), submits,
//!    awaits `map-async(read)` and reads the bytes with `get-mapped-range-get-with-copy`;
//! 3. checks them on the CPU: `ok` when there are exactly 64 little-endian `u32`s and each is
//!    `i * i + 7`; `checksum` = the wrapping sum of the `u32`s read, mod 256.
//!
//! Then every frame event clears the whole surface (nothing else is drawn) to
//!
//! ```text
//! ok:     (0, 200, checksum, 255)   — with the right values checksum = 85792 mod 256 = 32
//! not ok: (200, 0, checksum, 255)
//! ```
//!
//! so a correct host shows (0, 200, 32, 255) on every pixel of every frame. A failing `map-async`,
//! `get-mapped-range-get-with-copy` or `unmap` is a trap (`start` fails), not a colour.

use webgpu_app::webgpu::{
    GpuBindGroupDescriptor, GpuBindGroupEntry, GpuBindingResource, GpuBufferBinding,
    GpuBufferDescriptor, GpuBufferUsage, GpuComputePipelineDescriptor, GpuLayoutMode, GpuMapMode,
    GpuProgrammableStage, GpuShaderModuleDescriptor,
};
use webgpu_app::{rgb8, App, Guest};

/// Number of `u32` values the shader computes.
const COUNT: u32 = 64;
/// Invocations per workgroup (the shader's `@workgroup_size`); `COUNT / WORKGROUP` workgroups run.
const WORKGROUP: u32 = 16;
/// Size of the storage and readback buffers, bytes.
const BYTES: u64 = COUNT as u64 * 4;
/// The green (ok) or red (not ok) channel value of the verdict colour.
const LEVEL: u8 = 200;

/// `values[i] = i * i + 7`, one invocation per value.
const SHADER: &str = r#"
@group(0) @binding(0) var<storage, read_write> values: array<u32, 64>;

@compute @workgroup_size(16)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    values[id.x] = id.x * id.x + 7u;
}
"#;

struct ComputeReadback;

impl Guest for ComputeReadback {
    async fn start() {
        let app = App::new().await;
        let bytes = compute_and_read_back(&app).await;
        let [r, g, b] = verdict(&bytes);
        let mut frames = app.frames();
        while frames.next().await.is_some() {
            app.render(rgb8(r, g, b), |_pass| {});
        }
    }
}

webgpu_app::export!(ComputeReadback);

/// The value the shader must write at index `i`.
fn expected(i: u32) -> u32 {
    i * i + 7
}

/// Runs the compute shader and returns the bytes of the storage buffer, read back through a
/// `MAP_READ` buffer.
async fn compute_and_read_back(app: &App) -> Vec<u8> {
    let device = app.device();
    let module = device.create_shader_module(&GpuShaderModuleDescriptor {
        code: SHADER.to_string(),
        compilation_hints: None,
        label: Some("compute-readback".to_string()),
    });
    let pipeline = device.create_compute_pipeline(GpuComputePipelineDescriptor {
        compute: GpuProgrammableStage {
            module: &module,
            entry_point: Some("main".to_string()),
            constants: None,
        },
        layout: GpuLayoutMode::Auto,
        label: Some("compute-readback".to_string()),
    });
    let storage = device.create_buffer(&GpuBufferDescriptor {
        size: BYTES,
        usage: GpuBufferUsage::STORAGE | GpuBufferUsage::COPY_SRC,
        mapped_at_creation: None,
        label: Some("values".to_string()),
    });
    let readback = device.create_buffer(&GpuBufferDescriptor {
        size: BYTES,
        usage: GpuBufferUsage::MAP_READ | GpuBufferUsage::COPY_DST,
        mapped_at_creation: None,
        label: Some("readback".to_string()),
    });
    let layout = pipeline.get_bind_group_layout(0);
    let bind_group = device.create_bind_group(&GpuBindGroupDescriptor {
        layout: &layout,
        entries: vec![GpuBindGroupEntry {
            binding: 0,
            resource: GpuBindingResource::GpuBufferBinding(GpuBufferBinding {
                buffer: &storage,
                offset: None,
                size: None,
            }),
        }],
        label: Some("compute-readback".to_string()),
    });

    let encoder = device.create_command_encoder(None);
    let pass = encoder.begin_compute_pass(None);
    pass.set_pipeline(&pipeline);
    pass.set_bind_group(0, Some(&bind_group), None, None, None)
        .expect("wasi:webgpu set-bind-group(0) without dynamic offsets failed");
    pass.dispatch_workgroups(COUNT / WORKGROUP, None, None);
    pass.end();
    encoder.copy_buffer_to_buffer(&storage, None, &readback, None, Some(BYTES));
    let commands = encoder.finish(None);
    device.queue().submit(&[&commands]);

    if let Err(err) = readback.map_async(GpuMapMode::READ, None, None).await {
        panic!("wasi:webgpu map-async(read) failed: {}", err.message);
    }
    let bytes = match readback.get_mapped_range_get_with_copy(None, None) {
        Ok(bytes) => bytes,
        Err(err) => panic!(
            "wasi:webgpu get-mapped-range-get-with-copy failed: {}",
            err.message
        ),
    };
    if let Err(err) = readback.unmap() {
        panic!("wasi:webgpu unmap failed: {}", err.message);
    }
    bytes
}

/// The clear colour (r, g, b) for the bytes read back; alpha is always 255.
///
/// `(0, LEVEL, checksum)` when the bytes are exactly the `COUNT` expected little-endian `u32`s,
/// `(LEVEL, 0, checksum)` otherwise; `checksum` is the wrapping sum of the whole `u32`s in `bytes`,
/// mod 256 (a trailing partial word is ignored, and makes the result wrong).
fn verdict(bytes: &[u8]) -> [u8; 3] {
    let values: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    let ok = bytes.len() == BYTES as usize
        && values
            .iter()
            .zip(0..)
            .all(|(&value, i)| value == expected(i));
    let checksum = values.iter().fold(0u32, |sum, &v| sum.wrapping_add(v)) as u8;
    if ok {
        [0, LEVEL, checksum]
    } else {
        [LEVEL, 0, checksum]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn right() -> Vec<u8> {
        (0..COUNT).flat_map(|i| expected(i).to_le_bytes()).collect()
    }

    #[test]
    fn right_values_are_green_with_checksum_32() {
        let sum: u32 = (0..COUNT).map(expected).sum();
        assert_eq!(sum, 85_792);
        assert_eq!(verdict(&right()), [0, 200, 32]);
    }

    #[test]
    fn wrong_values_are_red_with_their_checksum() {
        let mut bytes = right();
        bytes[4] += 1; // values[1] = 9 instead of 8
        assert_eq!(verdict(&bytes), [200, 0, 33]);
        assert_eq!(verdict(&[0; BYTES as usize]), [200, 0, 0]);
        // The right values, one short or one byte too many, are wrong too.
        // Without values[63] = 3976 (136 mod 256): checksum (32 - 136) mod 256 = 152.
        assert_eq!(verdict(&right()[..BYTES as usize - 4]), [200, 0, 152]);
        let mut long = right();
        long.push(0);
        assert_eq!(verdict(&long), [200, 0, 32]);
        assert_eq!(verdict(&[]), [200, 0, 0]);
    }
}
