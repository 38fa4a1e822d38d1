//! The client sandbox's GPU budget (`src/gpu/budget.rs`) against the browser's real WebGPU
//! (wasm-bindgen-test in headless Chromium with SwiftShader, flags in `webdriver.json`), with a
//! small budget (1 MiB): creations within it are charged, one beyond it is an invalid object whose
//! validation error the guest's error scope sees, destroy and drop release the bytes once,
//! textures are charged by size, format, mips and samples, the 3rd refusal is a `gpu-limit`
//! failure (and no refusal a `gpu-error`), and the adapter and device report clamped limits.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p gfx-bridge --target wasm32-unknown-unknown --test budget`.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use gfx_bridge::bindings::webgpu::*;
use gfx_bridge::{Bridge, Failure, GpuBudget};
use gfx_component::abi::Resource;
use wasm_bindgen_test::*;

mod common;
use common::{bridge, canvas, device};

wasm_bindgen_test_configure!(run_in_browser);

const MIB: u64 = 1 << 20;
/// What every refusal's text (and so WebGPU's message) says.
const MARKER: &str = "gfx-bridge GPU budget";

/// A bridge whose guest may hold 1 MiB of buffers and textures, 2D textures up to 1024.
fn small() -> Bridge {
    Bridge::with_budget(
        canvas(),
        GpuBudget {
            bytes: MIB,
            max_texture_dimension_2d: 1024,
            refusals: 3,
            max_shader_bytes: 4096,
        },
    )
}

fn buffer(b: &mut Bridge, device: &Resource<GpuDevice>, size: u64) -> Resource<GpuBuffer> {
    b.gpu_device_create_buffer(
        device.borrow(),
        GpuBufferDescriptor {
            size,
            usage: GpuBufferUsage::COPY_DST,
            mapped_at_creation: None,
            label: None,
        },
    )
    .expect("create-buffer")
}

fn texture(
    b: &mut Bridge,
    device: &Resource<GpuDevice>,
    [width, height]: [u32; 2],
    format: GpuTextureFormat,
    mips: u32,
) -> Resource<GpuTexture> {
    b.gpu_device_create_texture(
        device.borrow(),
        GpuTextureDescriptor {
            size: GpuExtent3D {
                width,
                height: Some(height),
                depth_or_array_layers: None,
            },
            mip_level_count: Some(mips),
            sample_count: None,
            dimension: None,
            format,
            usage: GpuTextureUsage::TEXTURE_BINDING | GpuTextureUsage::COPY_DST,
            view_formats: None,
            texture_binding_view_dimension: None,
            label: None,
        },
    )
    .expect("create-texture")
}

/// Runs `f` inside a validation error scope: the error it caught (its message), if any.
async fn caught<T>(
    b: &mut Bridge,
    device: &Resource<GpuDevice>,
    f: impl FnOnce(&mut Bridge) -> T,
) -> (T, Option<String>) {
    b.gpu_device_push_error_scope(device.borrow(), GpuErrorFilter::Validation)
        .expect("push-error-scope");
    let made = f(b);
    let error = b
        .gpu_device_pop_error_scope(device.borrow())
        .await
        .expect("pop-error-scope")
        .expect("a scope to pop");
    let message = error.map(|e| {
        assert_eq!(
            b.gpu_error_kind(e.borrow()).expect("kind"),
            GpuErrorKind::ValidationError
        );
        let m = b.gpu_error_message(e.borrow()).expect("message");
        b.gpu_error_drop(e);
        m
    });
    (made, message)
}

#[wasm_bindgen_test]
async fn a_buffer_beyond_the_budget_is_an_invalid_buffer_whose_error_an_error_scope_sees() {
    let mut b = small();
    let device = device(&mut b).await;
    let (_within, error) = caught(&mut b, &device, |b| buffer(b, &device, MIB / 2)).await;
    assert_eq!(error, None, "within the budget");
    assert_eq!(b.shared().gpu_bytes(), MIB / 2);

    let (beyond, error) = caught(&mut b, &device, |b| buffer(b, &device, MIB / 2 + 4)).await;
    let error = error.expect("a validation error for the buffer beyond the budget");
    assert!(error.contains(MARKER), "names the budget: {error}");
    assert!(error.contains(&(MIB / 2 + 4).to_string()), "{error}");
    assert_eq!(b.shared().gpu_bytes(), MIB / 2, "a refusal is not charged");
    // A handle all the same, to an object that keeps the size asked for.
    assert_eq!(
        b.gpu_buffer_size(beyond.borrow()).expect("size"),
        MIB / 2 + 4
    );
    assert_eq!(
        b.shared().failure(),
        None,
        "one refusal is not yet a failure"
    );
    // Exactly the budget fits.
    let (_rest, error) = caught(&mut b, &device, |b| buffer(b, &device, MIB / 2)).await;
    assert_eq!(error, None);
    assert_eq!(b.shared().gpu_bytes(), MIB);
}

#[wasm_bindgen_test]
async fn destroy_and_drop_release_a_buffers_bytes_once() {
    let mut b = small();
    let device = device(&mut b).await;
    let a = buffer(&mut b, &device, 3 * MIB / 4);
    let keep = buffer(&mut b, &device, MIB / 4);
    assert_eq!(b.shared().gpu_bytes(), MIB);
    let (_refused, error) = caught(&mut b, &device, |b| buffer(b, &device, MIB / 4)).await;
    assert!(error.is_some(), "the budget is full");

    b.gpu_buffer_destroy(a.borrow()).expect("destroy");
    assert_eq!(b.shared().gpu_bytes(), MIB / 4, "destroy releases");
    b.gpu_buffer_destroy(a.borrow()).expect("destroy again");
    b.gpu_buffer_drop(a);
    assert_eq!(b.shared().gpu_bytes(), MIB / 4, "released once");

    let (c, error) = caught(&mut b, &device, |b| buffer(b, &device, 3 * MIB / 4)).await;
    assert_eq!(error, None, "the released bytes are free again");
    assert_eq!(b.shared().gpu_bytes(), MIB);
    b.gpu_buffer_drop(c);
    assert_eq!(b.shared().gpu_bytes(), MIB / 4, "a drop releases");
    let (_d, error) = caught(&mut b, &device, |b| buffer(b, &device, 3 * MIB / 4)).await;
    assert_eq!(error, None);

    // A destroyed device's buffers are gone too.
    b.gpu_device_destroy(device.borrow())
        .expect("destroy the device");
    assert_eq!(b.shared().gpu_bytes(), 0);
    b.gpu_buffer_drop(keep);
    assert_eq!(b.shared().gpu_bytes(), 0);
}

#[wasm_bindgen_test]
async fn textures_are_charged_by_size_format_mips_and_samples() {
    let mut b = small();
    let device = device(&mut b).await;
    let t = texture(&mut b, &device, [64, 64], GpuTextureFormat::Rgba8unorm, 1);
    assert_eq!(b.shared().gpu_bytes(), 64 * 64 * 4);
    b.gpu_texture_destroy(t.borrow()).expect("destroy");
    b.gpu_texture_drop(t);
    assert_eq!(b.shared().gpu_bytes(), 0);

    // 64, 32, …, 1: 4096 + 1024 + 256 + 64 + 16 + 4 + 1 texels.
    let mipped = texture(&mut b, &device, [64, 64], GpuTextureFormat::Rgba8unorm, 7);
    assert_eq!(b.shared().gpu_bytes(), 4 * 5461);
    b.gpu_texture_drop(mipped);
    // Multisampled: times the sample count.
    let ms = b
        .gpu_device_create_texture(
            device.borrow(),
            GpuTextureDescriptor {
                size: GpuExtent3D {
                    width: 32,
                    height: Some(32),
                    depth_or_array_layers: None,
                },
                mip_level_count: None,
                sample_count: Some(4),
                dimension: Some(GpuTextureDimension::D2),
                format: GpuTextureFormat::Rgba8unorm,
                usage: GpuTextureUsage::RENDER_ATTACHMENT,
                view_formats: None,
                texture_binding_view_dimension: None,
                label: None,
            },
        )
        .expect("create-texture");
    assert_eq!(b.shared().gpu_bytes(), 32 * 32 * 4 * 4);
    b.gpu_texture_drop(ms);
    assert_eq!(b.shared().gpu_bytes(), 0);

    // 256 × 256 rgba32float is 1 MiB: with 64 KiB in use, beyond the budget.
    let _small = buffer(&mut b, &device, 64 << 10);
    let (big, error) = caught(&mut b, &device, |b| {
        texture(b, &device, [256, 256], GpuTextureFormat::Rgba32float, 1)
    })
    .await;
    let error = error.expect("a validation error for the texture beyond the budget");
    assert!(error.contains(MARKER), "names the budget: {error}");
    assert!(error.contains(&MIB.to_string()), "{error}");
    assert_eq!(b.gpu_texture_width(big.borrow()).expect("width"), 256);
    assert_eq!(b.shared().gpu_bytes(), 64 << 10);
    // A 2D texture wider than the clamped dimension is refused however small it is.
    let (_wide, error) = caught(&mut b, &device, |b| {
        texture(b, &device, [2048, 1], GpuTextureFormat::R8unorm, 1)
    })
    .await;
    let error = error.expect("a validation error for the texture beyond maxTextureDimension2D");
    assert!(error.contains("maxTextureDimension2D"), "{error}");
}

#[wasm_bindgen_test]
async fn the_third_refusal_is_a_gpu_limit_failure_and_no_refusal_is_a_gpu_error() {
    let mut b = small();
    let failures: Rc<RefCell<Vec<Failure>>> = Rc::default();
    let f = Rc::clone(&failures);
    b.shared()
        .on_failure(move |failure| f.borrow_mut().push(failure.clone()));
    let device = device(&mut b).await;
    // An invalid call of the guest's own (within the budget: a 16-byte buffer with usage
    // MAP_READ | MAP_WRITE), whose error is a gpu-error.
    let _invalid = b
        .gpu_device_create_buffer(
            device.borrow(),
            GpuBufferDescriptor {
                size: 16,
                usage: GpuBufferUsage::MAP_READ | GpuBufferUsage::MAP_WRITE,
                mapped_at_creation: None,
                label: None,
            },
        )
        .expect("create-buffer");
    let _kept = buffer(&mut b, &device, MIB - 16);
    // No error scope: the refusals' errors are uncaptured.
    let _first = buffer(&mut b, &device, 64 * MIB);
    let _second = buffer(&mut b, &device, 64 * MIB);
    assert_eq!(
        b.shared().failure(),
        None,
        "two refusals are not yet a failure"
    );
    let _third = buffer(&mut b, &device, 64 * MIB);
    let failure = b.shared().failure().expect("the third refusal fails");
    assert_eq!(failure.reason, "gpu-limit", "{failure:?}");
    assert!(
        failure.message.contains(&MIB.to_string())
            && failure.message.contains(&(64 * MIB).to_string()),
        "names the budget and the bytes asked: {failure:?}"
    );
    // Once the uncaptured errors are delivered (Chrome does when it next processes the device's
    // events), the guest's own invalid call is the only gpu-error.
    let queue = b.gpu_device_queue(device.borrow()).expect("queue");
    for _ in 0..3 {
        b.gpu_queue_on_submitted_work_done(queue.borrow())
            .await
            .expect("on-submitted-work-done");
    }
    let failures = failures.borrow();
    let reasons: Vec<_> = failures.iter().map(|f| f.reason).collect();
    assert_eq!(reasons, ["gpu-limit", "gpu-error"], "{failures:?}");
    assert!(!failures[1].message.contains(MARKER), "{failures:?}");
}

#[wasm_bindgen_test]
async fn the_adapter_and_device_report_limits_clamped_to_the_budget() {
    let mut b = small();
    let gpu = b.get_gpu().expect("get-gpu");
    let adapter = b
        .gpu_request_adapter(gpu.borrow(), None)
        .await
        .expect("request-adapter")
        .expect("an adapter");
    let limits = b.gpu_adapter_limits(adapter.borrow()).expect("limits");
    let l = limits.borrow();
    assert_eq!(b.gpu_supported_limits_max_buffer_size(l).expect("max"), MIB);
    assert_eq!(
        b.gpu_supported_limits_max_storage_buffer_binding_size(l)
            .expect("max"),
        MIB
    );
    assert_eq!(
        b.gpu_supported_limits_max_texture_dimension2_d(l)
            .expect("max"),
        1024
    );
    assert!(
        b.gpu_supported_limits_max_bind_groups(l).expect("max") >= 4,
        "the other limits are the adapter's"
    );
    b.gpu_supported_limits_drop(limits);

    // Asking for more than the clamp is refused as a limit above the adapter's is.
    let required = b.record_option_gpu_size64_new().expect("record");
    b.record_option_gpu_size64_add(required.borrow(), "maxBufferSize".into(), Some(2 * MIB))
        .expect("add");
    let descriptor = |required_limits| GpuDeviceDescriptor {
        required_features: None,
        required_limits: Some(required_limits),
        default_queue: None,
        label: None,
    };
    let e = b
        .gpu_adapter_request_device(adapter.borrow(), Some(descriptor(required)))
        .await
        .expect("request-device")
        .expect_err("more than the budget allows");
    assert_eq!(e.kind, RequestDeviceErrorKind::OperationError);
    assert!(
        e.message.contains("maxBufferSize") && e.message.contains(MARKER),
        "{}",
        e.message
    );

    // Asking for the clamp is fine, and the device reports it.
    let required = b.record_option_gpu_size64_new().expect("record");
    b.record_option_gpu_size64_add(required.borrow(), "maxBufferSize".into(), Some(MIB))
        .expect("add");
    let device = b
        .gpu_adapter_request_device(adapter.borrow(), Some(descriptor(required)))
        .await
        .expect("request-device")
        .expect("a device");
    let limits = b.gpu_device_limits(device.borrow()).expect("limits");
    let l = limits.borrow();
    assert_eq!(b.gpu_supported_limits_max_buffer_size(l).expect("max"), MIB);
    assert_eq!(
        b.gpu_supported_limits_max_storage_buffer_binding_size(l)
            .expect("max"),
        MIB
    );
    assert_eq!(
        b.gpu_supported_limits_max_texture_dimension2_d(l)
            .expect("max"),
        1024
    );
    b.gpu_supported_limits_drop(limits);
}

#[wasm_bindgen_test]
async fn a_shader_longer_than_the_limit_ends_the_guest_with_gpu_limit_before_compiling() {
    let mut b = small();
    let device = device(&mut b).await;
    let module = |b: &mut Bridge, code: String| {
        b.gpu_device_create_shader_module(
            device.borrow(),
            GpuShaderModuleDescriptor {
                code,
                compilation_hints: None,
                label: None,
            },
        )
    };
    // At the limit: compiled as usual.
    let head = "@compute @workgroup_size(1) fn main() {}\n";
    let fits = format!("{head}{}", " ".repeat(4096 - head.len()));
    module(&mut b, fits).expect("a shader at the limit");
    assert_eq!(b.shared().failure(), None);
    // One byte over: a trap naming the function and the limit, and a gpu-limit failure.
    let Err(trap) = module(&mut b, "/".repeat(4097)) else {
        panic!("a shader over the limit was created");
    };
    assert!(
        trap.0.contains("[method]gpu-device.create-shader-module")
            && trap.0.contains("4097")
            && trap.0.contains("4096"),
        "{trap:?}"
    );
    let failure = b.shared().failure().expect("a failure");
    assert_eq!(failure.reason, "gpu-limit", "{failure:?}");
}

#[wasm_bindgen_test]
fn the_default_budget_is_512_mib() {
    let b = bridge();
    assert_eq!(b.shared().gpu_budget(), GpuBudget::default());
    assert_eq!(GpuBudget::default().bytes, 512 * MIB);
    assert_eq!(b.shared().gpu_bytes(), 0);
}
