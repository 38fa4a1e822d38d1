//! What WebGPU reports failures with: `gpu-error` (a `GPUValidationError`,
//! `GPUOutOfMemoryError` or `GPUInternalError`), `gpu-uncaptured-error-event`,
//! `gpu-device-lost-info`; and the device's `lost` future and `on-uncaptured-error` stream
//! (made here for `gpu-device`), plus [`error_name`] for mapping exceptions to WIT's error
//! variants.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Poll, Waker};

use gfx_component::abi::{self, Borrow, FutureReader, Resource, StreamReader, Trap};
use wasm_bindgen::{JsCast, JsValue};

use super::objects::prop;
use crate::bindings::webgpu::*;
use crate::surface::MAX_QUEUED;
use crate::{call, Bridge, Shared};

/// The `name` of a thrown or rejected value (`OperationError`, `TypeError`; empty if none).
pub(crate) fn error_name(e: &JsValue) -> String {
    Bridge::string(e, "name")
}

/// `device.lost` as a WIT future: its `GPUDeviceLostInfo` once the device is lost.
pub(crate) fn lost(
    shared: &Rc<Shared>,
    device: &JsValue,
) -> FutureReader<Resource<GpuDeviceLostInfo>> {
    let (writer, reader) = abi::future();
    let lost = call::get(device, "lost");
    let shared = Rc::clone(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(info) = call::settle(lost).await else {
            return; // never rejects; the guest sees the future dropped
        };
        let info = Resource::new(shared.objects.borrow_mut().insert(info));
        let rep = info.rep();
        if writer.write(info).await.is_err() {
            shared.objects.borrow_mut().remove(rep); // the guest dropped its end
        }
    });
    reader
}

/// Errors not yet written to an `on-uncaptured-error` stream.
#[derive(Default)]
struct Pending {
    errors: VecDeque<JsValue>,
    /// The device was lost: no more errors will come.
    ended: bool,
    waker: Option<Waker>,
}

impl Pending {
    fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// The `error` of every `uncapturederror` event of `device` from now on, as a WIT stream (at
/// most [`MAX_QUEUED`] unread: older ones are dropped). It ends when the device is lost (after
/// the errors before), when the embedder stops the component, or when the guest drops it.
pub(crate) fn uncaptured_errors(
    shared: &Rc<Shared>,
    device: &JsValue,
) -> StreamReader<Resource<GpuError>> {
    let (mut writer, reader) = abi::stream();
    let pending = Rc::new(RefCell::new(Pending::default()));
    let p = Rc::clone(&pending);
    let target: &web_sys::EventTarget = device.unchecked_ref();
    let listener = gloo_events::EventListener::new(target, "uncapturederror", move |event| {
        let mut p = p.borrow_mut();
        if p.errors.len() == MAX_QUEUED {
            p.errors.pop_front();
        }
        p.errors.push_back(call::get(event, "error"));
        p.wake();
    });
    let p = Rc::clone(&pending);
    let lost = call::get(device, "lost");
    wasm_bindgen_futures::spawn_local(async move {
        let _ = call::settle(lost).await;
        let mut p = p.borrow_mut();
        p.ended = true;
        p.wake();
    });
    let shared = Rc::clone(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let _listening = listener;
        loop {
            let next = std::future::poll_fn(|cx| {
                let mut p = pending.borrow_mut();
                if shared.stopped() {
                    return Poll::Ready(None);
                }
                if let Some(e) = p.errors.pop_front() {
                    return Poll::Ready(Some(e));
                }
                if p.ended {
                    return Poll::Ready(None);
                }
                p.waker = Some(cx.waker().clone());
                Poll::Pending
            })
            .await;
            let Some(error) = next else { break };
            let error = Resource::new(shared.objects.borrow_mut().insert(error));
            let rep = error.rep();
            if writer.write(vec![error]).await.is_err() {
                shared.objects.borrow_mut().remove(rep); // not taken: the guest dropped its end
                break;
            }
        }
    });
    reader
}

impl HostGpuError for Bridge {
    fn gpu_error_message(&mut self, self_: Borrow<GpuError>) -> Result<String, Trap> {
        Ok(Bridge::string(&self.obj(&self_), "message"))
    }

    /// The error's class: WIT's `gpu-error-kind` is WebGPU's three subclasses of `GPUError`.
    fn gpu_error_kind(&mut self, self_: Borrow<GpuError>) -> Result<GpuErrorKind, Trap> {
        let error = self.obj(&self_);
        let class = Bridge::string(&call::get(&error, "constructor"), "name");
        match class.as_str() {
            "GPUValidationError" => Ok(GpuErrorKind::ValidationError),
            "GPUOutOfMemoryError" => Ok(GpuErrorKind::OutOfMemoryError),
            "GPUInternalError" => Ok(GpuErrorKind::InternalError),
            _ => Err(Trap(format!(
                "[method]gpu-error.kind: a {class:?} is none of WIT's gpu-error-kind"
            ))),
        }
    }

    fn gpu_error_drop(&mut self, r: Resource<GpuError>) {
        self.forget(r)
    }
}

impl HostGpuUncapturedErrorEvent for Bridge {
    fn gpu_uncaptured_error_event_error(
        &mut self,
        self_: Borrow<GpuUncapturedErrorEvent>,
    ) -> Result<Resource<GpuError>, Trap> {
        let v = call::get(&self.obj(&self_), "error");
        Ok(self.keep(v))
    }

    fn gpu_uncaptured_error_event_drop(&mut self, r: Resource<GpuUncapturedErrorEvent>) {
        self.forget(r)
    }
}

impl HostGpuDeviceLostInfo for Bridge {
    fn gpu_device_lost_info_reason(
        &mut self,
        self_: Borrow<GpuDeviceLostInfo>,
    ) -> Result<GpuDeviceLostReason, Trap> {
        prop(
            "[method]gpu-device-lost-info.reason",
            &self.obj(&self_),
            "reason",
        )
    }

    fn gpu_device_lost_info_message(
        &mut self,
        self_: Borrow<GpuDeviceLostInfo>,
    ) -> Result<String, Trap> {
        Ok(Bridge::string(&self.obj(&self_), "message"))
    }

    fn gpu_device_lost_info_drop(&mut self, r: Resource<GpuDeviceLostInfo>) {
        self.forget(r)
    }
}
