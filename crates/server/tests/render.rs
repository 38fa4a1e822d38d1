//! The render core on real guests and real lavapipe: exact pixels, isolation of hostile guests.

mod common;

use std::time::Duration;

use gfx_render_server::render::host::GuestLimits;
use gfx_render_server::render::{RenderEngine, RenderError, RunSpec};

const FRAME_TIMEOUT: Duration = Duration::from_secs(30);

fn spec(width: u32, height: u32) -> RunSpec {
    RunSpec {
        width,
        height,
        limits: GuestLimits {
            memory: 256 << 20,
            // Generous: the first activation (adapter, device, pipelines on lavapipe) can take
            // over a second on a loaded 2-core machine, and the epoch deadline counts wall time;
            // the spinning guests spin forever, so they still end with `cpu-limit`.
            cpu: Duration::from_secs(4),
        },
        label: "test".into(),
    }
}

fn animated_clear_colour(n: u64) -> [u8; 4] {
    let s = (16 * n % 256) as u8;
    [s, 64, 255 - s, 255]
}

#[tokio::test(flavor = "multi_thread")]
async fn animated_clear_frame_n_has_the_guest_formula_colour() {
    let engine = RenderEngine::new().unwrap();
    let component = engine.compile(&common::guest("animated-clear")).unwrap();
    let mut run = engine.spawn(&component, spec(64, 48)).unwrap();
    for n in 0..18u64 {
        let frame = run.nth_frame(0, FRAME_TIMEOUT).await.unwrap();
        assert_eq!((frame.width, frame.height), (64, 48));
        for (x, y) in [(0, 0), (63, 47), (32, 24)] {
            assert_eq!(
                frame.pixel(x, y),
                Some(animated_clear_colour(n)),
                "frame {n} at ({x},{y})"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn triangle_is_red_in_the_centre_and_grey_in_the_corners() {
    let engine = RenderEngine::new().unwrap();
    let component = engine.compile(&common::guest("triangle")).unwrap();
    let mut run = engine.spawn(&component, spec(128, 96)).unwrap();
    let frame = run.nth_frame(2, FRAME_TIMEOUT).await.unwrap();
    assert_eq!(frame.pixel(64, 48), Some([255, 0, 0, 255]));
    for (x, y) in [(0, 0), (127, 0), (0, 95), (127, 95), (64, 10), (64, 90)] {
        assert_eq!(frame.pixel(x, y), Some([26, 26, 26, 255]), "({x},{y})");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_spinning_at_frame_five_ends_with_cpu_limit() {
    let engine = RenderEngine::new().unwrap();
    let component = engine.compile(&common::guest("hostile-spin")).unwrap();
    let mut run = engine.spawn(&component, spec(32, 32)).unwrap();
    for n in 0..5 {
        let frame = run.nth_frame(0, FRAME_TIMEOUT).await.unwrap();
        assert_eq!(frame.pixel(0, 0), Some(animated_clear_colour(n)));
    }
    let err = run.nth_frame(0, FRAME_TIMEOUT).await.unwrap_err();
    assert!(matches!(err, RenderError::CpuLimit { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_spinning_in_start_ends_with_cpu_limit() {
    let engine = RenderEngine::new().unwrap();
    let component = engine
        .compile(&common::guest("hostile-spin-in-start"))
        .unwrap();
    let mut run = engine.spawn(&component, spec(32, 32)).unwrap();
    let err = run.nth_frame(0, FRAME_TIMEOUT).await.unwrap_err();
    assert_eq!(err.code(), "cpu-limit", "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_memory_bomb_ends_with_memory_limit() {
    let engine = RenderEngine::new().unwrap();
    let component = engine
        .compile(&common::guest("hostile-memory-bomb"))
        .unwrap();
    // A small memory cap and a generous CPU limit: touching memory takes wall-clock time (the
    // epoch deadline counts it), which a loaded machine stretches; the memory cap must come first.
    let mut limited = spec(32, 32);
    limited.limits = GuestLimits {
        memory: 48 << 20,
        cpu: Duration::from_secs(20),
    };
    let mut run = engine.spawn(&component, limited).unwrap();
    let err = run.nth_frame(0, FRAME_TIMEOUT).await.unwrap_err();
    assert_eq!(err.code(), "memory-limit", "{err:?}");
}

/// A valid 79-byte component on which wasmparser's validator asserts (`prev.is_none()` in
/// `register_type_renamings`; see crates/trust/tests/common/components.rs): compiling it must end
/// in a result, not a panic.
#[tokio::test(flavor = "multi_thread")]
async fn a_component_the_parser_chokes_on_is_refused_not_a_panic() {
    let bytes = hex::decode(
        "0061736d0d00010007180142030140000100040002653003000004000265310300000a060100016905000418\
         0061736d0d000100060501030201000a07010002696e050005090100000102696e0500",
    )
    .unwrap();
    let engine = RenderEngine::new().unwrap();
    if let Err(err) = engine.compile(&bytes) {
        assert_eq!(err.code(), "component-invalid", "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_does_not_compile() {
    let engine = RenderEngine::new().unwrap();
    let err = engine.compile(b"\0asm\x0d\0\x01\0garbage").unwrap_err();
    assert_eq!(err.code(), "component-invalid");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_frame_buffer_guest_presents_its_cpu_pixels() {
    let engine = RenderEngine::new().unwrap();
    let component = engine.compile(&common::guest("cpu-gradient")).unwrap();
    let mut run = engine.spawn(&component, spec(300, 20)).unwrap();
    for n in 0..3u64 {
        let frame = run.nth_frame(0, FRAME_TIMEOUT).await.unwrap();
        assert_eq!((frame.width, frame.height), (300, 20));
        let blue = (16 * n % 256) as u8;
        for (x, y) in [(0u32, 0u32), (5, 1), (260, 19), (299, 7)] {
            let expected = [(x % 256) as u8, (y % 256) as u8, blue, 255];
            assert_eq!(frame.pixel(x, y), Some(expected), "frame {n} ({x},{y})");
        }
    }
}
