//! `gpu-device`: what it reports, its queue, the `create-*` functions — each the WebGPU
//! method of the same name with the descriptor converted to its JavaScript object —, error
//! scopes, and its loss and uncaptured errors as a WIT future and stream (made in
//! [`super::errors`]). Also [`watch`], which reports a device's loss and its uncaptured errors
//! to the loader. `create-buffer` and `create-texture` go through the GPU budget
//! ([`super::budget`]): charged, or refused as an invalid object.

use gfx_component::abi::{Borrow, FutureReader, Resource, StreamReader, Trap};
use gfx_component::web::js::FromJs;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::budget::{self, Refusal};
use super::errors::{self, error_name};
use super::{labels, Async};
use crate::bindings::webgpu::*;
use crate::{call, Bridge, Shared};

/// Reports `device`'s loss (unless the guest destroyed it) and its uncaptured GPU errors to
/// `shared` (the loader falls back on either, per policy) — except the errors of creations the
/// GPU budget refused, which are the budget's to report (`gpu-limit`).
pub(crate) fn watch(shared: &std::rc::Rc<Shared>, device: &JsValue) {
    let lost = call::get(device, "lost");
    let on_lost = std::rc::Rc::clone(shared);
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(info) = call::settle(lost).await {
            let reason = Bridge::string(&info, "reason");
            if reason != "destroyed" {
                on_lost.fail("device-lost", Bridge::string(&info, "message"));
            }
        }
    });
    let on_error = std::rc::Rc::clone(shared);
    let listener = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let error = call::get(&event, "error");
        let message = Bridge::string(&error, "message");
        if !message.contains(budget::MARKER) {
            on_error.fail("gpu-error", message);
        }
    });
    let _ = call::method(
        device,
        "addEventListener",
        &[&JsValue::from_str("uncapturederror"), listener.as_ref()],
    );
    // The device keeps its listener for its life; so does the closure.
    listener.forget();
}

/// WIT's `gpu-color-write` has an `all` flag (bit 4) where WebGPU's `GPUColorWrite.ALL` is the
/// four colour bits: rewrite every `writeMask` of a render pipeline descriptor's targets.
fn fix_write_masks(desc: &JsValue) {
    let targets = call::get(&call::get(desc, "fragment"), "targets");
    let Some(targets) = targets.dyn_ref::<js_sys::Array>() else {
        return;
    };
    for t in targets.iter() {
        if let Some(mask) = call::get(&t, "writeMask").as_f64() {
            let mask = mask as u32;
            if mask & 0x10 != 0 {
                call::set(&t, "writeMask", &JsValue::from(0xF | (mask & 0xF)));
            }
        }
    }
}

/// A pipeline descriptor's owned `constants` maps: they are the host's once passed, and only
/// needed while the descriptor converts (WebGPU reads a descriptor during the call).
fn forget_constants(b: &Bridge, stages: [Option<Resource<RecordGpuPipelineConstantValue>>; 2]) {
    for constants in stages.into_iter().flatten() {
        b.forget(constants);
    }
}

/// `createRenderPipelineAsync` / `createComputePipelineAsync` settled: the pipeline, or WIT's
/// error from the rejection's `GPUPipelineError` (its `reason`). Any other rejection (a
/// `TypeError` of a malformed descriptor) has no WIT form and traps naming `wit`.
async fn pipeline<T: gfx_component::abi::ResourceKind>(
    wit: &'static str,
    shared: std::rc::Rc<Shared>,
    promise: Result<JsValue, Trap>,
) -> Result<Result<Resource<T>, CreatePipelineError>, Trap> {
    match call::settle(promise?).await {
        Ok(p) => Ok(Ok(Resource::new(shared.objects.borrow_mut().insert(p)))),
        Err(e) => match GpuPipelineErrorReason::from_js(&call::get(&e, "reason")) {
            Some(reason) if error_name(&e) == "GPUPipelineError" => Ok(Err(CreatePipelineError {
                kind: CreatePipelineErrorKind::GpuPipelineError(reason),
                message: call::message(&e),
            })),
            _ => Err(call::trap(wit, &e)),
        },
    }
}

impl Bridge {
    /// `device.<name>(d)` for a creation the budget refused: `d` made invalid (usage 0, not
    /// mapped at creation, labelled with the refusal), so WebGPU hands out an invalid object and
    /// raises its validation error; then the `gpu-limit` failure if the refusals persist.
    fn refused<T: gfx_component::abi::ResourceKind>(
        &self,
        wit: &str,
        device: &JsValue,
        name: &'static str,
        d: &JsValue,
        refusal: Refusal,
    ) -> Result<Resource<T>, Trap> {
        call::set(d, "usage", &JsValue::from(0));
        call::set(d, "mappedAtCreation", &JsValue::FALSE);
        call::set(d, "label", &JsValue::from_str(&refusal.label));
        let r = self.create(wit, device, name, &[d]);
        if let Some(message) = refusal.failure {
            self.shared.fail("gpu-limit", message);
        }
        r
    }

    /// `device.<name>(d)` charged `bytes` to the budget, or refused (`refusal`, or the budget's).
    fn charged<T: gfx_component::abi::ResourceKind>(
        &self,
        wit: &str,
        device: &JsValue,
        name: &'static str,
        d: &JsValue,
        (what, bytes, refusal): (&str, u64, Option<Refusal>),
    ) -> Result<Resource<T>, Trap> {
        let refusal = refusal.or_else(|| self.shared.budget.borrow_mut().admit(what, bytes));
        if let Some(refusal) = refusal {
            return self.refused(wit, device, name, d, refusal);
        }
        let r: Resource<T> = self.create(wit, device, name, &[d])?;
        let mut budget = self.shared.budget.borrow_mut();
        budget.charge(r.rep(), bytes, device.clone());
        Ok(r)
    }
}

impl HostGpuDevice for Bridge {
    fn gpu_device_features(
        &mut self,
        self_: Borrow<GpuDevice>,
    ) -> Result<Resource<GpuSupportedFeatures>, Trap> {
        let v = call::get(&self.obj(&self_), "features");
        Ok(self.keep(v))
    }

    /// The device's limits, clamped to the GPU budget (see [`budget`]).
    fn gpu_device_limits(
        &mut self,
        self_: Borrow<GpuDevice>,
    ) -> Result<Resource<GpuSupportedLimits>, Trap> {
        let v = call::get(&self.obj(&self_), "limits");
        let v = budget::clamped_limits(&v, &self.shared.gpu_budget());
        Ok(self.keep(v))
    }

    fn gpu_device_adapter_info(
        &mut self,
        self_: Borrow<GpuDevice>,
    ) -> Result<Resource<GpuAdapterInfo>, Trap> {
        let v = call::get(&self.obj(&self_), "adapterInfo");
        Ok(self.keep(v))
    }

    fn gpu_device_queue(&mut self, self_: Borrow<GpuDevice>) -> Result<Resource<GpuQueue>, Trap> {
        let v = call::get(&self.obj(&self_), "queue");
        Ok(self.keep(v))
    }

    /// Also releases the budget's charges of the device's buffers and textures (destroyed too).
    fn gpu_device_destroy(&mut self, self_: Borrow<GpuDevice>) -> Result<(), Trap> {
        let device = self.obj(&self_);
        self.call("[method]gpu-device.destroy", &device, "destroy", &[])?;
        self.shared.budget.borrow_mut().release_device(&device);
        Ok(())
    }

    fn gpu_device_create_buffer(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuBufferDescriptor,
    ) -> Result<Resource<GpuBuffer>, Trap> {
        let d = self.js(&descriptor);
        let charge = ("a buffer", descriptor.size, None);
        self.charged(
            "[method]gpu-device.create-buffer",
            &self.obj(&self_),
            "createBuffer",
            &d,
            charge,
        )
    }

    fn gpu_device_create_texture(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuTextureDescriptor,
    ) -> Result<Resource<GpuTexture>, Trap> {
        let d = self.js(&descriptor);
        let format = call::get(&d, "format").as_string().unwrap_or_default();
        let dimension = call::get(&d, "dimension").as_string();
        let size = &descriptor.size;
        let extent = [
            size.width,
            size.height.unwrap_or(1),
            size.depth_or_array_layers.unwrap_or(1),
        ];
        let bytes = budget::texture_bytes(
            &format,
            dimension.as_deref() == Some("3d"),
            extent,
            descriptor.mip_level_count.unwrap_or(1),
            descriptor.sample_count.unwrap_or(1),
        );
        // A 2D texture over the clamped dimension (which the device may not enforce: WebGPU's
        // minimum is 8192).
        let max = self.shared.gpu_budget().max_texture_dimension_2d;
        let is_2d = matches!(dimension.as_deref(), None | Some("2d"));
        let refusal = (is_2d && extent[0].max(extent[1]) > max).then(|| {
            self.shared.budget.borrow_mut().refuse(format!(
                "a {}x{} texture refused: maxTextureDimension2D is {max}",
                extent[0], extent[1]
            ))
        });
        self.charged(
            "[method]gpu-device.create-texture",
            &self.obj(&self_),
            "createTexture",
            &d,
            ("a texture", bytes, refusal),
        )
    }

    fn gpu_device_create_sampler(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: Option<GpuSamplerDescriptor>,
    ) -> Result<Resource<GpuSampler>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-device.create-sampler",
            &self.obj(&self_),
            "createSampler",
            &[&d],
        )
    }

    fn gpu_device_create_bind_group_layout(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuBindGroupLayoutDescriptor,
    ) -> Result<Resource<GpuBindGroupLayout>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-device.create-bind-group-layout",
            &self.obj(&self_),
            "createBindGroupLayout",
            &[&d],
        )
    }

    fn gpu_device_create_pipeline_layout(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuPipelineLayoutDescriptor,
    ) -> Result<Resource<GpuPipelineLayout>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-device.create-pipeline-layout",
            &self.obj(&self_),
            "createPipelineLayout",
            &[&d],
        )
    }

    fn gpu_device_create_bind_group(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuBindGroupDescriptor,
    ) -> Result<Resource<GpuBindGroup>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-device.create-bind-group",
            &self.obj(&self_),
            "createBindGroup",
            &[&d],
        )
    }

    fn gpu_device_create_shader_module(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuShaderModuleDescriptor,
    ) -> Result<Resource<GpuShaderModule>, Trap> {
        const WIT: &str = "[method]gpu-device.create-shader-module";
        let max = self.shared.budget.borrow().config.max_shader_bytes;
        if descriptor.code.len() > max {
            let message = format!(
                "{WIT}: a shader of {} bytes of WGSL refused: the limit is {max} bytes",
                descriptor.code.len()
            );
            self.shared.fail("gpu-limit", message.clone());
            return Err(Trap(message));
        }
        let d = self.js(&descriptor);
        self.create(WIT, &self.obj(&self_), "createShaderModule", &[&d])
    }

    fn gpu_device_create_compute_pipeline(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuComputePipelineDescriptor,
    ) -> Result<Resource<GpuComputePipeline>, Trap> {
        let d = self.js(&descriptor);
        forget_constants(self, [descriptor.compute.constants, None]);
        self.create(
            "[method]gpu-device.create-compute-pipeline",
            &self.obj(&self_),
            "createComputePipeline",
            &[&d],
        )
    }

    fn gpu_device_create_render_pipeline(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuRenderPipelineDescriptor,
    ) -> Result<Resource<GpuRenderPipeline>, Trap> {
        let d = self.js(&descriptor);
        fix_write_masks(&d);
        let fragment = descriptor.fragment.and_then(|f| f.constants);
        forget_constants(self, [descriptor.vertex.constants, fragment]);
        self.create(
            "[method]gpu-device.create-render-pipeline",
            &self.obj(&self_),
            "createRenderPipeline",
            &[&d],
        )
    }

    fn gpu_device_create_command_encoder(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: Option<GpuCommandEncoderDescriptor>,
    ) -> Result<Resource<GpuCommandEncoder>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-device.create-command-encoder",
            &self.obj(&self_),
            "createCommandEncoder",
            &[&d],
        )
    }

    fn gpu_device_create_render_bundle_encoder(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuRenderBundleEncoderDescriptor,
    ) -> Result<Resource<GpuRenderBundleEncoder>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-device.create-render-bundle-encoder",
            &self.obj(&self_),
            "createRenderBundleEncoder",
            &[&d],
        )
    }

    fn gpu_device_push_error_scope(
        &mut self,
        self_: Borrow<GpuDevice>,
        filter: GpuErrorFilter,
    ) -> Result<(), Trap> {
        let f = self.js(&filter);
        self.call(
            "[method]gpu-device.push-error-scope",
            &self.obj(&self_),
            "pushErrorScope",
            &[&f],
        )
        .map(drop)
    }

    fn gpu_device_create_compute_pipeline_async(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuComputePipelineDescriptor,
    ) -> Async<Result<Resource<GpuComputePipeline>, CreatePipelineError>> {
        const WIT: &str = "[method]gpu-device.create-compute-pipeline-async";
        let d = self.js(&descriptor);
        forget_constants(self, [descriptor.compute.constants, None]);
        let p = self.call(WIT, &self.obj(&self_), "createComputePipelineAsync", &[&d]);
        Box::pin(pipeline(WIT, self.shared(), p))
    }

    fn gpu_device_create_render_pipeline_async(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuRenderPipelineDescriptor,
    ) -> Async<Result<Resource<GpuRenderPipeline>, CreatePipelineError>> {
        const WIT: &str = "[method]gpu-device.create-render-pipeline-async";
        let d = self.js(&descriptor);
        fix_write_masks(&d);
        let fragment = descriptor.fragment.and_then(|f| f.constants);
        forget_constants(self, [descriptor.vertex.constants, fragment]);
        let p = self.call(WIT, &self.obj(&self_), "createRenderPipelineAsync", &[&d]);
        Box::pin(pipeline(WIT, self.shared(), p))
    }

    /// WebGPU throws a `TypeError` for a query type whose feature the device lacks
    /// (`timestamp` without `timestamp-query`): WIT's error. Other exceptions trap.
    fn gpu_device_create_query_set(
        &mut self,
        self_: Borrow<GpuDevice>,
        descriptor: GpuQuerySetDescriptor,
    ) -> Result<Result<Resource<GpuQuerySet>, CreateQuerySetError>, Trap> {
        let d = self.js(&descriptor);
        match call::method(&self.obj(&self_), "createQuerySet", &[&d]) {
            Ok(q) => Ok(Ok(self.keep(q))),
            Err(e) if error_name(&e) == "TypeError" => Ok(Err(CreateQuerySetError {
                kind: CreateQuerySetErrorKind::TypeError,
                message: call::message(&e),
            })),
            Err(e) => Err(call::trap("[method]gpu-device.create-query-set", &e)),
        }
    }

    fn gpu_device_lost(
        &mut self,
        self_: Borrow<GpuDevice>,
    ) -> Result<FutureReader<Resource<GpuDeviceLostInfo>>, Trap> {
        Ok(errors::lost(&self.shared, &self.obj(&self_)))
    }

    /// `popErrorScope()`: `none` when the scope caught nothing; its rejection (an empty scope
    /// stack) is WIT's `operation-error`.
    fn gpu_device_pop_error_scope(
        &mut self,
        self_: Borrow<GpuDevice>,
    ) -> Async<Result<Option<Resource<GpuError>>, PopErrorScopeError>> {
        const WIT: &str = "[method]gpu-device.pop-error-scope";
        let p = self.call(WIT, &self.obj(&self_), "popErrorScope", &[]);
        let shared = self.shared();
        Box::pin(async move {
            match call::settle(p?).await {
                Ok(e) if e.is_null() || e.is_undefined() => Ok(Ok(None)),
                Ok(e) => Ok(Ok(Some(Resource::new(
                    shared.objects.borrow_mut().insert(e),
                )))),
                Err(e) if error_name(&e) == "OperationError" => Ok(Err(PopErrorScopeError {
                    kind: PopErrorScopeErrorKind::OperationError,
                    message: call::message(&e),
                })),
                Err(e) => Err(call::trap(WIT, &e)),
            }
        })
    }

    fn gpu_device_on_uncaptured_error(
        &mut self,
        self_: Borrow<GpuDevice>,
    ) -> Result<StreamReader<Resource<GpuError>>, Trap> {
        Ok(errors::uncaptured_errors(&self.shared, &self.obj(&self_)))
    }

    labels!(GpuDevice, gpu_device_label, gpu_device_set_label);

    fn gpu_device_drop(&mut self, r: Resource<GpuDevice>) {
        self.forget(r)
    }
}
