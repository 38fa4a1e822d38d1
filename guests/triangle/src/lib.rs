//! Example guest `triangle`: one solid red triangle on a dark grey background, every frame.
//!
//! For every frame event the current texture is cleared to (26, 26, 26, 255) / 255 and one triangle
//! is drawn in opaque red (255, 0, 0, 255) / 255, with its vertices in clip space at (0, 0.5),
//! (-0.5, -0.5) and (0.5, -0.5): the centre of the surface is red, the corners are grey. There is no
//! vertex buffer; the vertex shader picks the corners by vertex index.

use webgpu_app::webgpu::{
    GpuColorTargetState, GpuFragmentState, GpuLayoutMode, GpuRenderPipeline,
    GpuRenderPipelineDescriptor, GpuShaderModuleDescriptor, GpuVertexState,
};
use webgpu_app::{rgb8, App, Guest};

/// Background: 26 / 255 on every colour channel (an opaque dark grey).
const BACKGROUND: u8 = 26;

/// Both shader stages. The fragment colour is opaque red.
const SHADER: &str = r#"
@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    var corners = array<vec2<f32>, 3>(
        vec2<f32>(0.0, 0.5),
        vec2<f32>(-0.5, -0.5),
        vec2<f32>(0.5, -0.5),
    );
    return vec4<f32>(corners[index], 0.0, 1.0);
}

@fragment
fn fs_main() -> @location(0) vec4<f32> {
    return vec4<f32>(1.0, 0.0, 0.0, 1.0);
}
"#;

struct Triangle;

impl Guest for Triangle {
    async fn start() {
        let app = App::new().await;
        let pipeline = create_pipeline(&app);
        let mut frames = app.frames();
        while frames.next().await.is_some() {
            app.render(rgb8(BACKGROUND, BACKGROUND, BACKGROUND), |pass| {
                pass.set_pipeline(&pipeline);
                pass.draw(3, None, None, None);
            });
        }
    }
}

webgpu_app::export!(Triangle);

/// The render pipeline: `SHADER`, triangle list (the default primitive state), no blending, drawing
/// into the context's format.
fn create_pipeline(app: &App) -> GpuRenderPipeline {
    let device = app.device();
    let module = device.create_shader_module(&GpuShaderModuleDescriptor {
        code: SHADER.to_string(),
        compilation_hints: None,
        label: Some("triangle".to_string()),
    });
    device.create_render_pipeline(GpuRenderPipelineDescriptor {
        vertex: GpuVertexState {
            buffers: None,
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
        layout: GpuLayoutMode::Auto,
        label: Some("triangle".to_string()),
    })
}
