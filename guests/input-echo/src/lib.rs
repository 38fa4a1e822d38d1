//! Example guest `input-echo`: shows the input it receives, so a host can prove input reaches it.
//!
//! - Background: `PALETTE[k % 4]`, where `k` counts the key-down events received so far
//!   ((26, 26, 26), (0, 0, 160), (0, 120, 0), (160, 0, 0); all opaque).
//! - Marker: after the first pointer-down or pointer-move event, a white (255, 255, 255) square of
//!   `MARKER` × `MARKER` pixels centred on the latest pointer position (surface pixels, clipped to
//!   the surface). Pointer-up events are received and ignored.
//!
//! Every frame event draws the state as it is after all input that arrived before it. The marker
//! is a full-screen triangle drawn through a scissor rectangle, so no vertex data is needed.

use futures::stream::{select_all, StreamExt};
use webgpu_app::webgpu::{
    GpuColorTargetState, GpuFragmentState, GpuLayoutMode, GpuRenderPipeline,
    GpuRenderPipelineDescriptor, GpuShaderModuleDescriptor, GpuVertexState,
};
use webgpu_app::{rgb8, App, Guest};

/// Background colours, chosen by the number of key-down events modulo 4.
const PALETTE: [[u8; 3]; 4] = [[26, 26, 26], [0, 0, 160], [0, 120, 0], [160, 0, 0]];
/// Side of the marker square, pixels.
const MARKER: u32 = 16;

/// A full-screen triangle in white.
const SHADER: &str = r#"
@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    var corners = array<vec2<f32>, 3>(vec2<f32>(-1.0, -3.0), vec2<f32>(3.0, 1.0), vec2<f32>(-1.0, 1.0));
    return vec4<f32>(corners[index], 0.0, 1.0);
}

@fragment
fn fs_main() -> @location(0) vec4<f32> {
    return vec4<f32>(1.0, 1.0, 1.0, 1.0);
}
"#;

/// Everything the guest reacts to, merged into one stream.
enum Event {
    Frame,
    Pointer { x: f64, y: f64 },
    PointerUp,
    KeyDown,
}

struct InputEcho;

impl Guest for InputEcho {
    async fn start() {
        let app = App::new().await;
        let pipeline = create_pipeline(&app);
        let surface = app.surface();
        let mut events = select_all([
            app.frames()
                .into_stream()
                .map(|_| Event::Frame)
                .boxed_local(),
            surface
                .on_pointer_down()
                .into_stream()
                .map(|p| Event::Pointer { x: p.x, y: p.y })
                .boxed_local(),
            surface
                .on_pointer_move()
                .into_stream()
                .map(|p| Event::Pointer { x: p.x, y: p.y })
                .boxed_local(),
            surface
                .on_pointer_up()
                .into_stream()
                .map(|_| Event::PointerUp)
                .boxed_local(),
            surface
                .on_key_down()
                .into_stream()
                .map(|_| Event::KeyDown)
                .boxed_local(),
        ]);
        let mut keys: usize = 0;
        let mut pointer: Option<(f64, f64)> = None;
        while let Some(event) = events.next().await {
            match event {
                Event::KeyDown => keys += 1,
                Event::Pointer { x, y } => pointer = Some((x, y)),
                Event::PointerUp => {}
                Event::Frame => {
                    let [r, g, b] = PALETTE[keys % PALETTE.len()];
                    let rect = pointer
                        .and_then(|(x, y)| marker_rect(x, y, surface.width(), surface.height()));
                    app.render(rgb8(r, g, b), |pass| {
                        if let Some((x, y, w, h)) = rect {
                            pass.set_pipeline(&pipeline);
                            pass.set_scissor_rect(x, y, w, h);
                            pass.draw(3, None, None, None);
                        }
                    });
                }
            }
        }
    }
}

webgpu_app::export!(InputEcho);

/// The marker's scissor rectangle (x, y, width, height) centred on (px, py), clipped to the
/// surface; `None` when nothing of it is on the surface.
fn marker_rect(px: f64, py: f64, width: u32, height: u32) -> Option<(u32, u32, u32, u32)> {
    if !px.is_finite() || !py.is_finite() {
        return None;
    }
    let half = f64::from(MARKER / 2);
    let clamp = |v: f64, max: u32| v.floor().clamp(0.0, f64::from(max)) as u32;
    let (x0, x1) = (clamp(px - half, width), clamp(px + half, width));
    let (y0, y1) = (clamp(py - half, height), clamp(py + half, height));
    (x1 > x0 && y1 > y0).then(|| (x0, y0, x1 - x0, y1 - y0))
}

fn create_pipeline(app: &App) -> GpuRenderPipeline {
    let device = app.device();
    let module = device.create_shader_module(&GpuShaderModuleDescriptor {
        code: SHADER.to_string(),
        compilation_hints: None,
        label: Some("input-echo marker".to_string()),
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
        label: Some("input-echo marker".to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::marker_rect;

    #[test]
    fn the_marker_is_centred_and_clipped_to_the_surface() {
        assert_eq!(marker_rect(32.0, 32.0, 64, 64), Some((24, 24, 16, 16)));
        assert_eq!(marker_rect(2.0, 60.0, 64, 64), Some((0, 52, 10, 12)));
        assert_eq!(marker_rect(-100.0, 10.0, 64, 64), None);
        assert_eq!(marker_rect(f64::NAN, 10.0, 64, 64), None);
    }
}
