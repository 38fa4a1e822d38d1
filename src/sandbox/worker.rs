//! Inside the sandbox worker: runs the component the page handed over on an `OffscreenCanvas`,
//! and reports to the page (see [`super::protocol`]).
//!
//! `wasi-gfx-loader.worker.js` instantiates the loader's wasm from the page's own
//! `WebAssembly.Module` and calls [`worker_main`] with the page's `start` message. From then on
//! the worker's event loop sends a heartbeat every [`super::HEARTBEAT_MS`] — it cannot while
//! guest code runs, which is what the page's watchdog measures.

use std::cell::RefCell;
use std::rc::Rc;

use gfx_bridge::{Port, Target};
use gfx_component::{Allowlist, Limits, Plan};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, OffscreenCanvas};

use super::protocol::{self, message, Start};
use crate::client::{self, ClientFailure, LocalRun};

thread_local! {
    /// The running component (the worker runs one, for its whole life).
    static RUN: RefCell<Option<LocalRun>> = const { RefCell::new(None) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(msg: &JsValue) {
    let _ = scope().post_message(msg);
}

fn post_failure(f: &ClientFailure) {
    post(&message(
        "failure",
        &[
            ("reason", f.reason.into()),
            ("message", f.message.as_str().into()),
        ],
    ));
}

/// Runs the component of the page's `start` message (called by the worker's script).
#[wasm_bindgen(js_name = workerMain)]
pub fn worker_main(start: JsValue) {
    let start = match Start::from_js(&start) {
        Ok(s) => s,
        Err(e) => {
            return post_failure(&ClientFailure {
                reason: "component-invalid",
                message: format!("the sandbox worker got a malformed start message: {e}"),
            })
        }
    };
    let port = Port::new();
    {
        let port = Rc::clone(&port);
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(input) = protocol::input_of(&e.data()) {
                port.deliver(input);
            }
        });
        scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget(); // the worker's whole life
    }
    gloo_timers::callback::Interval::new(super::HEARTBEAT_MS, || post(&message("alive", &[])))
        .forget();
    port.on_bitmap(|bitmap| {
        let transfer: js_sys::Array = [JsValue::from(bitmap.clone())].into_iter().collect();
        let msg = message("frame", &[("bitmap", bitmap.into())]);
        let _ = scope().post_message_with_transfer(&msg, &transfer);
    });
    port.on_frame_read(|| post(&message("want-frame", &[])));
    post(&message("ready", &[]));
    wasm_bindgen_futures::spawn_local(run(start, port));
}

async fn run(start: Start, port: Rc<Port>) {
    let canvas = match OffscreenCanvas::new(start.width, start.height) {
        Ok(c) => c,
        Err(e) => {
            return post_failure(&ClientFailure {
                reason: "canvas-in-use",
                message: format!("the sandbox worker has no OffscreenCanvas: {e:?}"),
            })
        }
    };
    let limits = Limits {
        max_memory_bytes: start.memory_bytes,
    };
    let plan = match Plan::parse(&start.component, &Allowlist::wasi_gfx(), limits) {
        Ok(p) => p,
        Err(e) => {
            return post_failure(&ClientFailure {
                reason: e.code(),
                message: e.to_string(),
            })
        }
    };
    let target = Target::Offscreen(canvas, port);
    match client::start(
        &plan,
        &start.component,
        target,
        start.gpu_errors,
        start.gpu_bytes,
    )
    .await
    {
        Ok(run) => {
            run.on_failure(post_failure);
            RUN.with(|r| *r.borrow_mut() = Some(run));
        }
        Err(f) => post_failure(&f),
    }
}
