//! Encoders: `gpu-command-encoder`, `gpu-render-pass-encoder`, `gpu-compute-pass-encoder` and
//! `gpu-render-bundle-encoder`. The calls a frame makes many times (set-pipeline,
//! set-bind-group, set-vertex-buffer, draws, dispatches, debug groups, immediates) are typed
//! web-sys calls straight on the object; calls that take descriptors, enums or lists (copies,
//! set-index-buffer, set-blend-constant, execute-bundles) go by name with the WIT values
//! converted (no web-sys dictionary or enum types). WIT's absent optional arguments become
//! WebGPU's defaults. `set-immediates` is WebGPU's newest addition: where the browser lacks
//! `setImmediates` it traps saying so.

use gfx_component::abi::{Borrow, Resource, Trap};
use wasm_bindgen::JsValue;

use super::labels;
use crate::bindings::webgpu::*;
use crate::{call, Bridge};

/// Dynamic offsets as WebGPU's `setBindGroup` takes them: a sequence, or a `Uint32Array` with a
/// start and length.
fn bind_group_args(
    dynamic_offsets_data: Option<Vec<u32>>,
    start: Option<u64>,
    length: Option<u32>,
) -> Vec<JsValue> {
    let Some(data) = dynamic_offsets_data else {
        return Vec::new();
    };
    let array = js_sys::Uint32Array::from(&data[..]);
    match (start, length) {
        (None, None) => vec![array.into()],
        (start, length) => {
            let start = start.unwrap_or(0);
            let length = length.map_or((data.len() as u64).saturating_sub(start), u64::from);
            vec![
                array.into(),
                JsValue::from_f64(start as f64),
                JsValue::from_f64(length as f64),
            ]
        }
    }
}

/// `setBindGroup(index, group, …offsets)` on a pass or bundle encoder; a `RangeError` (offsets
/// out of range) is the WIT error, anything else a trap.
fn set_bind_group(
    b: &Bridge,
    wit: &str,
    encoder: &JsValue,
    index: u32,
    group: Option<Borrow<GpuBindGroup>>,
    offsets: Vec<JsValue>,
) -> Result<Result<(), SetBindGroupError>, Trap> {
    let group = group.map_or(JsValue::NULL, |g| b.obj(&g));
    let mut args: Vec<&JsValue> = Vec::with_capacity(2 + offsets.len());
    let index = JsValue::from(index);
    args.push(&index);
    args.push(&group);
    args.extend(offsets.iter());
    match call::method(encoder, "setBindGroup", &args) {
        Ok(_) => Ok(Ok(())),
        Err(e) if call::message(&e).starts_with("RangeError") => Ok(Err(SetBindGroupError {
            kind: SetBindGroupErrorKind::RangeError,
            message: call::message(&e),
        })),
        Err(e) => Err(call::trap(wit, &e)),
    }
}

/// The result of a `setImmediates` call for WIT function `wit`: an exception traps, and one from
/// a browser without the method says that is why.
fn immediates(wit: &str, encoder: &JsValue, r: Result<(), JsValue>) -> Result<(), Trap> {
    r.map_err(|e| {
        if call::get(encoder, "setImmediates").is_undefined() {
            Trap(format!(
                "{wit}: this browser's WebGPU has no setImmediates (immediate data)"
            ))
        } else {
            call::trap(wit, &e)
        }
    })
}

/// `setIndexBuffer(buffer, format, offset, size?)` on a pass or bundle encoder, by name (the
/// format is a string: no web-sys enum).
fn set_index_buffer(
    b: &Bridge,
    wit: &str,
    encoder: &JsValue,
    buffer: Borrow<GpuBuffer>,
    index_format: GpuIndexFormat,
    offset: Option<u64>,
    size: Option<u64>,
) -> Result<(), Trap> {
    let (buffer, format) = (b.obj(&buffer), b.js(&index_format));
    let offset = JsValue::from_f64(offset.unwrap_or(0) as f64);
    match size {
        Some(n) => {
            let n = JsValue::from_f64(n as f64);
            b.call(
                wit,
                encoder,
                "setIndexBuffer",
                &[&buffer, &format, &offset, &n],
            )
        }
        None => b.call(wit, encoder, "setIndexBuffer", &[&buffer, &format, &offset]),
    }
    .map(drop)
}

/// Implements `push-debug-group` / `pop-debug-group` / `insert-debug-marker` of an encoder
/// trait (every WebGPU encoder has them; typed calls on web-sys type `$js`).
macro_rules! debug_groups {
    ($ty:ty, $js:ty, $push:ident, $pop:ident, $insert:ident) => {
        fn $push(&mut self, self_: Borrow<$ty>, group_label: String) -> Result<(), Trap> {
            let objects = self.shared.objects.borrow();
            objects
                .typed::<$js>(self_.rep())
                .push_debug_group(&group_label);
            Ok(())
        }
        fn $pop(&mut self, self_: Borrow<$ty>) -> Result<(), Trap> {
            let objects = self.shared.objects.borrow();
            objects.typed::<$js>(self_.rep()).pop_debug_group();
            Ok(())
        }
        fn $insert(&mut self, self_: Borrow<$ty>, marker_label: String) -> Result<(), Trap> {
            let objects = self.shared.objects.borrow();
            objects
                .typed::<$js>(self_.rep())
                .insert_debug_marker(&marker_label);
            Ok(())
        }
    };
}

impl HostGpuCommandEncoder for Bridge {
    fn gpu_command_encoder_begin_render_pass(
        &mut self,
        self_: Borrow<GpuCommandEncoder>,
        descriptor: GpuRenderPassDescriptor,
    ) -> Result<Resource<GpuRenderPassEncoder>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-command-encoder.begin-render-pass",
            &self.obj(&self_),
            "beginRenderPass",
            &[&d],
        )
    }

    fn gpu_command_encoder_begin_compute_pass(
        &mut self,
        self_: Borrow<GpuCommandEncoder>,
        descriptor: Option<GpuComputePassDescriptor>,
    ) -> Result<Resource<GpuComputePassEncoder>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-command-encoder.begin-compute-pass",
            &self.obj(&self_),
            "beginComputePass",
            &[&d],
        )
    }

    fn gpu_command_encoder_copy_buffer_to_buffer(
        &mut self,
        self_: Borrow<GpuCommandEncoder>,
        source: Borrow<GpuBuffer>,
        source_offset: Option<GpuSize64>,
        destination: Borrow<GpuBuffer>,
        destination_offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Result<(), Trap> {
        let wit = "[method]gpu-command-encoder.copy-buffer-to-buffer";
        let (src, dst) = (self.obj(&source), self.obj(&destination));
        let enc = self.obj(&self_);
        let num = |v: u64| JsValue::from_f64(v as f64);
        match (source_offset, destination_offset, size) {
            // WebGPU's short form: whole buffers.
            (None, None, None) => self.call(wit, &enc, "copyBufferToBuffer", &[&src, &dst]),
            (so, dof, size) => {
                let (so, dof) = (num(so.unwrap_or(0)), num(dof.unwrap_or(0)));
                match size {
                    Some(n) => self.call(
                        wit,
                        &enc,
                        "copyBufferToBuffer",
                        &[&src, &so, &dst, &dof, &num(n)],
                    ),
                    None => self.call(wit, &enc, "copyBufferToBuffer", &[&src, &so, &dst, &dof]),
                }
            }
        }
        .map(drop)
    }

    fn gpu_command_encoder_copy_buffer_to_texture(
        &mut self,
        self_: Borrow<GpuCommandEncoder>,
        source: GpuTexelCopyBufferInfo,
        destination: GpuTexelCopyTextureInfo,
        copy_size: GpuExtent3D,
    ) -> Result<(), Trap> {
        let (src, dst, size) = (self.js(&source), self.js(&destination), self.js(&copy_size));
        self.call(
            "[method]gpu-command-encoder.copy-buffer-to-texture",
            &self.obj(&self_),
            "copyBufferToTexture",
            &[&src, &dst, &size],
        )
        .map(drop)
    }

    fn gpu_command_encoder_copy_texture_to_buffer(
        &mut self,
        self_: Borrow<GpuCommandEncoder>,
        source: GpuTexelCopyTextureInfo,
        destination: GpuTexelCopyBufferInfo,
        copy_size: GpuExtent3D,
    ) -> Result<(), Trap> {
        let (src, dst, size) = (self.js(&source), self.js(&destination), self.js(&copy_size));
        self.call(
            "[method]gpu-command-encoder.copy-texture-to-buffer",
            &self.obj(&self_),
            "copyTextureToBuffer",
            &[&src, &dst, &size],
        )
        .map(drop)
    }

    fn gpu_command_encoder_copy_texture_to_texture(
        &mut self,
        self_: Borrow<GpuCommandEncoder>,
        source: GpuTexelCopyTextureInfo,
        destination: GpuTexelCopyTextureInfo,
        copy_size: GpuExtent3D,
    ) -> Result<(), Trap> {
        let (src, dst, size) = (self.js(&source), self.js(&destination), self.js(&copy_size));
        self.call(
            "[method]gpu-command-encoder.copy-texture-to-texture",
            &self.obj(&self_),
            "copyTextureToTexture",
            &[&src, &dst, &size],
        )
        .map(drop)
    }

    fn gpu_command_encoder_clear_buffer(
        &mut self,
        self_: Borrow<GpuCommandEncoder>,
        buffer: Borrow<GpuBuffer>,
        offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Result<(), Trap> {
        let wit = "[method]gpu-command-encoder.clear-buffer";
        let (enc, buffer) = (self.obj(&self_), self.obj(&buffer));
        let offset = JsValue::from_f64(offset.unwrap_or(0) as f64);
        match size {
            Some(n) => {
                let n = JsValue::from_f64(n as f64);
                self.call(wit, &enc, "clearBuffer", &[&buffer, &offset, &n])
            }
            // WebGPU's default size: the rest of the buffer.
            None => self.call(wit, &enc, "clearBuffer", &[&buffer, &offset]),
        }
        .map(drop)
    }

    fn gpu_command_encoder_resolve_query_set(
        &mut self,
        self_: Borrow<GpuCommandEncoder>,
        query_set: Borrow<GpuQuerySet>,
        first_query: GpuSize32,
        query_count: GpuSize32,
        destination: Borrow<GpuBuffer>,
        destination_offset: GpuSize64,
    ) -> Result<(), Trap> {
        let (set, dst) = (self.obj(&query_set), self.obj(&destination));
        let (first, count) = (JsValue::from(first_query), JsValue::from(query_count));
        let offset = JsValue::from_f64(destination_offset as f64);
        self.call(
            "[method]gpu-command-encoder.resolve-query-set",
            &self.obj(&self_),
            "resolveQuerySet",
            &[&set, &first, &count, &dst, &offset],
        )
        .map(drop)
    }

    fn gpu_command_encoder_finish(
        &mut self,
        self_: Borrow<GpuCommandEncoder>,
        descriptor: Option<GpuCommandBufferDescriptor>,
    ) -> Result<Resource<GpuCommandBuffer>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-command-encoder.finish",
            &self.obj(&self_),
            "finish",
            &[&d],
        )
    }

    labels!(
        GpuCommandEncoder,
        gpu_command_encoder_label,
        gpu_command_encoder_set_label
    );

    debug_groups!(
        GpuCommandEncoder,
        web_sys::GpuCommandEncoder,
        gpu_command_encoder_push_debug_group,
        gpu_command_encoder_pop_debug_group,
        gpu_command_encoder_insert_debug_marker
    );

    fn gpu_command_encoder_drop(&mut self, r: Resource<GpuCommandEncoder>) {
        self.forget(r)
    }
}

impl HostGpuRenderPassEncoder for Bridge {
    fn gpu_render_pass_encoder_set_viewport(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        min_depth: f32,
        max_depth: f32,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.set_viewport(x, y, width, height, min_depth, max_depth);
        Ok(())
    }

    fn gpu_render_pass_encoder_set_scissor_rect(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        x: GpuIntegerCoordinate,
        y: GpuIntegerCoordinate,
        width: GpuIntegerCoordinate,
        height: GpuIntegerCoordinate,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.set_scissor_rect(x, y, width, height);
        Ok(())
    }

    fn gpu_render_pass_encoder_set_blend_constant(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        color: GpuColor,
    ) -> Result<(), Trap> {
        let color = self.js(&color);
        self.call(
            "[method]gpu-render-pass-encoder.set-blend-constant",
            &self.obj(&self_),
            "setBlendConstant",
            &[&color],
        )
        .map(drop)
    }

    fn gpu_render_pass_encoder_set_stencil_reference(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        reference: GpuStencilValue,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.set_stencil_reference(reference);
        Ok(())
    }

    fn gpu_render_pass_encoder_begin_occlusion_query(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        query_index: GpuSize32,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.begin_occlusion_query(query_index);
        Ok(())
    }

    fn gpu_render_pass_encoder_end_occlusion_query(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.end_occlusion_query();
        Ok(())
    }

    fn gpu_render_pass_encoder_execute_bundles(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        bundles: Vec<Borrow<GpuRenderBundle>>,
    ) -> Result<(), Trap> {
        let bundles: js_sys::Array = bundles.iter().map(|b| self.obj(b)).collect();
        self.call(
            "[method]gpu-render-pass-encoder.execute-bundles",
            &self.obj(&self_),
            "executeBundles",
            &[&bundles],
        )
        .map(drop)
    }

    fn gpu_render_pass_encoder_set_pipeline(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        pipeline: Borrow<GpuRenderPipeline>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.set_pipeline(objects.typed(pipeline.rep()));
        Ok(())
    }

    fn gpu_render_pass_encoder_set_bind_group(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        index: GpuIndex32,
        bind_group: Option<Borrow<GpuBindGroup>>,
        dynamic_offsets_data: Option<Vec<GpuBufferDynamicOffset>>,
        dynamic_offsets_data_start: Option<GpuSize64>,
        dynamic_offsets_data_length: Option<GpuSize32>,
    ) -> Result<Result<(), SetBindGroupError>, Trap> {
        let offsets = bind_group_args(
            dynamic_offsets_data,
            dynamic_offsets_data_start,
            dynamic_offsets_data_length,
        );
        if offsets.is_empty() {
            // The per-frame case: typed, no offsets.
            let objects = self.shared.objects.borrow();
            let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
            pass.set_bind_group(index, bind_group.map(|g| objects.typed(g.rep())));
            return Ok(Ok(()));
        }
        set_bind_group(
            self,
            "[method]gpu-render-pass-encoder.set-bind-group",
            &self.obj(&self_),
            index,
            bind_group,
            offsets,
        )
    }

    fn gpu_render_pass_encoder_set_vertex_buffer(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        slot: GpuIndex32,
        buffer: Option<Borrow<GpuBuffer>>,
        offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        let buffer = buffer.map(|b| objects.typed(b.rep()));
        let offset = offset.unwrap_or(0) as f64;
        match size {
            Some(size) => {
                pass.set_vertex_buffer_with_f64_and_f64(slot, buffer, offset, size as f64)
            }
            None => pass.set_vertex_buffer_with_f64(slot, buffer, offset),
        }
        Ok(())
    }

    fn gpu_render_pass_encoder_draw(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        vertex_count: GpuSize32,
        instance_count: Option<GpuSize32>,
        first_vertex: Option<GpuSize32>,
        first_instance: Option<GpuSize32>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.draw_with_instance_count_and_first_vertex_and_first_instance(
            vertex_count,
            instance_count.unwrap_or(1),
            first_vertex.unwrap_or(0),
            first_instance.unwrap_or(0),
        );
        Ok(())
    }

    fn gpu_render_pass_encoder_set_index_buffer(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        buffer: Borrow<GpuBuffer>,
        index_format: GpuIndexFormat,
        offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Result<(), Trap> {
        set_index_buffer(
            self,
            "[method]gpu-render-pass-encoder.set-index-buffer",
            &self.obj(&self_),
            buffer,
            index_format,
            offset,
            size,
        )
    }

    fn gpu_render_pass_encoder_draw_indexed(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        index_count: GpuSize32,
        instance_count: Option<GpuSize32>,
        first_index: Option<GpuSize32>,
        base_vertex: Option<GpuSignedOffset32>,
        first_instance: Option<GpuSize32>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.draw_indexed_with_instance_count_and_first_index_and_base_vertex_and_first_instance(
            index_count,
            instance_count.unwrap_or(1),
            first_index.unwrap_or(0),
            base_vertex.unwrap_or(0),
            first_instance.unwrap_or(0),
        );
        Ok(())
    }

    fn gpu_render_pass_encoder_draw_indirect(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        indirect_buffer: Borrow<GpuBuffer>,
        indirect_offset: GpuSize64,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.draw_indirect_with_f64(objects.typed(indirect_buffer.rep()), indirect_offset as f64);
        Ok(())
    }

    fn gpu_render_pass_encoder_draw_indexed_indirect(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        indirect_buffer: Borrow<GpuBuffer>,
        indirect_offset: GpuSize64,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.draw_indexed_indirect_with_f64(
            objects.typed(indirect_buffer.rep()),
            indirect_offset as f64,
        );
        Ok(())
    }

    fn gpu_render_pass_encoder_set_immediates(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
        range_offset: GpuSize32,
        data: Vec<u8>,
        data_offset: Option<GpuSize64>,
        data_size: Option<GpuSize64>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        let offset = data_offset.unwrap_or(0) as f64;
        let r = match data_size {
            Some(n) => pass.set_immediates_with_u8_slice_and_f64_and_f64(
                range_offset,
                &data,
                offset,
                n as f64,
            ),
            None => pass.set_immediates_with_u8_slice_and_f64(range_offset, &data, offset),
        };
        immediates("[method]gpu-render-pass-encoder.set-immediates", pass, r)
    }

    fn gpu_render_pass_encoder_end(
        &mut self,
        self_: Borrow<GpuRenderPassEncoder>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuRenderPassEncoder = objects.typed(self_.rep());
        pass.end();
        Ok(())
    }

    labels!(
        GpuRenderPassEncoder,
        gpu_render_pass_encoder_label,
        gpu_render_pass_encoder_set_label
    );

    debug_groups!(
        GpuRenderPassEncoder,
        web_sys::GpuRenderPassEncoder,
        gpu_render_pass_encoder_push_debug_group,
        gpu_render_pass_encoder_pop_debug_group,
        gpu_render_pass_encoder_insert_debug_marker
    );

    fn gpu_render_pass_encoder_drop(&mut self, r: Resource<GpuRenderPassEncoder>) {
        self.forget(r)
    }
}

impl HostGpuComputePassEncoder for Bridge {
    fn gpu_compute_pass_encoder_set_pipeline(
        &mut self,
        self_: Borrow<GpuComputePassEncoder>,
        pipeline: Borrow<GpuComputePipeline>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuComputePassEncoder = objects.typed(self_.rep());
        pass.set_pipeline(objects.typed(pipeline.rep()));
        Ok(())
    }

    fn gpu_compute_pass_encoder_set_bind_group(
        &mut self,
        self_: Borrow<GpuComputePassEncoder>,
        index: GpuIndex32,
        bind_group: Option<Borrow<GpuBindGroup>>,
        dynamic_offsets_data: Option<Vec<GpuBufferDynamicOffset>>,
        dynamic_offsets_data_start: Option<GpuSize64>,
        dynamic_offsets_data_length: Option<GpuSize32>,
    ) -> Result<Result<(), SetBindGroupError>, Trap> {
        let offsets = bind_group_args(
            dynamic_offsets_data,
            dynamic_offsets_data_start,
            dynamic_offsets_data_length,
        );
        set_bind_group(
            self,
            "[method]gpu-compute-pass-encoder.set-bind-group",
            &self.obj(&self_),
            index,
            bind_group,
            offsets,
        )
    }

    fn gpu_compute_pass_encoder_dispatch_workgroups(
        &mut self,
        self_: Borrow<GpuComputePassEncoder>,
        workgroup_count_x: GpuSize32,
        workgroup_count_y: Option<GpuSize32>,
        workgroup_count_z: Option<GpuSize32>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuComputePassEncoder = objects.typed(self_.rep());
        pass.dispatch_workgroups_with_workgroup_count_y_and_workgroup_count_z(
            workgroup_count_x,
            workgroup_count_y.unwrap_or(1),
            workgroup_count_z.unwrap_or(1),
        );
        Ok(())
    }

    fn gpu_compute_pass_encoder_dispatch_workgroups_indirect(
        &mut self,
        self_: Borrow<GpuComputePassEncoder>,
        indirect_buffer: Borrow<GpuBuffer>,
        indirect_offset: GpuSize64,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuComputePassEncoder = objects.typed(self_.rep());
        pass.dispatch_workgroups_indirect_with_f64(
            objects.typed(indirect_buffer.rep()),
            indirect_offset as f64,
        );
        Ok(())
    }

    fn gpu_compute_pass_encoder_set_immediates(
        &mut self,
        self_: Borrow<GpuComputePassEncoder>,
        range_offset: GpuSize32,
        data: Vec<u8>,
        data_offset: Option<GpuSize64>,
        data_size: Option<GpuSize64>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuComputePassEncoder = objects.typed(self_.rep());
        let offset = data_offset.unwrap_or(0) as f64;
        let r = match data_size {
            Some(n) => pass.set_immediates_with_u8_slice_and_f64_and_f64(
                range_offset,
                &data,
                offset,
                n as f64,
            ),
            None => pass.set_immediates_with_u8_slice_and_f64(range_offset, &data, offset),
        };
        immediates("[method]gpu-compute-pass-encoder.set-immediates", pass, r)
    }

    fn gpu_compute_pass_encoder_end(
        &mut self,
        self_: Borrow<GpuComputePassEncoder>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let pass: &web_sys::GpuComputePassEncoder = objects.typed(self_.rep());
        pass.end();
        Ok(())
    }

    labels!(
        GpuComputePassEncoder,
        gpu_compute_pass_encoder_label,
        gpu_compute_pass_encoder_set_label
    );

    debug_groups!(
        GpuComputePassEncoder,
        web_sys::GpuComputePassEncoder,
        gpu_compute_pass_encoder_push_debug_group,
        gpu_compute_pass_encoder_pop_debug_group,
        gpu_compute_pass_encoder_insert_debug_marker
    );

    fn gpu_compute_pass_encoder_drop(&mut self, r: Resource<GpuComputePassEncoder>) {
        self.forget(r)
    }
}

impl HostGpuRenderBundleEncoder for Bridge {
    fn gpu_render_bundle_encoder_finish(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        descriptor: Option<GpuRenderBundleDescriptor>,
    ) -> Result<Resource<GpuRenderBundle>, Trap> {
        let d = self.js(&descriptor);
        self.create(
            "[method]gpu-render-bundle-encoder.finish",
            &self.obj(&self_),
            "finish",
            &[&d],
        )
    }

    fn gpu_render_bundle_encoder_set_bind_group(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        index: GpuIndex32,
        bind_group: Option<Borrow<GpuBindGroup>>,
        dynamic_offsets_data: Option<Vec<GpuBufferDynamicOffset>>,
        dynamic_offsets_data_start: Option<GpuSize64>,
        dynamic_offsets_data_length: Option<GpuSize32>,
    ) -> Result<Result<(), SetBindGroupError>, Trap> {
        let offsets = bind_group_args(
            dynamic_offsets_data,
            dynamic_offsets_data_start,
            dynamic_offsets_data_length,
        );
        if offsets.is_empty() {
            let objects = self.shared.objects.borrow();
            let bundle: &web_sys::GpuRenderBundleEncoder = objects.typed(self_.rep());
            bundle.set_bind_group(index, bind_group.map(|g| objects.typed(g.rep())));
            return Ok(Ok(()));
        }
        set_bind_group(
            self,
            "[method]gpu-render-bundle-encoder.set-bind-group",
            &self.obj(&self_),
            index,
            bind_group,
            offsets,
        )
    }

    fn gpu_render_bundle_encoder_set_immediates(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        range_offset: GpuSize32,
        data: Vec<u8>,
        data_offset: Option<GpuSize64>,
        data_size: Option<GpuSize64>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let bundle: &web_sys::GpuRenderBundleEncoder = objects.typed(self_.rep());
        let offset = data_offset.unwrap_or(0) as f64;
        let r = match data_size {
            Some(n) => bundle.set_immediates_with_u8_slice_and_f64_and_f64(
                range_offset,
                &data,
                offset,
                n as f64,
            ),
            None => bundle.set_immediates_with_u8_slice_and_f64(range_offset, &data, offset),
        };
        immediates(
            "[method]gpu-render-bundle-encoder.set-immediates",
            bundle,
            r,
        )
    }

    fn gpu_render_bundle_encoder_set_pipeline(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        pipeline: Borrow<GpuRenderPipeline>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let bundle: &web_sys::GpuRenderBundleEncoder = objects.typed(self_.rep());
        bundle.set_pipeline(objects.typed(pipeline.rep()));
        Ok(())
    }

    fn gpu_render_bundle_encoder_set_index_buffer(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        buffer: Borrow<GpuBuffer>,
        index_format: GpuIndexFormat,
        offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Result<(), Trap> {
        set_index_buffer(
            self,
            "[method]gpu-render-bundle-encoder.set-index-buffer",
            &self.obj(&self_),
            buffer,
            index_format,
            offset,
            size,
        )
    }

    fn gpu_render_bundle_encoder_set_vertex_buffer(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        slot: GpuIndex32,
        buffer: Option<Borrow<GpuBuffer>>,
        offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let bundle: &web_sys::GpuRenderBundleEncoder = objects.typed(self_.rep());
        let buffer = buffer.map(|b| objects.typed(b.rep()));
        let offset = offset.unwrap_or(0) as f64;
        match size {
            Some(size) => {
                bundle.set_vertex_buffer_with_f64_and_f64(slot, buffer, offset, size as f64)
            }
            None => bundle.set_vertex_buffer_with_f64(slot, buffer, offset),
        }
        Ok(())
    }

    fn gpu_render_bundle_encoder_draw(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        vertex_count: GpuSize32,
        instance_count: Option<GpuSize32>,
        first_vertex: Option<GpuSize32>,
        first_instance: Option<GpuSize32>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let bundle: &web_sys::GpuRenderBundleEncoder = objects.typed(self_.rep());
        bundle.draw_with_instance_count_and_first_vertex_and_first_instance(
            vertex_count,
            instance_count.unwrap_or(1),
            first_vertex.unwrap_or(0),
            first_instance.unwrap_or(0),
        );
        Ok(())
    }

    fn gpu_render_bundle_encoder_draw_indexed(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        index_count: GpuSize32,
        instance_count: Option<GpuSize32>,
        first_index: Option<GpuSize32>,
        base_vertex: Option<GpuSignedOffset32>,
        first_instance: Option<GpuSize32>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let bundle: &web_sys::GpuRenderBundleEncoder = objects.typed(self_.rep());
        bundle.draw_indexed_with_instance_count_and_first_index_and_base_vertex_and_first_instance(
            index_count,
            instance_count.unwrap_or(1),
            first_index.unwrap_or(0),
            base_vertex.unwrap_or(0),
            first_instance.unwrap_or(0),
        );
        Ok(())
    }

    fn gpu_render_bundle_encoder_draw_indirect(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        indirect_buffer: Borrow<GpuBuffer>,
        indirect_offset: GpuSize64,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let bundle: &web_sys::GpuRenderBundleEncoder = objects.typed(self_.rep());
        bundle.draw_indirect_with_f64(objects.typed(indirect_buffer.rep()), indirect_offset as f64);
        Ok(())
    }

    fn gpu_render_bundle_encoder_draw_indexed_indirect(
        &mut self,
        self_: Borrow<GpuRenderBundleEncoder>,
        indirect_buffer: Borrow<GpuBuffer>,
        indirect_offset: GpuSize64,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let bundle: &web_sys::GpuRenderBundleEncoder = objects.typed(self_.rep());
        bundle.draw_indexed_indirect_with_f64(
            objects.typed(indirect_buffer.rep()),
            indirect_offset as f64,
        );
        Ok(())
    }

    labels!(
        GpuRenderBundleEncoder,
        gpu_render_bundle_encoder_label,
        gpu_render_bundle_encoder_set_label
    );

    debug_groups!(
        GpuRenderBundleEncoder,
        web_sys::GpuRenderBundleEncoder,
        gpu_render_bundle_encoder_push_debug_group,
        gpu_render_bundle_encoder_pop_debug_group,
        gpu_render_bundle_encoder_insert_debug_marker
    );

    fn gpu_render_bundle_encoder_drop(&mut self, r: Resource<GpuRenderBundleEncoder>) {
        self.forget(r)
    }
}
