//! The page's side of the sandbox: the worker, the watchdog, events in, frames out.
//!
//! [`start`] creates the worker and waits for its first frame (or its failure). The canvas gets a
//! `bitmaprenderer` context: each frame the worker sends replaces what it shows, at the worker's
//! drawing-buffer size. Any failure — reported by the worker, the watchdog's `cpu-limit`, a
//! malformed message, a worker that cannot start — terminates the worker at once, which frees
//! its memory and GPU device; [`WorkerRun::on_failure`] then lets the loader show server frames
//! on the same canvas.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Poll, Waker};

use gfx_trust::policy::GpuErrors;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, MessageEvent, Worker};

use super::protocol::{self, message, FromWorker, Start};
use crate::client::{ClientFailure, FIRST_FRAME_TIMEOUT_MS};
use crate::js;

thread_local! {
    /// Where `wasi-gfx-loader.worker.js` is (set by the loader's script, [`set_worker_url`]).
    static WORKER_URL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Tells the loader where its worker script is: the shell calls it once, with the URL next to
/// its own script.
#[wasm_bindgen(js_name = setWorkerUrl)]
pub fn set_worker_url(url: String) {
    WORKER_URL.with(|u| *u.borrow_mut() = Some(url));
}

/// The worker script's URL (default: `wasi-gfx-loader.worker.js` relative to the page).
pub fn worker_url() -> String {
    WORKER_URL
        .with(|u| u.borrow().clone())
        .unwrap_or_else(|| "wasi-gfx-loader.worker.js".into())
}

/// A sandbox worker started ahead of the decision (it loads the loader's wasm while the
/// component downloads and verifies); dropped unused, it is terminated.
pub struct Spawned {
    worker: Worker,
    /// The worker said `ready` before [`start`] took over (its `pageFrames`).
    ready: Rc<Cell<Option<bool>>>,
    /// The worker failed to start before [`start`] took over.
    error: Rc<RefCell<Option<String>>>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::ErrorEvent)>,
    taken: Cell<bool>,
}

impl Spawned {
    /// Starts `wasi-gfx-loader.worker.js` and hands it the loader's module.
    pub fn new(worker_url: &str) -> Result<Spawned, ClientFailure> {
        let options = web_sys::WorkerOptions::new();
        options.set_name("wasi-gfx-loader sandbox");
        let worker = Worker::new_with_options(worker_url, &options).map_err(|e| ClientFailure {
            reason: "worker-unavailable",
            message: format!(
                "cannot start the sandbox worker {worker_url}: {}",
                js::describe(&e)
            ),
        })?;
        let ready = Rc::new(Cell::new(None));
        let error = Rc::new(RefCell::new(None));
        let on_msg = {
            let (ready, error) = (Rc::clone(&ready), Rc::clone(&error));
            Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
                match FromWorker::from_js(&e.data()) {
                    Ok(FromWorker::Ready(page_frames)) => ready.set(Some(page_frames)),
                    Ok(FromWorker::Failure { message, .. }) => *error.borrow_mut() = Some(message),
                    _ => {}
                }
            })
        };
        let on_error = {
            let error = Rc::clone(&error);
            Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                e.prevent_default();
                *error.borrow_mut() = Some(e.message());
            })
        };
        worker.set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let init = message("init", &[("module", wasm_bindgen::module())]);
        if let Err(e) = worker.post_message(&init) {
            worker.terminate();
            return Err(ClientFailure {
                reason: "worker-unavailable",
                message: format!(
                    "cannot hand the loader to the sandbox worker: {}",
                    js::describe(&e)
                ),
            });
        }
        Ok(Spawned {
            worker,
            ready,
            error,
            _on_message: on_msg,
            _on_error: on_error,
            taken: Cell::new(false),
        })
    }

    /// Tells the worker its component may run (the decision says so): it asks for the GPU
    /// adapter now, while the page plans the component and asks for consent.
    pub fn prepare(&self) {
        let _ = self.worker.post_message(&message("prepare", &[]));
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if !self.taken.get() {
            self.worker.terminate();
        }
    }
}

/// What the sandbox is given besides the component.
pub struct Sandbox {
    /// URL of `wasi-gfx-loader.worker.js`.
    pub worker_url: String,
    /// The policy's cpu limit: the longest activation, ms.
    pub cpu_ms: f64,
    /// The policy's memory limit, bytes.
    pub memory_bytes: u64,
    /// The GPU budget (bytes of live buffers and textures).
    pub gpu_bytes: u64,
    /// What an uncaptured GPU error does.
    pub gpu_errors: GpuErrors,
}

/// The embedder's failure callback.
type FailureCallback = Box<dyn Fn(&ClientFailure)>;

struct State {
    worker: Worker,
    canvas: HtmlCanvasElement,
    renderer: JsValue,
    cpu_ms: f64,
    /// The worker's message handler is installed: the watchdog runs from then on.
    ready: Cell<bool>,
    last_alive: Cell<f64>,
    frames: Cell<u64>,
    presents: RefCell<VecDeque<f64>>,
    failure: RefCell<Option<ClientFailure>>,
    on_failure: RefCell<Option<FailureCallback>>,
    /// Stopped by the page (no failure to report).
    stopped: Cell<bool>,
    waker: RefCell<Option<Waker>>,
    /// Listeners, observers, closures and timers, dropped with the run.
    keep: RefCell<Vec<Box<dyn Any>>>,
}

impl State {
    fn over(&self) -> bool {
        self.stopped.get() || self.failure.borrow().is_some()
    }

    fn post(&self, msg: &JsValue) {
        if !self.over() {
            let _ = self.worker.post_message(msg);
        }
    }

    fn wake(&self) {
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    /// Ends the run with `failure` (the first one counts) and terminates the worker.
    fn fail(&self, reason: &'static str, message: String) {
        if self.over() {
            return;
        }
        self.end();
        let failure = ClientFailure { reason, message };
        *self.failure.borrow_mut() = Some(failure.clone());
        self.wake();
        let callback = self.on_failure.borrow_mut().take();
        if let Some(f) = callback {
            f(&failure);
        }
    }

    /// Terminates the worker and, once the current callback has returned, removes the canvas
    /// listeners, observers, timers and handlers (one of which may be running now).
    fn end(&self) {
        self.worker.terminate();
        let keep = std::mem::take(&mut *self.keep.borrow_mut());
        wasm_bindgen_futures::spawn_local(async move { drop(keep) });
    }

    fn show(&self, bitmap: web_sys::ImageBitmap) {
        if self.over() {
            bitmap.close();
            return;
        }
        let (w, h) = (bitmap.width(), bitmap.height());
        if (self.canvas.width(), self.canvas.height()) != (w, h) {
            // The guest asked for another size: the page's canvas follows (and the resize
            // observer's echo is a no-op in the worker).
            self.canvas.set_width(w);
            self.canvas.set_height(h);
        }
        let _ = js::call(&self.renderer, "transferFromImageBitmap", &[&bitmap]);
        self.frames.set(self.frames.get() + 1);
        let now = js::now_ms();
        let mut presents = self.presents.borrow_mut();
        while presents.front().is_some_and(|t| now - t > 1000.0) {
            presents.pop_front();
        }
        presents.push_back(now);
        drop(presents);
        if self.frames.get() == 1 {
            self.wake();
        }
    }
}

/// A component running in the sandbox worker.
pub struct WorkerRun {
    state: Rc<State>,
}

impl WorkerRun {
    /// The page's canvas.
    pub fn canvas(&self) -> &HtmlCanvasElement {
        &self.state.canvas
    }

    /// Frames shown so far.
    pub fn frames(&self) -> u64 {
        self.state.frames.get()
    }

    /// Frames shown in the last second.
    pub fn fps(&self) -> f64 {
        let now = js::now_ms();
        let p = self.state.presents.borrow();
        p.iter().filter(|t| now - **t <= 1000.0).count() as f64
    }

    /// Calls `f` once if the component fails (also when it already has).
    pub fn on_failure(&self, f: impl Fn(&ClientFailure) + 'static) {
        let failed = self.state.failure.borrow().clone();
        match failed {
            Some(failure) => f(&failure),
            None => *self.state.on_failure.borrow_mut() = Some(Box::new(f)),
        }
    }

    /// Stops the component: the worker is terminated.
    pub fn stop(&self) {
        if !self.state.over() {
            self.state.stopped.set(true);
            self.state.end();
        }
    }
}

/// Asks for the next animation frame, whose callback sends a frame event to the worker.
fn request_frame(state: &Rc<State>) {
    let weak = Rc::downgrade(state);
    let callback = Closure::once_into_js(move |_t: f64| {
        if let Some(s) = weak.upgrade() {
            s.post(&message("frame", &[]));
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(callback.unchecked_ref());
    }
}

fn on_message(state: &Rc<State>, data: &JsValue) {
    if state.over() {
        // A frame already on its way after a stop: free it.
        if let Ok(FromWorker::Frame(b)) = FromWorker::from_js(data) {
            b.close();
        }
        return;
    }
    match FromWorker::from_js(data) {
        Ok(FromWorker::Ready(page_frames)) => {
            state.ready.set(true);
            state.last_alive.set(js::now_ms());
            if page_frames {
                request_frame(state);
            }
        }
        Ok(FromWorker::Alive) => state.last_alive.set(js::now_ms()),
        Ok(FromWorker::WantFrame) => request_frame(state),
        Ok(FromWorker::Frame(bitmap)) => state.show(bitmap),
        Ok(FromWorker::Failure { reason, message }) => state.fail(reason, message),
        Err(e) => state.fail(
            "sandbox-protocol",
            format!("the sandbox worker sent {e}; it was stopped"),
        ),
    }
}

/// Forwards the canvas's pointer, key and size changes to the worker.
fn forward_events(state: &Rc<State>) {
    let canvas = state.canvas.clone();
    if !canvas.has_attribute("tabindex") {
        let _ = canvas.set_attribute("tabindex", "0");
    }
    let mut keep: Vec<Box<dyn Any>> = Vec::new();
    let options = gloo_events::EventListenerOptions::enable_prevent_default();
    for (name, kind) in [
        ("pointerdown", "down"),
        ("pointerup", "up"),
        ("pointermove", "move"),
    ] {
        let (weak, c) = (Rc::downgrade(state), canvas.clone());
        keep.push(Box::new(gloo_events::EventListener::new_with_options(
            &canvas,
            name,
            options,
            move |e| {
                let (Some(s), Some(m)) = (weak.upgrade(), e.dyn_ref::<web_sys::MouseEvent>())
                else {
                    return;
                };
                if kind == "down" {
                    let _ = c.focus();
                }
                let p = gfx_bridge::surface::position(&c, m);
                s.post(&protocol::pointer_message(kind, p.x, p.y));
            },
        )));
    }
    for (name, down) in [("keydown", true), ("keyup", false)] {
        let weak = Rc::downgrade(state);
        keep.push(Box::new(gloo_events::EventListener::new_with_options(
            &canvas,
            name,
            options,
            move |e| {
                let (Some(s), Some(k)) = (weak.upgrade(), e.dyn_ref::<web_sys::KeyboardEvent>())
                else {
                    return;
                };
                if k.key() == "Tab" {
                    return; // keyboard navigation stays the page's
                }
                e.prevent_default();
                s.post(&protocol::key_message(down, k));
            },
        )));
    }
    // The drawing buffer changes with the `width` / `height` attributes.
    let weak = Rc::downgrade(state);
    let c = canvas.clone();
    let callback = Closure::<dyn Fn()>::new(move || {
        if let Some(s) = weak.upgrade() {
            s.post(&protocol::resize_message(c.width(), c.height()));
        }
    });
    if let Some(observer) =
        gfx_bridge::surface::watch_size_attributes(&canvas, callback.as_ref().unchecked_ref())
    {
        keep.push(Box::new(Disconnect(observer)));
    }
    keep.push(Box::new(callback));
    state.keep.borrow_mut().extend(keep);
}

/// Disconnects a mutation observer when dropped.
struct Disconnect(web_sys::MutationObserver);

impl Drop for Disconnect {
    fn drop(&mut self) {
        self.0.disconnect();
    }
}

/// Starts `component` (verified, unsigned) in a sandbox worker showing on `canvas`, and waits
/// for its first frame.
pub async fn start(
    spawned: Option<Spawned>,
    component: &[u8],
    canvas: &HtmlCanvasElement,
    sandbox: &Sandbox,
) -> Result<WorkerRun, ClientFailure> {
    let renderer = js::call(
        canvas,
        "getContext",
        &[&JsValue::from_str("bitmaprenderer")],
    )
    .unwrap_or(JsValue::NULL);
    if renderer.is_null() {
        return Err(ClientFailure {
            reason: "canvas-in-use",
            message:
                "the canvas already has another kind of context: give loadComponent a fresh canvas"
                    .into(),
        });
    }
    let spawned = match spawned {
        Some(s) => s,
        None => Spawned::new(&sandbox.worker_url)?,
    };
    if let Some(message) = spawned.error.borrow_mut().take() {
        return Err(ClientFailure {
            reason: "worker-unavailable",
            message: format!("the sandbox worker failed: {message}"),
        });
    }
    spawned.taken.set(true);
    let worker = spawned.worker.clone();
    let early_ready = spawned.ready.get();
    let state = Rc::new(State {
        worker,
        canvas: canvas.clone(),
        renderer,
        cpu_ms: sandbox.cpu_ms,
        ready: Cell::new(false),
        last_alive: Cell::new(js::now_ms()),
        frames: Cell::new(0),
        presents: RefCell::new(VecDeque::new()),
        failure: RefCell::new(None),
        on_failure: RefCell::new(None),
        stopped: Cell::new(false),
        waker: RefCell::new(None),
        keep: RefCell::new(Vec::new()),
    });
    {
        let weak = Rc::downgrade(&state);
        let on_msg = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(s) = weak.upgrade() {
                on_message(&s, &e.data());
            }
        });
        state
            .worker
            .set_onmessage(Some(on_msg.as_ref().unchecked_ref()));
        let weak = Rc::downgrade(&state);
        let on_error =
            Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                e.prevent_default();
                if let Some(s) = weak.upgrade() {
                    s.fail(
                        "worker-unavailable",
                        format!("the sandbox worker failed: {}", e.message()),
                    );
                }
            });
        state
            .worker
            .set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let mut keep = state.keep.borrow_mut();
        keep.push(Box::new(on_msg));
        keep.push(Box::new(on_error));
    }
    // The watchdog.
    {
        let weak = Rc::downgrade(&state);
        let last_tick = Cell::new(js::now_ms());
        let watchdog = gloo_timers::callback::Interval::new(super::WATCHDOG_MS, move || {
            let Some(s) = weak.upgrade() else { return };
            let now = js::now_ms();
            let stalled = now - last_tick.replace(now) > f64::from(super::PAGE_STALL_MS);
            if !s.ready.get() || s.over() {
                return;
            }
            if stalled {
                // The page's own thread was busy: the heartbeats may be waiting in its queue.
                // The worker gets a fresh start rather than the blame.
                s.last_alive.set(now);
                return;
            }
            let silent = now - s.last_alive.get();
            if silent > s.cpu_ms {
                s.fail(
                    "cpu-limit",
                    format!(
                        "the component ran for more than its cpu limit of {} ms without \
                         returning to the browser; its worker was stopped",
                        s.cpu_ms
                    ),
                );
            }
        });
        state.keep.borrow_mut().push(Box::new(watchdog));
    }
    forward_events(&state);
    // The worker may have said `ready` while the component was verified.
    if let Some(page_frames) = early_ready {
        on_message(
            &state,
            &message("ready", &[("pageFrames", page_frames.into())]),
        );
    }
    drop(spawned);

    let start = Start {
        component: component.to_vec(),
        width: canvas.width().max(1),
        height: canvas.height().max(1),
        memory_bytes: sandbox.memory_bytes,
        gpu_bytes: sandbox.gpu_bytes,
        gpu_errors: sandbox.gpu_errors,
    };
    let (msg, transfer) = start.to_js();
    if let Err(e) = state.worker.post_message_with_transfer(&msg, &transfer) {
        state.fail(
            "worker-unavailable",
            format!(
                "cannot hand the component to the sandbox worker: {}",
                js::describe(&e)
            ),
        );
    }
    {
        let weak = Rc::downgrade(&state);
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(FIRST_FRAME_TIMEOUT_MS).await;
            if let Some(s) = weak.upgrade() {
                if s.frames.get() == 0 {
                    s.fail(
                        "first-frame-timeout",
                        format!(
                            "the component presented no frame within {} s",
                            FIRST_FRAME_TIMEOUT_MS / 1000
                        ),
                    );
                }
            }
        });
    }
    let outcome = std::future::poll_fn(|cx| {
        if let Some(f) = &*state.failure.borrow() {
            return Poll::Ready(Err(f.clone()));
        }
        if state.frames.get() > 0 {
            return Poll::Ready(Ok(()));
        }
        *state.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await;
    outcome.map(|()| WorkerRun { state })
}
