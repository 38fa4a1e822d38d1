//! `wasi:webgpu@0.3.0-rc.2` on the browser's WebGPU: one host trait per WIT resource, grouped
//! in modules by what the objects are for —
//!
//! - here: `get-gpu`, `gpu`, the adapter and what it reports;
//! - [`device`]: the device, its `create-*` functions, errors and loss;
//! - [`encoders`]: command, render-pass, compute-pass and render-bundle encoders;
//! - [`queue`]: submission and uploads;
//! - [`objects`]: the objects a device creates (textures, views, samplers, layouts,
//!   pipelines, shader modules, query sets, command buffers, bind groups);
//! - [`buffers`]: buffers and their mapping;
//! - [`errors`]: GPU errors, device loss, the `lost` future and uncaptured-error stream;
//! - [`limits`]: the getters of `gpu-supported-limits`;
//! - [`records`]: WIT's `record-*` maps (plain JavaScript objects);
//! - [`budget`]: the client sandbox's GPU budget — the limits the adapter and device report,
//!   the bytes of live buffers and textures, refusals.
//!
//! A resource's drop forgets its object (the browser frees it when nothing references it;
//! `destroy` is explicit in WIT, as in WebGPU).

pub(crate) mod budget;
mod buffers;
mod device;
mod encoders;
mod errors;
mod limits;
mod objects;
mod queue;
mod records;

use gfx_component::abi::{Borrow, Resource, ResourceKind, Trap};
use gfx_component::web::js::{FromJs, ToJs};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::bindings::webgpu::*;
use crate::call;
use crate::Bridge;

/// Boxed future of an async host method.
pub(crate) type Async<T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Trap>>>>;

impl Bridge {
    /// Keeps `value` as a new resource of type `T`.
    pub(crate) fn keep<T: ResourceKind>(&self, value: JsValue) -> Resource<T> {
        Resource::new(self.shared.objects.borrow_mut().insert(value))
    }

    /// The object behind a handle (a cheap reference clone).
    pub(crate) fn obj<T: ResourceKind>(&self, r: &Borrow<T>) -> JsValue {
        self.shared.objects.borrow().get(r.rep()).clone()
    }

    /// `value` as JavaScript (handles resolved to their objects).
    pub(crate) fn js(&self, value: &impl ToJs) -> JsValue {
        value.to_js(&*self.shared.objects.borrow())
    }

    /// Forgets a dropped resource's object.
    pub(crate) fn forget<T>(&self, r: Resource<T>) {
        self.shared.objects.borrow_mut().remove(r.rep());
    }

    /// `obj.<name>(args)` for WIT function `wit`; an exception traps naming it.
    pub(crate) fn call(
        &self,
        wit: &str,
        obj: &JsValue,
        name: &'static str,
        args: &[&JsValue],
    ) -> Result<JsValue, Trap> {
        call::method(obj, name, args).map_err(|e| call::trap(wit, &e))
    }

    /// `obj.<name>(args)` whose result is a new resource of type `T`.
    pub(crate) fn create<T: ResourceKind>(
        &self,
        wit: &str,
        obj: &JsValue,
        name: &'static str,
        args: &[&JsValue],
    ) -> Result<Resource<T>, Trap> {
        let v = self.call(wit, obj, name, args)?;
        Ok(self.keep(v))
    }

    /// A string property (`label`, adapter info, messages).
    pub(crate) fn string(obj: &JsValue, name: &'static str) -> String {
        call::get(obj, name).as_string().unwrap_or_default()
    }

    /// A number property as `u32` (0 when absent).
    pub(crate) fn u32_of(obj: &JsValue, name: &'static str) -> u32 {
        call::get(obj, name).as_f64().unwrap_or(0.0) as u32
    }
}

/// Implements `label` / `set-label` of a resource trait (every WebGPU object has them).
macro_rules! labels {
    ($ty:ty, $get:ident, $set:ident) => {
        fn $get(&mut self, self_: Borrow<$ty>) -> Result<String, Trap> {
            Ok(Bridge::string(&self.obj(&self_), "label"))
        }
        fn $set(&mut self, self_: Borrow<$ty>, label: String) -> Result<(), Trap> {
            crate::call::set(&self.obj(&self_), "label", &JsValue::from_str(&label));
            Ok(())
        }
    };
}
pub(crate) use labels;

impl HostFunctions for Bridge {
    fn get_gpu(&mut self) -> Result<Resource<Gpu>, Trap> {
        let gpu = navigator_gpu().ok_or_else(|| {
            Trap::new("wasi:webgpu get-gpu: this browser has no WebGPU (navigator.gpu)")
        })?;
        Ok(self.keep(gpu))
    }
}

/// An adapter asked of the browser before the guest exists, while the component downloads and
/// verifies: `navigator.gpu.requestAdapter()` is most of a first frame's cost (8–335 ms measured
/// on SwiftShader, against a few ms for the device and the pipeline). The guest's first
/// `request-adapter` with default options gets it ([`Bridge::with_adapter_ahead`]); any other
/// request asks the browser anew. Nothing of it reaches a guest that does not ask.
pub struct AdapterAhead(JsFuture);

impl AdapterAhead {
    /// Asks `navigator.gpu` for its default adapter now; `None` where there is no WebGPU.
    pub fn request() -> Option<AdapterAhead> {
        let p = call::method(&navigator_gpu()?, "requestAdapter", &[]).ok()?;
        Some(AdapterAhead::of(p))
    }

    /// The adapter `promise` resolves to (a `requestAdapter()` made elsewhere, say by the
    /// sandbox worker's script before the loader's wasm was instantiated). Awaited from now on,
    /// so a rejection nobody takes is not an unhandled one.
    pub fn of(promise: JsValue) -> AdapterAhead {
        AdapterAhead(JsFuture::from(js_sys::Promise::resolve(&promise)))
    }
}

/// This thread's `navigator.gpu` (a window's or a worker's), if it has WebGPU.
fn navigator_gpu() -> Option<JsValue> {
    let gpu = call::get(&call::get(&js_sys::global(), "navigator"), "gpu");
    (!gpu.is_undefined() && !gpu.is_null()).then_some(gpu)
}

/// Default adapter options: what [`AdapterAhead::request`] asked for.
fn is_default(options: &Option<GpuRequestAdapterOptions>) -> bool {
    options.as_ref().is_none_or(|o| {
        o.feature_level.is_none()
            && o.power_preference.is_none()
            && o.force_fallback_adapter.is_none()
            && o.xr_compatible.is_none()
    })
}

impl HostGpu for Bridge {
    fn gpu_request_adapter(
        &mut self,
        self_: Borrow<Gpu>,
        options: Option<GpuRequestAdapterOptions>,
    ) -> Async<Option<Resource<GpuAdapter>>> {
        let ahead = is_default(&options)
            .then(|| self.shared.adapter_ahead.borrow_mut().take())
            .flatten();
        let gpu = self.obj(&self_);
        let options = self.js(&options);
        let shared = self.shared();
        Box::pin(async move {
            let adapter = match ahead {
                Some(AdapterAhead(asked)) => asked.await,
                None => {
                    let p = call::method(&gpu, "requestAdapter", &[&options])
                        .map_err(|e| call::trap("[method]gpu.request-adapter", &e))?;
                    call::settle(p).await
                }
            };
            // A rejected request is "no adapter", as WebGPU resolves null for most failures.
            let adapter = adapter.unwrap_or(JsValue::NULL);
            Ok((!adapter.is_null() && !adapter.is_undefined())
                .then(|| Resource::new(shared.objects.borrow_mut().insert(adapter))))
        })
    }

    fn gpu_get_preferred_canvas_format(
        &mut self,
        self_: Borrow<Gpu>,
    ) -> Result<GpuTextureFormat, Trap> {
        let f = self.call(
            "[method]gpu.get-preferred-canvas-format",
            &self.obj(&self_),
            "getPreferredCanvasFormat",
            &[],
        )?;
        GpuTextureFormat::from_js(&f).ok_or_else(|| {
            Trap(format!(
                "[method]gpu.get-preferred-canvas-format: unknown format {f:?}"
            ))
        })
    }

    fn gpu_wgsl_language_features(
        &mut self,
        self_: Borrow<Gpu>,
    ) -> Result<Resource<WgslLanguageFeatures>, Trap> {
        let f = call::get(&self.obj(&self_), "wgslLanguageFeatures");
        Ok(self.keep(f))
    }

    fn gpu_drop(&mut self, r: Resource<Gpu>) {
        self.forget(r)
    }
}

impl HostGpuAdapter for Bridge {
    fn gpu_adapter_features(
        &mut self,
        self_: Borrow<GpuAdapter>,
    ) -> Result<Resource<GpuSupportedFeatures>, Trap> {
        let v = call::get(&self.obj(&self_), "features");
        Ok(self.keep(v))
    }

    /// The adapter's limits, clamped to the GPU budget (see [`budget`]).
    fn gpu_adapter_limits(
        &mut self,
        self_: Borrow<GpuAdapter>,
    ) -> Result<Resource<GpuSupportedLimits>, Trap> {
        let v = call::get(&self.obj(&self_), "limits");
        let v = budget::clamped_limits(&v, &self.shared.gpu_budget());
        Ok(self.keep(v))
    }

    fn gpu_adapter_info(
        &mut self,
        self_: Borrow<GpuAdapter>,
    ) -> Result<Resource<GpuAdapterInfo>, Trap> {
        let v = call::get(&self.obj(&self_), "info");
        Ok(self.keep(v))
    }

    fn gpu_adapter_request_device(
        &mut self,
        self_: Borrow<GpuAdapter>,
        descriptor: Option<GpuDeviceDescriptor>,
    ) -> Async<Result<Resource<GpuDevice>, RequestDeviceError>> {
        let adapter = self.obj(&self_);
        let js = self.js(&descriptor);
        // The `required-limits` map is the host's once passed, and only needed for this call.
        if let Some(limits) = descriptor.and_then(|d| d.required_limits) {
            self.forget(limits);
        }
        let descriptor = js;
        let shared = self.shared();
        // A required limit above the budget's clamp is refused as WebGPU refuses one above the
        // adapter's (the adapter the guest sees reports the clamp).
        let required = call::get(&descriptor, "requiredLimits");
        let limits = call::get(&adapter, "limits");
        for (name, clamp) in budget::clamps(&self.shared.gpu_budget()) {
            let asked = call::get(&required, name).as_f64();
            let max = call::get(&limits, name)
                .as_f64()
                .map_or(clamp, |a| a.min(clamp));
            if let Some(asked) = asked.filter(|a| *a > max) {
                let message = format!(
                    "OperationError: requiredLimits.{name} ({asked}) is above the adapter's \
                     limit ({max}, bounded by the {} of {} bytes)",
                    budget::MARKER,
                    self.shared.gpu_budget().bytes
                );
                return Box::pin(async move {
                    Ok(Err(RequestDeviceError {
                        kind: RequestDeviceErrorKind::OperationError,
                        message,
                    }))
                });
            }
        }
        Box::pin(async move {
            let p = call::method(&adapter, "requestDevice", &[&descriptor])
                .map_err(|e| call::trap("[method]gpu-adapter.request-device", &e));
            let settled = match p {
                Ok(p) => call::settle(p).await,
                Err(e) => return Err(e),
            };
            match settled {
                Ok(device) => {
                    device::watch(&shared, &device);
                    Ok(Ok(Resource::new(
                        shared.objects.borrow_mut().insert(device),
                    )))
                }
                Err(e) => {
                    let name = e
                        .dyn_ref::<js_sys::Error>()
                        .map(|e| String::from(e.name()))
                        .unwrap_or_default();
                    let kind = if name == "TypeError" {
                        RequestDeviceErrorKind::TypeError
                    } else {
                        RequestDeviceErrorKind::OperationError
                    };
                    Ok(Err(RequestDeviceError {
                        kind,
                        message: call::message(&e),
                    }))
                }
            }
        })
    }

    fn gpu_adapter_drop(&mut self, r: Resource<GpuAdapter>) {
        self.forget(r)
    }
}

impl HostGpuAdapterInfo for Bridge {
    fn gpu_adapter_info_vendor(&mut self, self_: Borrow<GpuAdapterInfo>) -> Result<String, Trap> {
        Ok(Bridge::string(&self.obj(&self_), "vendor"))
    }
    fn gpu_adapter_info_architecture(
        &mut self,
        self_: Borrow<GpuAdapterInfo>,
    ) -> Result<String, Trap> {
        Ok(Bridge::string(&self.obj(&self_), "architecture"))
    }
    fn gpu_adapter_info_device(&mut self, self_: Borrow<GpuAdapterInfo>) -> Result<String, Trap> {
        Ok(Bridge::string(&self.obj(&self_), "device"))
    }
    fn gpu_adapter_info_description(
        &mut self,
        self_: Borrow<GpuAdapterInfo>,
    ) -> Result<String, Trap> {
        Ok(Bridge::string(&self.obj(&self_), "description"))
    }
    fn gpu_adapter_info_subgroup_min_size(
        &mut self,
        self_: Borrow<GpuAdapterInfo>,
    ) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "subgroupMinSize"))
    }
    fn gpu_adapter_info_subgroup_max_size(
        &mut self,
        self_: Borrow<GpuAdapterInfo>,
    ) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "subgroupMaxSize"))
    }
    fn gpu_adapter_info_is_fallback_adapter(
        &mut self,
        self_: Borrow<GpuAdapterInfo>,
    ) -> Result<bool, Trap> {
        Ok(call::get(&self.obj(&self_), "isFallbackAdapter").is_truthy())
    }
    fn gpu_adapter_info_drop(&mut self, r: Resource<GpuAdapterInfo>) {
        self.forget(r)
    }
}

impl HostGpuSupportedFeatures for Bridge {
    fn gpu_supported_features_has(
        &mut self,
        self_: Borrow<GpuSupportedFeatures>,
        value: String,
    ) -> Result<bool, Trap> {
        let set: js_sys::Set = self.obj(&self_).unchecked_into();
        Ok(set.has(&JsValue::from_str(&value)))
    }
    fn gpu_supported_features_drop(&mut self, r: Resource<GpuSupportedFeatures>) {
        self.forget(r)
    }
}

impl HostWgslLanguageFeatures for Bridge {
    fn wgsl_language_features_has(
        &mut self,
        self_: Borrow<WgslLanguageFeatures>,
        value: String,
    ) -> Result<bool, Trap> {
        let set: js_sys::Set = self.obj(&self_).unchecked_into();
        Ok(set.has(&JsValue::from_str(&value)))
    }
    fn wgsl_language_features_drop(&mut self, r: Resource<WgslLanguageFeatures>) {
        self.forget(r)
    }
}
