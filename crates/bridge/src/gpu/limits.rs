//! `gpu-supported-limits`: each getter is the `GPUSupportedLimits` attribute of the same name
//! in lowerCamelCase (`max-texture-dimension1-d` → `maxTextureDimension1D`).

use gfx_component::abi::{Borrow, Resource, Trap};

use crate::bindings::webgpu::*;
use crate::{call, Bridge};

/// One getter per limit: `method => "jsName": type;`. A limit the browser does not report
/// traps naming the getter (WIT has no absent limit, and inventing a value would mislead).
macro_rules! limits {
    ($($method:ident => $js:literal: $ty:ty;)*) => {
        impl HostGpuSupportedLimits for Bridge {
            $(
                fn $method(&mut self, self_: Borrow<GpuSupportedLimits>) -> Result<$ty, Trap> {
                    match call::get(&self.obj(&self_), $js).as_f64() {
                        Some(v) => Ok(v as $ty),
                        None => Err(Trap(format!(
                            "[method]gpu-supported-limits.{}: this browser does not report {}",
                            &stringify!($method)["gpu_supported_limits_".len()..].replace('_', "-"),
                            $js
                        ))),
                    }
                }
            )*
            fn gpu_supported_limits_drop(&mut self, r: Resource<GpuSupportedLimits>) {
                self.forget(r)
            }
        }
    };
}

limits! {
    gpu_supported_limits_max_texture_dimension1_d => "maxTextureDimension1D": u32;
    gpu_supported_limits_max_texture_dimension2_d => "maxTextureDimension2D": u32;
    gpu_supported_limits_max_texture_dimension3_d => "maxTextureDimension3D": u32;
    gpu_supported_limits_max_texture_array_layers => "maxTextureArrayLayers": u32;
    gpu_supported_limits_max_bind_groups => "maxBindGroups": u32;
    gpu_supported_limits_max_bind_groups_plus_vertex_buffers => "maxBindGroupsPlusVertexBuffers": u32;
    gpu_supported_limits_max_immediate_size => "maxImmediateSize": u32;
    gpu_supported_limits_max_bindings_per_bind_group => "maxBindingsPerBindGroup": u32;
    gpu_supported_limits_max_dynamic_uniform_buffers_per_pipeline_layout => "maxDynamicUniformBuffersPerPipelineLayout": u32;
    gpu_supported_limits_max_dynamic_storage_buffers_per_pipeline_layout => "maxDynamicStorageBuffersPerPipelineLayout": u32;
    gpu_supported_limits_max_sampled_textures_per_shader_stage => "maxSampledTexturesPerShaderStage": u32;
    gpu_supported_limits_max_samplers_per_shader_stage => "maxSamplersPerShaderStage": u32;
    gpu_supported_limits_max_storage_buffers_per_shader_stage => "maxStorageBuffersPerShaderStage": u32;
    gpu_supported_limits_max_storage_buffers_in_vertex_stage => "maxStorageBuffersInVertexStage": u32;
    gpu_supported_limits_max_storage_buffers_in_fragment_stage => "maxStorageBuffersInFragmentStage": u32;
    gpu_supported_limits_max_storage_textures_per_shader_stage => "maxStorageTexturesPerShaderStage": u32;
    gpu_supported_limits_max_storage_textures_in_vertex_stage => "maxStorageTexturesInVertexStage": u32;
    gpu_supported_limits_max_storage_textures_in_fragment_stage => "maxStorageTexturesInFragmentStage": u32;
    gpu_supported_limits_max_uniform_buffers_per_shader_stage => "maxUniformBuffersPerShaderStage": u32;
    gpu_supported_limits_max_uniform_buffer_binding_size => "maxUniformBufferBindingSize": u64;
    gpu_supported_limits_max_storage_buffer_binding_size => "maxStorageBufferBindingSize": u64;
    gpu_supported_limits_min_uniform_buffer_offset_alignment => "minUniformBufferOffsetAlignment": u32;
    gpu_supported_limits_min_storage_buffer_offset_alignment => "minStorageBufferOffsetAlignment": u32;
    gpu_supported_limits_max_vertex_buffers => "maxVertexBuffers": u32;
    gpu_supported_limits_max_buffer_size => "maxBufferSize": u64;
    gpu_supported_limits_max_vertex_attributes => "maxVertexAttributes": u32;
    gpu_supported_limits_max_vertex_buffer_array_stride => "maxVertexBufferArrayStride": u32;
    gpu_supported_limits_max_inter_stage_shader_variables => "maxInterStageShaderVariables": u32;
    gpu_supported_limits_max_color_attachments => "maxColorAttachments": u32;
    gpu_supported_limits_max_color_attachment_bytes_per_sample => "maxColorAttachmentBytesPerSample": u32;
    gpu_supported_limits_max_compute_workgroup_storage_size => "maxComputeWorkgroupStorageSize": u32;
    gpu_supported_limits_max_compute_invocations_per_workgroup => "maxComputeInvocationsPerWorkgroup": u32;
    gpu_supported_limits_max_compute_workgroup_size_x => "maxComputeWorkgroupSizeX": u32;
    gpu_supported_limits_max_compute_workgroup_size_y => "maxComputeWorkgroupSizeY": u32;
    gpu_supported_limits_max_compute_workgroup_size_z => "maxComputeWorkgroupSizeZ": u32;
    gpu_supported_limits_max_compute_workgroups_per_dimension => "maxComputeWorkgroupsPerDimension": u32;
}
