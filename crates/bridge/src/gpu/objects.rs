//! The objects a device creates, and the small objects WebGPU reports with: buffers, textures
//! and views, samplers, layouts, bind groups, pipelines, shader modules, query sets, command
//! buffers, render bundles; errors, loss info, compilation info, limits, and WIT's `record-*`
//! maps (which become plain JavaScript objects).

use gfx_component::abi::{Borrow, Resource, Trap};
use wasm_bindgen::JsValue;

use super::labels;
use crate::bindings::webgpu::*;
use crate::Bridge;

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

/// A resource trait implemented here only as far as its drop (its other methods trap with
/// their names until they are implemented).
macro_rules! dropped {
    ($($tr:ident: $ty:ident, $drop:ident;)*) => {$(
        impl $tr for Bridge {
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

dropped! {
    HostGpuBuffer: GpuBuffer, gpu_buffer_drop;
    HostGpuRenderPipeline: GpuRenderPipeline, gpu_render_pipeline_drop;
    HostGpuComputePipeline: GpuComputePipeline, gpu_compute_pipeline_drop;
    HostGpuShaderModule: GpuShaderModule, gpu_shader_module_drop;
    HostGpuQuerySet: GpuQuerySet, gpu_query_set_drop;
    HostGpuCompilationInfo: GpuCompilationInfo, gpu_compilation_info_drop;
    HostGpuCompilationMessage: GpuCompilationMessage, gpu_compilation_message_drop;
    HostGpuDeviceLostInfo: GpuDeviceLostInfo, gpu_device_lost_info_drop;
    HostGpuError: GpuError, gpu_error_drop;
    HostGpuUncapturedErrorEvent: GpuUncapturedErrorEvent, gpu_uncaptured_error_event_drop;
    HostGpuSupportedLimits: GpuSupportedLimits, gpu_supported_limits_drop;
    HostGpuCanvasContext: GpuCanvasContext, gpu_canvas_context_drop;
    HostRecordGpuPipelineConstantValue: RecordGpuPipelineConstantValue, record_gpu_pipeline_constant_value_drop;
    HostRecordOptionGpuSize64: RecordOptionGpuSize64, record_option_gpu_size64_drop;
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

    fn gpu_texture_destroy(&mut self, self_: Borrow<GpuTexture>) -> Result<(), Trap> {
        self.call(
            "[method]gpu-texture.destroy",
            &self.obj(&self_),
            "destroy",
            &[],
        )
        .map(drop)
    }

    fn gpu_texture_width(&mut self, self_: Borrow<GpuTexture>) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "width"))
    }

    fn gpu_texture_height(&mut self, self_: Borrow<GpuTexture>) -> Result<u32, Trap> {
        Ok(Bridge::u32_of(&self.obj(&self_), "height"))
    }

    labels!(GpuTexture, gpu_texture_label, gpu_texture_set_label);

    fn gpu_texture_drop(&mut self, r: Resource<GpuTexture>) {
        let _: JsValue = self.shared.objects.borrow_mut().remove(r.rep());
    }
}
