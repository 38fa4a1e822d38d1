//! `gpu-queue`: submission, uploads (the `-with-copy` functions copy the guest's bytes into a
//! `Uint8Array` view for WebGPU, which copies them again into the GPU's staging memory) and
//! the completion of submitted work.

use gfx_component::abi::{Borrow, Resource, Trap};
use wasm_bindgen::JsValue;

use super::{labels, Async};
use crate::bindings::webgpu::*;
use crate::{call, Bridge};

impl HostGpuQueue for Bridge {
    fn gpu_queue_submit(
        &mut self,
        self_: Borrow<GpuQueue>,
        command_buffers: Vec<Borrow<GpuCommandBuffer>>,
    ) -> Result<(), Trap> {
        let objects = self.shared.objects.borrow();
        let buffers: Vec<web_sys::GpuCommandBuffer> = command_buffers
            .iter()
            .map(|b| objects.typed::<web_sys::GpuCommandBuffer>(b.rep()).clone())
            .collect();
        let queue: &web_sys::GpuQueue = objects.typed(self_.rep());
        queue.submit(&buffers);
        Ok(())
    }

    fn gpu_queue_on_submitted_work_done(&mut self, self_: Borrow<GpuQueue>) -> Async<()> {
        let queue = self.obj(&self_);
        Box::pin(async move {
            let p = call::method(&queue, "onSubmittedWorkDone", &[])
                .map_err(|e| call::trap("[method]gpu-queue.on-submitted-work-done", &e))?;
            call::settle(p)
                .await
                .map_err(|e| call::trap("[method]gpu-queue.on-submitted-work-done", &e))?;
            Ok(())
        })
    }

    fn gpu_queue_write_buffer_with_copy(
        &mut self,
        self_: Borrow<GpuQueue>,
        buffer: Borrow<GpuBuffer>,
        buffer_offset: GpuSize64,
        data: Vec<u8>,
        data_offset: Option<GpuSize64>,
        size: Option<GpuSize64>,
    ) -> Result<Result<(), WriteBufferError>, Trap> {
        let data = js_sys::Uint8Array::from(&data[..]);
        let num = |v: u64| JsValue::from_f64(v as f64);
        let (queue, buffer) = (self.obj(&self_), self.obj(&buffer));
        let offset = num(buffer_offset);
        let r = match (data_offset, size) {
            (None, None) => call::method(&queue, "writeBuffer", &[&buffer, &offset, &data]),
            (d, None) => call::method(
                &queue,
                "writeBuffer",
                &[&buffer, &offset, &data, &num(d.unwrap_or(0))],
            ),
            (d, Some(n)) => call::method(
                &queue,
                "writeBuffer",
                &[&buffer, &offset, &data, &num(d.unwrap_or(0)), &num(n)],
            ),
        };
        match r {
            Ok(_) => Ok(Ok(())),
            Err(e) => Ok(Err(WriteBufferError {
                kind: WriteBufferErrorKind::OperationError,
                message: call::message(&e),
            })),
        }
    }

    fn gpu_queue_write_texture_with_copy(
        &mut self,
        self_: Borrow<GpuQueue>,
        destination: GpuTexelCopyTextureInfo,
        data: Vec<u8>,
        data_layout: GpuTexelCopyBufferLayout,
        size: GpuExtent3D,
    ) -> Result<(), Trap> {
        let data = js_sys::Uint8Array::from(&data[..]);
        let (dst, layout, size) = (self.js(&destination), self.js(&data_layout), self.js(&size));
        self.call(
            "[method]gpu-queue.write-texture-with-copy",
            &self.obj(&self_),
            "writeTexture",
            &[&dst, &data, &layout, &size],
        )
        .map(drop)
    }

    labels!(GpuQueue, gpu_queue_label, gpu_queue_set_label);

    fn gpu_queue_drop(&mut self, r: Resource<GpuQueue>) {
        self.forget(r)
    }
}
