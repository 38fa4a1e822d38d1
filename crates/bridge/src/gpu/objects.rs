//! The objects a device creates and what they report: textures and views, samplers, layouts,
//! bind groups, pipelines, shader modules and their compilation info, query sets, command
//! buffers, render bundles, and WebGPU's own `gpu-canvas-context`. Buffers are in
//! [`super::buffers`]; errors and loss info in [`super::errors`]; limits in [`super::limits`];
//! WIT's `record-*` maps in [`super::records`]. Also [`prop`], reading an enum or flags
//! attribute into its WIT type.

use gfx_component::abi::{Borrow, Resource, Trap};
use gfx_component::web::js::FromJs;
use wasm_bindgen::{JsCast, JsValue};

use super::labels;
use crate::bindings::webgpu::*;
use crate::{call, Bridge};

/// Attribute `name` of `obj` as WIT type `T` (an enum from its name, flags from a number); a
/// value WIT has no case for traps naming WIT function `wit`.
pub(crate) fn prop<T: FromJs>(wit: &str, obj: &JsValue, name: &'static str) -> Result<T, Trap> {
    let v = call::get(obj, name);
    T::from_js(&v).ok_or_else(|| Trap(format!("{wit}: {name} {v:?} has no WIT equivalent")))
}

/// A number attribute as `u64` (0 when absent).
fn u64_of(obj: &JsValue, name: &'static str) -> u64 {
    call::get(obj, name).as_f64().unwrap_or(0.0) as u64
}

/// A resource trait whose only methods are `label` / `set-label` and the drop.
macro_rules! labelled {
    ($($tr:ident: $ty:ident, $label:ident, $set:ident, $drop:ident;)*) => {$(
        impl $tr for Bridge {
            labels!($ty, $label, $set);
            fn $drop(&mut self, r: Resource<$ty>) {
                self.forget(r)
            }
        }
    )*};
}

labelled! {
    HostGpuTextureView: GpuTextureView, gpu_texture_view_label, gpu_texture_view_set_label, gpu_texture_view_drop;
    HostGpuSampler: GpuSampler, gpu_sampler_label, gpu_sampler_set_label, gpu_sampler_drop;
    HostGpuBindGroup: GpuBindGroup, gpu_bind_group_label, gpu_bind_group_set_label, gpu_bind_group_drop;
    HostGpuBindGroupLayout: GpuBindGroupLayout, gpu_bind_group_layout_label, gpu_bind_group_layout_set_label, gpu_bind_group_layout_drop;
    HostGpuPipelineLayout: GpuPipelineLayout, gpu_pipeline_layout_label, gpu_pipeline_layout_set_label, gpu_pipeline_layout_drop;
    HostGpuCommandBuffer: GpuCommandBuffer, gpu_command_buffer_label, gpu_command_buffer_set_label, gpu_command_buffer_drop;
    HostGpuRenderBundle: GpuRenderBundle, gpu_render_bundle_label, gpu_render_bundle_set_label, gpu_render_bundle_drop;
}

impl HostGpuTexture for Bridge {
    fn gpu_texture_create_view(
        &mut self,
        self_: Borrow<GpuTexture>,
        descriptor: Option<GpuTextureViewDescriptor>,
    ) -> Result<Resource<GpuTextureView>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-texture.create-view",
            &self.obj(&self_),
            "createView",
            &[&d],
        )
    }

    /// Also releases the texture's charge to the GPU budget.
    fn gpu_texture_destroy(&mut self, self_: Borrow<GpuTexture>) -> Result<(), Trap> {
        self.call(
            "[method]gpu-texture.destroy",
            &self.obj(&self_),
            "destroy",
            &[],
        )?;
        self.shared.budget.borrow_mut().release(self_.rep());
        Ok(())
    }

    fn gpu_texture_width(&mut self, self_: Borrow<GpuTexture>) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "width"))
    }

    fn gpu_texture_height(&mut self, self_: Borrow<GpuTexture>) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "height"))
    }

    fn gpu_texture_depth_or_array_layers(
        &mut self,
        self_: Borrow<GpuTexture>,
    ) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "depthOrArrayLayers"))
    }

    fn gpu_texture_mip_level_count(&mut self, self_: Borrow<GpuTexture>) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "mipLevelCount"))
    }

    fn gpu_texture_sample_count(&mut self, self_: Borrow<GpuTexture>) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "sampleCount"))
    }

    /// WebGPU's `"1d"`/`"2d"`/`"3d"` (WIT's `d1`/`d2`/`d3`, renamed in build.rs).
    fn gpu_texture_dimension(
        &mut self,
        self_: Borrow<GpuTexture>,
    ) -> Result<GpuTextureDimension, Trap> {
        prop(
            "[method]gpu-texture.dimension",
            &self.obj(&self_),
            "dimension",
        )
    }

    fn gpu_texture_format(&mut self, self_: Borrow<GpuTexture>) -> Result<GpuTextureFormat, Trap> {
        prop("[method]gpu-texture.format", &self.obj(&self_), "format")
    }

    fn gpu_texture_usage(&mut self, self_: Borrow<GpuTexture>) -> Result<GpuTextureUsage, Trap> {
        prop("[method]gpu-texture.usage", &self.obj(&self_), "usage")
    }

    /// The compatibility-mode attribute: `none` where the browser does not report it (core
    /// WebGPU has no such attribute; a view's dimension is chosen per view).
    fn gpu_texture_texture_binding_view_dimension(
        &mut self,
        self_: Borrow<GpuTexture>,
    ) -> Result<Option<GpuTextureViewDimension>, Trap> {
        let wit = "[method]gpu-texture.texture-binding-view-dimension";
        let texture = self.obj(&self_);
        if call::get(&texture, "textureBindingViewDimension").is_undefined() {
            return Ok(None);
        }
        prop(wit, &texture, "textureBindingViewDimension").map(Some)
    }

    labels!(GpuTexture, gpu_texture_label, gpu_texture_set_label);

    fn gpu_texture_drop(&mut self, r: Resource<GpuTexture>) {
        self.shared.budget.borrow_mut().release(r.rep());
        self.forget(r)
    }
}

impl HostGpuRenderPipeline for Bridge {
    fn gpu_render_pipeline_get_bind_group_layout(
        &mut self,
        self_: Borrow<GpuRenderPipeline>,
        index: u32,
    ) -> Result<Resource<GpuBindGroupLayout>, Trap> {
        self.create(
            "[method]gpu-render-pipeline.get-bind-group-layout",
            &self.obj(&self_),
            "getBindGroupLayout",
            &[&JsValue::from(index)],
        )
    }

    labels!(
        GpuRenderPipeline,
        gpu_render_pipeline_label,
        gpu_render_pipeline_set_label
    );

    fn gpu_render_pipeline_drop(&mut self, r: Resource<GpuRenderPipeline>) {
        self.forget(r)
    }
}

impl HostGpuComputePipeline for Bridge {
    fn gpu_compute_pipeline_get_bind_group_layout(
        &mut self,
        self_: Borrow<GpuComputePipeline>,
        index: u32,
    ) -> Result<Resource<GpuBindGroupLayout>, Trap> {
        self.create(
            "[method]gpu-compute-pipeline.get-bind-group-layout",
            &self.obj(&self_),
            "getBindGroupLayout",
            &[&JsValue::from(index)],
        )
    }

    labels!(
        GpuComputePipeline,
        gpu_compute_pipeline_label,
        gpu_compute_pipeline_set_label
    );

    fn gpu_compute_pipeline_drop(&mut self, r: Resource<GpuComputePipeline>) {
        self.forget(r)
    }
}

impl HostGpuShaderModule for Bridge {
    fn gpu_shader_module_get_compilation_info(
        &mut self,
        self_: Borrow<GpuShaderModule>,
    ) -> super::Async<Resource<GpuCompilationInfo>> {
        const WIT: &str = "[method]gpu-shader-module.get-compilation-info";
        let promise = self.call(WIT, &self.obj(&self_), "getCompilationInfo", &[]);
        let shared = self.shared();
        Box::pin(async move {
            let info = call::settle(promise?)
                .await
                .map_err(|e| call::trap(WIT, &e))?;
            Ok(Resource::new(shared.objects.borrow_mut().insert(info)))
        })
    }

    labels!(
        GpuShaderModule,
        gpu_shader_module_label,
        gpu_shader_module_set_label
    );

    fn gpu_shader_module_drop(&mut self, r: Resource<GpuShaderModule>) {
        self.forget(r)
    }
}

impl HostGpuCompilationInfo for Bridge {
    fn gpu_compilation_info_messages(
        &mut self,
        self_: Borrow<GpuCompilationInfo>,
    ) -> Result<Vec<Resource<GpuCompilationMessage>>, Trap> {
        let messages = call::get(&self.obj(&self_), "messages");
        let Some(messages) = messages.dyn_ref::<js_sys::Array>() else {
            return Ok(Vec::new());
        };
        Ok(messages.iter().map(|m| self.keep(m)).collect())
    }

    fn gpu_compilation_info_drop(&mut self, r: Resource<GpuCompilationInfo>) {
        self.forget(r)
    }
}

impl HostGpuCompilationMessage for Bridge {
    fn gpu_compilation_message_message(
        &mut self,
        self_: Borrow<GpuCompilationMessage>,
    ) -> Result<String, Trap> {
        Ok(Bridge::string(&self.obj(&self_), "message"))
    }

    fn gpu_compilation_message_type(
        &mut self,
        self_: Borrow<GpuCompilationMessage>,
    ) -> Result<GpuCompilationMessageType, Trap> {
        prop(
            "[method]gpu-compilation-message.type",
            &self.obj(&self_),
            "type",
        )
    }

    fn gpu_compilation_message_line_num(
        &mut self,
        self_: Borrow<GpuCompilationMessage>,
    ) -> Result<u64, Trap> {
        Ok(u64_of(&self.obj(&self_), "lineNum"))
    }

    fn gpu_compilation_message_line_pos(
        &mut self,
        self_: Borrow<GpuCompilationMessage>,
    ) -> Result<u64, Trap> {
        Ok(u64_of(&self.obj(&self_), "linePos"))
    }

    fn gpu_compilation_message_offset(
        &mut self,
        self_: Borrow<GpuCompilationMessage>,
    ) -> Result<u64, Trap> {
        Ok(u64_of(&self.obj(&self_), "offset"))
    }

    fn gpu_compilation_message_length(
        &mut self,
        self_: Borrow<GpuCompilationMessage>,
    ) -> Result<u64, Trap> {
        Ok(u64_of(&self.obj(&self_), "length"))
    }

    fn gpu_compilation_message_drop(&mut self, r: Resource<GpuCompilationMessage>) {
        self.forget(r)
    }
}

impl HostGpuQuerySet for Bridge {
    fn gpu_query_set_destroy(&mut self, self_: Borrow<GpuQuerySet>) -> Result<(), Trap> {
        self.call(
            "[method]gpu-query-set.destroy",
            &self.obj(&self_),
            "destroy",
            &[],
        )
        .map(drop)
    }

    fn gpu_query_set_type(&mut self, self_: Borrow<GpuQuerySet>) -> Result<GpuQueryType, Trap> {
        prop("[method]gpu-query-set.type", &self.obj(&self_), "type")
    }

    fn gpu_query_set_count(&mut self, self_: Borrow<GpuQuerySet>) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "count"))
    }

    labels!(GpuQuerySet, gpu_query_set_label, gpu_query_set_set_label);

    fn gpu_query_set_drop(&mut self, r: Resource<GpuQuerySet>) {
        self.forget(r)
    }
}

/// A `GPUCanvasConfiguration` from `getConfiguration()` in WIT's owned form: its device is a
/// new handle to the same `GPUDevice`.
fn owned_configuration(bridge: &Bridge, c: &JsValue) -> Result<GpuCanvasConfigurationOwned, Trap> {
    const WIT: &str = "[method]gpu-canvas-context.get-configuration";
    /// An optional attribute: `none` when absent.
    fn opt<T: FromJs>(c: &JsValue, name: &'static str) -> Result<Option<T>, Trap> {
        if call::get(c, name).is_undefined() {
            return Ok(None);
        }
        prop(WIT, c, name).map(Some)
    }
    let view_formats = match call::get(c, "viewFormats").dyn_ref::<js_sys::Array>() {
        Some(a) => Some(
            a.iter()
                .map(|f| {
                    GpuTextureFormat::from_js(&f).ok_or_else(|| {
                        Trap(format!("{WIT}: view format {f:?} has no WIT equivalent"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let tone_mapping = call::get(c, "toneMapping");
    Ok(GpuCanvasConfigurationOwned {
        device: bridge.keep(call::get(c, "device")),
        format: prop(WIT, c, "format")?,
        usage: opt(c, "usage")?,
        view_formats,
        color_space: opt(c, "colorSpace")?,
        tone_mapping: (!tone_mapping.is_undefined())
            .then(|| opt(&tone_mapping, "mode").map(|mode| GpuCanvasToneMapping { mode }))
            .transpose()?,
        alpha_mode: opt(c, "alphaMode")?,
    })
}

/// WebGPU's `GPUCanvasContext` (no `wasi:webgpu` function makes one: a host hands it out, as
/// `wasi-gfx:surface-webgpu`'s context is the same object). The surface's `present` has no
/// counterpart here: the browser presents a canvas when the task that drew it ends.
impl HostGpuCanvasContext for Bridge {
    fn gpu_canvas_context_configure(
        &mut self,
        self_: Borrow<GpuCanvasContext>,
        configuration: GpuCanvasConfiguration,
    ) -> Result<(), Trap> {
        let c = self.js(&configuration);
        self.call(
            "[method]gpu-canvas-context.configure",
            &self.obj(&self_),
            "configure",
            &[&c],
        )
        .map(drop)
    }

    fn gpu_canvas_context_unconfigure(
        &mut self,
        self_: Borrow<GpuCanvasContext>,
    ) -> Result<(), Trap> {
        self.call(
            "[method]gpu-canvas-context.unconfigure",
            &self.obj(&self_),
            "unconfigure",
            &[],
        )
        .map(drop)
    }

    fn gpu_canvas_context_get_configuration(
        &mut self,
        self_: Borrow<GpuCanvasContext>,
    ) -> Result<Option<GpuCanvasConfigurationOwned>, Trap> {
        let c = self.call(
            "[method]gpu-canvas-context.get-configuration",
            &self.obj(&self_),
            "getConfiguration",
            &[],
        )?;
        if c.is_null() || c.is_undefined() {
            return Ok(None);
        }
        owned_configuration(self, &c).map(Some)
    }

    fn gpu_canvas_context_get_current_texture(
        &mut self,
        self_: Borrow<GpuCanvasContext>,
    ) -> Result<Resource<GpuTexture>, Trap> {
        self.create(
            "[method]gpu-canvas-context.get-current-texture",
            &self.obj(&self_),
            "getCurrentTexture",
            &[],
        )
    }

    fn gpu_canvas_context_drop(&mut self, r: Resource<GpuCanvasContext>) {
        self.forget(r)
    }
}
