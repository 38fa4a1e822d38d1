//! Encoders: `gpu-command-encoder`, `gpu-render-pass-encoder`, `gpu-compute-pass-encoder` and
//! `gpu-render-bundle-encoder`. The calls a frame makes many times (set-pipeline, set-bind-group,
//! set-vertex-buffer, draw, dispatch) are typed web-sys calls straight on the object; WIT's
//! absent optional arguments become WebGPU's defaults.

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

    fn gpu_compute_pass_encoder_drop(&mut self, r: Resource<GpuComputePassEncoder>) {
        self.forget(r)
    }
}

impl HostGpuRenderBundleEncoder for Bridge {
    labels!(
        GpuRenderBundleEncoder,
        gpu_render_bundle_encoder_label,
        gpu_render_bundle_encoder_set_label
    );

    fn gpu_render_bundle_encoder_drop(&mut self, r: Resource<GpuRenderBundleEncoder>) {
        self.forget(r)
    }
}
