//! The client sandbox's GPU budget: what one component may hold of the GPU.
//!
//! - **Bounded limits.** The adapter and device the guest sees report `maxBufferSize` and
//!   `maxStorageBufferBindingSize` at most [`GpuBudget::bytes`], and `maxTextureDimension2D` at
//!   most [`GpuBudget::max_texture_dimension_2d`] (never above what the browser's adapter
//!   supports). `request-device` with a `required-limits` entry above that is refused as WebGPU
//!   refuses a limit above the adapter's: an `operation-error`. WebGPU cannot give a device limits
//!   below its defaults (256 MiB, 128 MiB, 8192), so under a smaller budget the device has the
//!   defaults and the bridge reports and enforces the smaller values itself.
//! - **Accounting.** Every `create-buffer` is charged its `size`; every `create-texture` the sum
//!   over its mip levels of width × height × depth-or-array-layers (each level halved, at least
//!   1; array layers are not halved) × bytes per texel × sample count — see [`texture_bytes`] for
//!   compressed and unknown formats. The charge is released once: at the resource's `destroy`,
//!   its drop (the guest dropped the handle; a handle is the only way a guest reaches an object),
//!   or its device's `destroy`, whichever comes first. The canvas's own textures
//!   (`get-current-texture`) are the browser's, bounded by the canvas, and are not charged.
//! - **Refusal.** A creation that would take the live bytes over the budget (or a 2D texture
//!   over the clamped dimension) is refused as WebGPU refuses an invalid descriptor: the guest
//!   still gets a handle, to an invalid object, and the device raises a validation error that
//!   the guest's error scopes or `on-uncaptured-error` see. The bridge makes WebGPU do it: the
//!   object is created with the guest's descriptor, but `usage` 0 (always invalid),
//!   `mappedAtCreation` false (no CPU memory for it) and a label saying it is the budget —
//!   [`MARKER`], the bytes asked, in use and allowed —, which WebGPU's message quotes.
//! - **Persisting.** The [`GpuBudget::refusals`]-th refusal (3 by default, counted since the
//!   bridge was made) and every one after it are reported through the bridge's failure path
//!   with reason `gpu-limit` and a message naming the budget and the bytes asked; the loader
//!   falls back to the server. The validation errors of refusals are never reported as
//!   `gpu-error` (the uncaptured-error watcher recognises [`MARKER`] in the message), so the
//!   fallback's reason is `gpu-limit` whatever the policy says about GPU errors.

use std::collections::HashMap;

use wasm_bindgen::{JsCast, JsValue};

use crate::call;

/// What the text of every refusal starts with (the invalid object's label, so WebGPU's error
/// message carries it).
pub(crate) const MARKER: &str = "gfx-bridge GPU budget";

/// The limits of one component's GPU use (give it to [`crate::Bridge::with_budget`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuBudget {
    /// Bytes of live buffers and textures; also the largest `maxBufferSize` and
    /// `maxStorageBufferBindingSize` the guest sees.
    pub bytes: u64,
    /// The largest `maxTextureDimension2D` the guest sees.
    pub max_texture_dimension_2d: u32,
    /// The refusal (1-based, since the bridge was made) from which the budget is reported as a
    /// `gpu-limit` failure.
    pub refusals: u32,
    /// The longest WGSL source `create-shader-module` takes, in bytes: a longer one ends the
    /// guest with a `gpu-limit` failure before the browser compiles anything (a shader compiler
    /// is not under the sandbox's cpu limit: it runs in the browser's GPU process).
    pub max_shader_bytes: usize,
}

impl GpuBudget {
    /// 512 MiB of buffers and textures.
    pub const DEFAULT_BYTES: u64 = 512 << 20;

    /// 1 MiB of WGSL (real shaders are tens of kilobytes).
    pub const DEFAULT_MAX_SHADER_BYTES: usize = 1 << 20;

    /// The default budget with `bytes` of buffers and textures (what the loader derives from the
    /// policy).
    pub const fn with_bytes(bytes: u64) -> Self {
        GpuBudget {
            bytes,
            max_texture_dimension_2d: 8192,
            refusals: 3,
            max_shader_bytes: Self::DEFAULT_MAX_SHADER_BYTES,
        }
    }
}

impl Default for GpuBudget {
    /// 512 MiB, `maxTextureDimension2D` 8192, fallback at the 3rd refusal.
    fn default() -> Self {
        GpuBudget::with_bytes(GpuBudget::DEFAULT_BYTES)
    }
}

/// The bytes one live resource is charged, and its device.
struct Charge {
    bytes: u64,
    device: JsValue,
}

/// A refused creation: the label for the invalid object, and the failure to report if the
/// refusals persist.
pub(crate) struct Refusal {
    pub label: String,
    pub failure: Option<String>,
}

/// The budget's state in [`crate::Shared`].
pub(crate) struct Budget {
    pub config: GpuBudget,
    used: u64,
    refused: u32,
    /// Resource rep → its charge.
    charges: HashMap<u32, Charge>,
}

impl Budget {
    pub fn new(config: GpuBudget) -> Self {
        Budget {
            config,
            used: 0,
            refused: 0,
            charges: HashMap::new(),
        }
    }

    /// Bytes charged to live resources.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// `None` if `bytes` more fit the budget; else the refusal (counted).
    pub fn admit(&mut self, what: &str, bytes: u64) -> Option<Refusal> {
        if self.used.saturating_add(bytes) <= self.config.bytes {
            return None;
        }
        let why = format!(
            "{what} of {bytes} bytes refused: {} of {} bytes in use",
            self.used, self.config.bytes
        );
        Some(self.refuse(why))
    }

    /// Counts a refusal for `why`.
    pub fn refuse(&mut self, why: String) -> Refusal {
        self.refused = self.refused.saturating_add(1);
        let n = self.refused;
        let failure = (n >= self.config.refusals.max(1)).then(|| {
            format!(
                "{MARKER} of {} bytes: {why} (refusal {n}; {} tolerated)",
                self.config.bytes,
                self.config.refusals.saturating_sub(1)
            )
        });
        Refusal {
            label: format!("{MARKER}: {why}"),
            failure,
        }
    }

    /// Charges resource `rep` (of `device`) `bytes`.
    pub fn charge(&mut self, rep: u32, bytes: u64, device: JsValue) {
        self.used = self.used.saturating_add(bytes);
        if let Some(old) = self.charges.insert(rep, Charge { bytes, device }) {
            self.used -= old.bytes; // a reused rep whose release was missed: never count twice
        }
    }

    /// Releases `rep`'s charge, if it still has one.
    pub fn release(&mut self, rep: u32) {
        if let Some(c) = self.charges.remove(&rep) {
            self.used -= c.bytes;
        }
    }

    /// Releases the charges of every resource of `device` (destroyed: so are they).
    pub fn release_device(&mut self, device: &JsValue) {
        let mut freed = 0;
        self.charges.retain(|_, c| {
            let mine = c.device == *device;
            if mine {
                freed += c.bytes;
            }
            !mine
        });
        self.used -= freed;
    }
}

/// `limits` (a `GPUSupportedLimits`) as a plain object with the same numbers, clamped to
/// `budget` (`maxBufferSize`, `maxStorageBufferBindingSize`, `maxTextureDimension2D`).
pub(crate) fn clamped_limits(limits: &JsValue, budget: &GpuBudget) -> JsValue {
    let out: JsValue = js_sys::Object::new().into();
    // The limits are attributes of the prototype (WebIDL); a plain object has them as its own.
    let proto = js_sys::Object::get_prototype_of(limits);
    let mut names = js_sys::Object::get_own_property_names(&proto).to_vec();
    names.extend(js_sys::Object::keys(limits.unchecked_ref::<js_sys::Object>()).to_vec());
    for name in names {
        if !name.is_string() {
            continue;
        }
        let v = js_sys::Reflect::get(limits, &name).unwrap_or_default();
        if v.as_f64().is_some() {
            let _ = js_sys::Reflect::set(&out, &name, &v);
        }
    }
    for (name, max) in clamps(budget) {
        if let Some(v) = call::get(&out, name).as_f64() {
            call::set(&out, name, &JsValue::from(v.min(max)));
        }
    }
    out
}

/// The limits the budget bounds, and their bounds.
pub(crate) fn clamps(budget: &GpuBudget) -> [(&'static str, f64); 3] {
    [
        ("maxBufferSize", budget.bytes as f64),
        ("maxStorageBufferBindingSize", budget.bytes as f64),
        (
            "maxTextureDimension2D",
            f64::from(budget.max_texture_dimension_2d),
        ),
    ]
}

/// Bytes per block and block width and height of texture format `format` (WebGPU's name).
/// Depth-stencil formats whose size WebGPU leaves to the implementation count as 8 bytes;
/// compressed formats as 16 bytes per 4×4 block (no compressed format is larger: BC1, BC4,
/// ETC2 RGB8 are 8, ASTC's bigger blocks are 16 bytes over more texels); an unknown format as
/// 16 bytes per texel (the largest uncompressed texel). Every estimate is at least the real size.
pub(crate) fn block(format: &str) -> (u64, u64) {
    const COMPRESSED: (u64, u64) = (16, 4);
    if format.starts_with("bc") || format.starts_with("etc2") || format.starts_with("eac") {
        return COMPRESSED;
    }
    if format.starts_with("astc") {
        return COMPRESSED;
    }
    let bytes = match format {
        "r8unorm" | "r8snorm" | "r8uint" | "r8sint" | "stencil8" => 1,
        "r16uint" | "r16sint" | "r16float" | "r16unorm" | "r16snorm" | "rg8unorm" | "rg8snorm"
        | "rg8uint" | "rg8sint" | "depth16unorm" => 2,
        "r32uint" | "r32sint" | "r32float" | "rg16uint" | "rg16sint" | "rg16float"
        | "rg16unorm" | "rg16snorm" | "rgba8unorm" | "rgba8unorm-srgb" | "rgba8snorm"
        | "rgba8uint" | "rgba8sint" | "bgra8unorm" | "bgra8unorm-srgb" | "rgb9e5ufloat"
        | "rgb10a2uint" | "rgb10a2unorm" | "rg11b10ufloat" | "depth24plus" | "depth32float" => 4,
        "depth24plus-stencil8" | "depth32float-stencil8" => 8,
        "rg32uint" | "rg32sint" | "rg32float" | "rgba16uint" | "rgba16sint" | "rgba16float"
        | "rgba16unorm" | "rgba16snorm" => 8,
        "rgba32uint" | "rgba32sint" | "rgba32float" => 16,
        _ => 16,
    };
    (bytes, 1)
}

/// The bytes a texture is charged: over its `mips` levels (at most 32 counted; WebGPU allows
/// fewer), `ceil(w_l / block) × ceil(h_l / block) × block bytes × d_l`, where `w_l = max(1,
/// width >> l)` (so `h_l`), and `d_l` halves likewise for a 3D texture but is the array-layer
/// count otherwise; times `samples`. Saturates at `u64::MAX`.
pub(crate) fn texture_bytes(
    format: &str,
    is_3d: bool,
    [width, height, depth]: [u32; 3],
    mips: u32,
    samples: u32,
) -> u64 {
    let (bytes, side) = block(format);
    let mut total: u64 = 0;
    for level in 0..mips.clamp(1, 32) {
        let w = u64::from((width >> level).max(1)).div_ceil(side);
        let h = u64::from((height >> level).max(1)).div_ceil(side);
        let d = if is_3d {
            (depth >> level).max(1)
        } else {
            depth.max(1)
        };
        let level_bytes = w
            .saturating_mul(h)
            .saturating_mul(u64::from(d))
            .saturating_mul(bytes);
        total = total.saturating_add(level_bytes);
    }
    total.saturating_mul(u64::from(samples.max(1)))
}
