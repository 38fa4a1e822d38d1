//! Inside the sandbox worker: runs the component the page handed over on an `OffscreenCanvas`,
//! and reports to the page (see [`super::protocol`]).
//!
//! `wasi-gfx-loader.worker.js` instantiates the loader's wasm from the page's own
//! `WebAssembly.Module` (the page's `init` message) and calls [`worker_main`]; the page's
//! `start` message then hands over the component. From then on
//! the worker's event loop sends a heartbeat every [`super::HEARTBEAT_MS`] — it cannot while
//! guest code runs, which is what the page's watchdog measures.

use std::cell::RefCell;
use std::rc::Rc;

use gfx_bridge::{AdapterAhead, Port, Target};
use gfx_component::{Allowlist, Limits, Plan};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, OffscreenCanvas};

use super::protocol::{self, message, Start};
use crate::client::{self, ClientFailure, LocalRun};

thread_local! {
    /// The running component (the worker runs one, for its whole life).
    static RUN: RefCell<Option<LocalRun>> = const { RefCell::new(None) };
    /// The GPU adapter asked for at the page's `prepare`, until the component takes it.
    static ADAPTER: RefCell<Option<AdapterAhead>> = const { RefCell::new(None) };
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

/// Installs the worker's message handler (called by the worker's script once the loader's wasm
/// is instantiated): the page's `start` message runs the component, later messages are its
/// input. Says `ready` and starts the heartbeat.
#[wasm_bindgen(js_name = workerMain)]
pub fn worker_main() {
    let port = Port::new();
    {
        let port = Rc::clone(&port);
        let started = std::cell::Cell::new(false);
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            if let Some(input) = protocol::input_of(&data) {
                return port.deliver(input);
            }
            if started.get() {
                return; // one component per worker
            }
            if protocol::is_prepare(&data) {
                // Not earlier: an adapter costs the browser's GPU process real work (on
                // SwiftShader tens of ms of CPU), which a page shown from the server should not
                // pay; from now on it comes while the page plans the component and the worker
                // compiles it.
                ADAPTER.with(|a| {
                    let mut a = a.borrow_mut();
                    if a.is_none() {
                        *a = AdapterAhead::request();
                    }
                });
                return;
            }
            match Start::from_js(&data) {
                Ok(start) => {
                    started.set(true);
                    wasm_bindgen_futures::spawn_local(run(start, Rc::clone(&port)));
                }
                Err(e) => post_failure(&ClientFailure {
                    reason: "component-invalid",
                    message: format!("the sandbox worker got a malformed message: {e}"),
                }),
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
    post(&message(
        "ready",
        &[(
            "pageFrames",
            (!gfx_bridge::surface::has_animation_frames()).into(),
        )],
    ));
}

async fn run(start: Start, port: Rc<Port>) {
    // Asked for at `prepare`, or now: the guest's first default `request-adapter` gets it.
    let adapter = ADAPTER
        .with(|a| a.borrow_mut().take())
        .or_else(AdapterAhead::request);
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
    let target = Target::Offscreen(canvas, Rc::clone(&port));
    match client::start(
        &plan,
        &start.component,
        target,
        start.gpu_errors,
        start.gpu_bytes,
        adapter,
    )
    .await
    {
        Ok(run) => {
            let port = Rc::clone(&port);
            run.on_failure(move |f| {
                let (f, port) = (f.clone(), Rc::clone(&port));
                wasm_bindgen_futures::spawn_local(async move {
                    port.frames_handed_over().await;
                    post_failure(&f);
                });
            });
            RUN.with(|r| *r.borrow_mut() = Some(run));
        }
        Err(f) => {
            // Frames the guest presented before failing reach the page first.
            port.frames_handed_over().await;
            post_failure(&f);
        }
    }
}
