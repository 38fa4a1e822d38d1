//! Example guest `textured-quad`: a 4 × 4 checkerboard texture on a quad, tinted by a uniform.
//!
//! It exercises textures, samplers, buffers and bind groups with an explicit layout:
//!
//! - a 4 × 4 `rgba8unorm` texture filled with `queue.write-texture-with-copy`: texel (i, j) (column
//!   `i`, row `j`, row 0 at the top) is `TEXEL_A` = (255, 255, 0, 255) when `i + j` is even and
//!   `TEXEL_B` = (0, 255, 255, 255) when it is odd;
//! - a sampler with nearest filtering (clamp to edge);
//! - a uniform buffer written with `queue.write-buffer-with-copy`: the fragment colour is
//!   `texel * scale + offset` with `scale` = (224, 160, 96, 255) / 255 and `offset` =
//!   (16, 32, 64, 0) / 255;
//! - a bind group layout (texture, sampler, uniform; fragment stage), a pipeline layout made of it
//!   and a bind group — no `auto` layout;
//! - a vertex buffer with a quad as two triangles (position and texture coordinate per vertex),
//!   bound with `set-vertex-buffer` and drawn with `draw(6)`.
//!
//! Every texel channel is 0 or 1, so `texel * scale + offset` is `offset` or `scale + offset`
//! exactly: even texels show `COLOUR_A` = (240, 192, 64, 255), odd texels `COLOUR_B` =
//! (16, 192, 160, 255). The quad covers clip space [-0.5, 0.5]², the middle half of the surface in
//! each direction; the rest is cleared to `BACKGROUND` = (26, 26, 26, 255). No blending, nothing
//! changes between frames: every frame is identical. See guests/README.md for the exact pixels.

use webgpu_app::webgpu::{
    GpuAddressMode, GpuBindGroup, GpuBindGroupDescriptor, GpuBindGroupEntry,
    GpuBindGroupLayoutDescriptor, GpuBindGroupLayoutEntry, GpuBindingResource, GpuBuffer,
    GpuBufferBinding, GpuBufferBindingLayout, GpuBufferBindingType, GpuBufferDescriptor,
    GpuBufferUsage, GpuColorTargetState, GpuExtent3D, GpuFilterMode, GpuFragmentState,
    GpuLayoutMode, GpuMipmapFilterMode, GpuPipelineLayoutDescriptor, GpuRenderPipeline,
    GpuRenderPipelineDescriptor, GpuSamplerBindingLayout, GpuSamplerBindingType,
    GpuSamplerDescriptor, GpuShaderModuleDescriptor, GpuShaderStage, GpuTexelCopyBufferLayout,
    GpuTexelCopyTextureInfo, GpuTextureBindingLayout, GpuTextureDescriptor, GpuTextureDimension,
    GpuTextureFormat, GpuTextureSampleType, GpuTextureUsage, GpuTextureViewDimension,
    GpuVertexAttribute, GpuVertexBufferLayout, GpuVertexFormat, GpuVertexState,
};
use webgpu_app::{rgb8, App, Guest};

/// Background: 26 / 255 on every colour channel (an opaque dark grey), as in `triangle`.
const BACKGROUND: u8 = 26;
/// Side of the checkerboard texture, texels.
const SIDE: u32 = 4;
/// Texel (i, j) with `i + j` even, RGBA8.
const TEXEL_A: [u8; 4] = [255, 255, 0, 255];
/// Texel (i, j) with `i + j` odd, RGBA8.
const TEXEL_B: [u8; 4] = [0, 255, 255, 255];
/// The uniform's `scale`, 8-bit (each channel is `k / 255` on the GPU).
const SCALE: [u8; 4] = [224, 160, 96, 255];
/// The uniform's `offset`, 8-bit.
const OFFSET: [u8; 4] = [16, 32, 64, 0];

/// The quad: two triangles covering clip space [-0.5, 0.5]², as (x, y, u, v) per vertex, with
/// texture coordinate (0, 0) at the top-left corner (clip (-0.5, 0.5)) and (1, 1) at the bottom-right.
const QUAD: [[f32; 4]; 6] = [
    [-0.5, 0.5, 0.0, 0.0],
    [-0.5, -0.5, 0.0, 1.0],
    [0.5, -0.5, 1.0, 1.0],
    [-0.5, 0.5, 0.0, 0.0],
    [0.5, -0.5, 1.0, 1.0],
    [0.5, 0.5, 1.0, 0.0],
];
/// Bytes per vertex of `QUAD`: four `f32`s.
const VERTEX_STRIDE: u64 = 16;

/// Both stages. The fragment colour is `texel * scale + offset` (nearest sampling, no blending).
const SHADER: &str = r#"
struct Tint {
    scale: vec4<f32>,
    offset: vec4<f32>,
}

@group(0) @binding(0) var checker: texture_2d<f32>;
@group(0) @binding(1) var checker_sampler: sampler;
@group(0) @binding(2) var<uniform> tint: Tint;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

@vertex
fn vs_main(@location(0) position: vec2<f32>, @location(1) uv: vec2<f32>) -> VertexOut {
    return VertexOut(vec4<f32>(position, 0.0, 1.0), uv);
}

@fragment
fn fs_main(v: VertexOut) -> @location(0) vec4<f32> {
    return textureSample(checker, checker_sampler, v.uv) * tint.scale + tint.offset;
}
"#;

struct TexturedQuad;

impl Guest for TexturedQuad {
    async fn start() {
        let app = App::new().await;
        let scene = Scene::new(&app);
        let mut frames = app.frames();
        while frames.next().await.is_some() {
            app.render(rgb8(BACKGROUND, BACKGROUND, BACKGROUND), |pass| {
                pass.set_pipeline(&scene.pipeline);
                pass.set_bind_group(0, Some(&scene.bind_group), None, None, None)
                    .expect("wasi:webgpu set-bind-group(0) without dynamic offsets failed");
                pass.set_vertex_buffer(0, Some(&scene.vertices), None, None);
                pass.draw(QUAD.len() as u32, None, None, None);
            });
        }
    }
}

webgpu_app::export!(TexturedQuad);

/// What every frame draws with; created once in `start`.
struct Scene {
    pipeline: GpuRenderPipeline,
    bind_group: GpuBindGroup,
    vertices: GpuBuffer,
}

impl Scene {
    /// Creates and fills the texture, sampler, uniform and vertex buffers, the explicit layouts,
    /// the bind group and the pipeline.
    fn new(app: &App) -> Self {
        let device = app.device();
        let queue = device.queue();

        let texture = device.create_texture(&GpuTextureDescriptor {
            size: GpuExtent3D {
                width: SIDE,
                height: Some(SIDE),
                depth_or_array_layers: Some(1),
            },
            mip_level_count: None,
            sample_count: None,
            dimension: Some(GpuTextureDimension::D2),
            format: GpuTextureFormat::Rgba8unorm,
            usage: GpuTextureUsage::TEXTURE_BINDING | GpuTextureUsage::COPY_DST,
            view_formats: None,
            texture_binding_view_dimension: None,
            label: Some("checker".to_string()),
        });
        queue.write_texture_with_copy(
            &GpuTexelCopyTextureInfo {
                texture: &texture,
                mip_level: None,
                origin: None,
                aspect: None,
            },
            &checker_texels(),
            GpuTexelCopyBufferLayout {
                offset: None,
                bytes_per_row: Some(SIDE * 4),
                rows_per_image: Some(SIDE),
            },
            GpuExtent3D {
                width: SIDE,
                height: Some(SIDE),
                depth_or_array_layers: Some(1),
            },
        );
        let view = texture.create_view(None);

        let sampler = device.create_sampler(Some(&GpuSamplerDescriptor {
            address_mode_u: Some(GpuAddressMode::ClampToEdge),
            address_mode_v: Some(GpuAddressMode::ClampToEdge),
            address_mode_w: Some(GpuAddressMode::ClampToEdge),
            mag_filter: Some(GpuFilterMode::Nearest),
            min_filter: Some(GpuFilterMode::Nearest),
            mipmap_filter: Some(GpuMipmapFilterMode::Nearest),
            lod_min_clamp: None,
            lod_max_clamp: None,
            compare: None,
            max_anisotropy: None,
            label: Some("checker".to_string()),
        }));

        let tint = tint_bytes();
        let uniform = device.create_buffer(&GpuBufferDescriptor {
            size: tint.len() as u64,
            usage: GpuBufferUsage::UNIFORM | GpuBufferUsage::COPY_DST,
            mapped_at_creation: None,
            label: Some("tint".to_string()),
        });
        queue
            .write_buffer_with_copy(&uniform, 0, &tint, None, None)
            .expect("wasi:webgpu write-buffer-with-copy (uniform) failed");

        let quad = quad_bytes();
        let vertices = device.create_buffer(&GpuBufferDescriptor {
            size: quad.len() as u64,
            usage: GpuBufferUsage::VERTEX | GpuBufferUsage::COPY_DST,
            mapped_at_creation: None,
            label: Some("quad".to_string()),
        });
        queue
            .write_buffer_with_copy(&vertices, 0, &quad, None, None)
            .expect("wasi:webgpu write-buffer-with-copy (vertices) failed");

        let fragment = GpuShaderStage::FRAGMENT;
        let bind_group_layout = device.create_bind_group_layout(&GpuBindGroupLayoutDescriptor {
            entries: vec![
                GpuBindGroupLayoutEntry {
                    binding: 0,
                    visibility: fragment,
                    buffer: None,
                    sampler: None,
                    texture: Some(GpuTextureBindingLayout {
                        sample_type: Some(GpuTextureSampleType::Float),
                        view_dimension: Some(GpuTextureViewDimension::D2),
                        multisampled: Some(false),
                    }),
                    storage_texture: None,
                },
                GpuBindGroupLayoutEntry {
                    binding: 1,
                    visibility: fragment,
                    buffer: None,
                    sampler: Some(GpuSamplerBindingLayout {
                        type_: Some(GpuSamplerBindingType::Filtering),
                    }),
                    texture: None,
                    storage_texture: None,
                },
                GpuBindGroupLayoutEntry {
                    binding: 2,
                    visibility: fragment,
                    buffer: Some(GpuBufferBindingLayout {
                        type_: Some(GpuBufferBindingType::Uniform),
                        has_dynamic_offset: Some(false),
                        min_binding_size: Some(tint.len() as u64),
                    }),
                    sampler: None,
                    texture: None,
                    storage_texture: None,
                },
            ],
            label: Some("textured-quad".to_string()),
        });
        let bind_group = device.create_bind_group(&GpuBindGroupDescriptor {
            layout: &bind_group_layout,
            entries: vec![
                GpuBindGroupEntry {
                    binding: 0,
                    resource: GpuBindingResource::GpuTextureView(&view),
                },
                GpuBindGroupEntry {
                    binding: 1,
                    resource: GpuBindingResource::GpuSampler(&sampler),
                },
                GpuBindGroupEntry {
                    binding: 2,
                    resource: GpuBindingResource::GpuBufferBinding(GpuBufferBinding {
                        buffer: &uniform,
                        offset: None,
                        size: None,
                    }),
                },
            ],
            label: Some("textured-quad".to_string()),
        });
        let pipeline_layout = device.create_pipeline_layout(&GpuPipelineLayoutDescriptor {
            bind_group_layouts: vec![Some(&bind_group_layout)],
            immediate_size: None,
            label: Some("textured-quad".to_string()),
        });

        let module = device.create_shader_module(&GpuShaderModuleDescriptor {
            code: SHADER.to_string(),
            compilation_hints: None,
            label: Some("textured-quad".to_string()),
        });
        let pipeline = device.create_render_pipeline(GpuRenderPipelineDescriptor {
            vertex: GpuVertexState {
                buffers: Some(vec![Some(GpuVertexBufferLayout {
                    array_stride: VERTEX_STRIDE,
                    step_mode: None,
                    attributes: vec![
                        GpuVertexAttribute {
                            format: GpuVertexFormat::Float32x2,
                            offset: 0,
                            shader_location: 0,
                        },
                        GpuVertexAttribute {
                            format: GpuVertexFormat::Float32x2,
                            offset: 8,
                            shader_location: 1,
                        },
                    ],
                })]),
                module: &module,
                entry_point: Some("vs_main".to_string()),
                constants: None,
            },
            primitive: None,
            depth_stencil: None,
            multisample: None,
            fragment: Some(GpuFragmentState {
                targets: vec![Some(GpuColorTargetState {
                    format: app.format(),
                    blend: None,
                    write_mask: None,
                })],
                module: &module,
                entry_point: Some("fs_main".to_string()),
                constants: None,
            }),
            layout: GpuLayoutMode::Specific(&pipeline_layout),
            label: Some("textured-quad".to_string()),
        });

        Scene {
            pipeline,
            bind_group,
            vertices,
        }
    }
}

/// The texture's bytes: `SIDE` rows of `SIDE` RGBA8 texels, top row first.
fn checker_texels() -> Vec<u8> {
    (0..SIDE * SIDE)
        .flat_map(|k| {
            let (i, j) = (k % SIDE, k / SIDE);
            if (i + j) % 2 == 0 {
                TEXEL_A
            } else {
                TEXEL_B
            }
        })
        .collect()
}

/// The uniform's bytes: `scale` then `offset`, each a `vec4<f32>` of `k / 255`, little-endian.
fn tint_bytes() -> Vec<u8> {
    SCALE
        .iter()
        .chain(&OFFSET)
        .flat_map(|&k| (f32::from(k) / 255.0).to_le_bytes())
        .collect()
}

/// The vertex buffer's bytes: `QUAD`, little-endian `f32`s.
fn quad_bytes() -> Vec<u8> {
    QUAD.iter()
        .flatten()
        .flat_map(|x| x.to_le_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the fragment shader computes for one texel, rounded to 8 bits as a unorm target does.
    fn shade(texel: [u8; 4]) -> [u8; 4] {
        let unorm = |k: u8| f32::from(k) / 255.0;
        let mut out = [0; 4];
        for c in 0..4 {
            let v = unorm(texel[c]) * unorm(SCALE[c]) + unorm(OFFSET[c]);
            out[c] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        }
        out
    }

    #[test]
    fn the_documented_colours_are_exact() {
        assert_eq!(shade(TEXEL_A), [240, 192, 64, 255]);
        assert_eq!(shade(TEXEL_B), [16, 192, 160, 255]);
        // Exact, not just rounded: every texel channel is 0 or 1.
        for texel in [TEXEL_A, TEXEL_B] {
            assert!(texel.iter().all(|&k| k == 0 || k == 255));
        }
    }

    #[test]
    fn the_texture_is_a_checkerboard_starting_with_a() {
        let texels = checker_texels();
        assert_eq!(texels.len(), 64);
        let at = |i: usize, j: usize| &texels[(j * 4 + i) * 4..][..4];
        assert_eq!(at(0, 0), TEXEL_A);
        assert_eq!(at(1, 0), TEXEL_B);
        assert_eq!(at(0, 1), TEXEL_B);
        assert_eq!(at(3, 3), TEXEL_A);
    }

    #[test]
    fn buffers_have_the_layout_the_shader_expects() {
        assert_eq!(tint_bytes().len(), 32);
        assert_eq!(&tint_bytes()[12..16], &1.0f32.to_le_bytes());
        assert_eq!(quad_bytes().len(), QUAD.len() * VERTEX_STRIDE as usize);
    }
}
