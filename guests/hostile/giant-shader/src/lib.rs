//! Hostile guest `hostile-giant-shader`: renders like `animated-clear` for frames 0 and 1, then,
//! on frame 2, asks for a shader module of 8 MiB of WGSL (one small compute entry point under
//! 8 MiB of comment lines), and goes on drawing.
//!
//! A shader compiler is not under a sandbox's cpu limit (a browser compiles in its GPU process), so
//! a host bounds the source instead: the browser's bridge refuses it (the guest ends with reason
//! `gpu-limit`); the render server, which compiles with naga on its own CPU budget, may take it.

use webgpu_app::webgpu::GpuShaderModuleDescriptor;
use webgpu_app::{rgb8, App, Guest};

/// The frame event on which the guest asks for the shader (0-based: the 3rd event).
const ASK_AT: u64 = 2;

/// Bytes of WGSL.
const SIZE: usize = 8 << 20;

/// 8 MiB of WGSL: an entry point, then comment lines.
fn giant_wgsl() -> String {
    let mut code = String::with_capacity(SIZE);
    code.push_str("@compute @workgroup_size(1) fn main() {}\n");
    let line = "// hostile-giant-shader: a comment line to make the source large\n";
    while code.len() + line.len() <= SIZE {
        code.push_str(line);
    }
    code
}

struct GiantShader;

impl Guest for GiantShader {
    async fn start() {
        let app = App::new().await;
        let mut frames = app.frames();
        let mut n: u64 = 0;
        while frames.next().await.is_some() {
            if n == ASK_AT {
                let _module = app
                    .device()
                    .create_shader_module(&GpuShaderModuleDescriptor {
                        code: giant_wgsl(),
                        compilation_hints: None,
                        label: Some("hostile-giant-shader".into()),
                    });
            }
            let s = ((n % 16) * 16) as u8;
            app.render(rgb8(s, 64, 255 - s), |_pass| {});
            n += 1;
        }
    }
}

webgpu_app::export!(GiantShader);

#[cfg(test)]
mod tests {
    #[test]
    fn the_shader_is_8_mib_or_just_under() {
        let code = super::giant_wgsl();
        assert!(code.len() <= super::SIZE && code.len() > super::SIZE - 128);
    }
}
