//! The client path: a verified, planned component run by the in-browser component runtime
//! (`gfx-component`) with the wasi-gfx bridge (`gfx-bridge`) as its host.
//!
//! [`start`] instantiates in this thread, calls the guest's `start` export and waits until the
//! first frame is presented — or the guest fails first (a trap, a lost device, an uncaptured
//! GPU error, no frame within [`FIRST_FRAME_TIMEOUT_MS`]). The sandbox worker runs it on an
//! offscreen canvas (see [`crate::sandbox`]); the page's main thread runs it only in the
//! `sandbox: 'none'` mode kept for comparison. What the loader holds of either is a
//! [`ClientRun`]; a failure after the first frame reaches [`ClientRun::on_failure`], and the
//! loader answers it with server frames.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Poll, Waker};

use gfx_bridge::{AdapterAhead, Bridge, Shared, Target};
use gfx_component::web::{instantiate, Instance};
use gfx_component::{Allowlist, Plan};
use gfx_trust::policy::GpuErrors;
use web_sys::HtmlCanvasElement;

use crate::js;

/// How long the first frame may take after instantiation before the loader gives up on the
/// client path (a guest that never presents).
pub const FIRST_FRAME_TIMEOUT_MS: u32 = 10_000;

/// Why the client path failed: a handle reason and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFailure {
    /// `trap`, `device-lost`, `gpu-error`, `gpu-limit`, `memory-limit`, `canvas-in-use`,
    /// `first-frame-timeout`; from the sandbox's page side also `cpu-limit`,
    /// `worker-unavailable`, `sandbox-protocol`; or an instantiation code (`component-invalid`,
    /// `guest-trap`, a refusal's code).
    pub reason: &'static str,
    /// What happened.
    pub message: String,
}

/// The embedder's callback for a failure after the first frame.
type FailureCallback = Box<dyn Fn(&ClientFailure)>;

/// What the run is waiting on.
#[derive(Default)]
struct Progress {
    first_frame: bool,
    /// `performance.now()` of the presents in the last second.
    presents: std::collections::VecDeque<f64>,
    failure: Option<ClientFailure>,
    ended: bool,
    waker: Option<Waker>,
    on_failure: Option<FailureCallback>,
}

impl Progress {
    fn wake(&mut self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// A component running client-side, as the page's loader holds it.
pub enum ClientRun {
    /// In the page's own thread, on its canvas (`sandbox: 'none'`).
    Local(LocalRun, HtmlCanvasElement),
    /// In the sandbox worker, shown on the page's canvas.
    Worker(crate::sandbox::page::WorkerRun),
}

impl ClientRun {
    /// The page's canvas.
    pub fn canvas(&self) -> &HtmlCanvasElement {
        match self {
            ClientRun::Local(_, canvas) => canvas,
            ClientRun::Worker(w) => w.canvas(),
        }
    }

    /// Frames shown so far.
    pub fn presented(&self) -> u64 {
        match self {
            ClientRun::Local(run, _) => run.shared().presented(),
            ClientRun::Worker(w) => w.frames(),
        }
    }

    /// Frames shown in the last second.
    pub fn fps(&self) -> f64 {
        match self {
            ClientRun::Local(run, _) => run.fps(),
            ClientRun::Worker(w) => w.fps(),
        }
    }

    /// Calls `f` once if the component fails after its first frame (also when it already has).
    pub fn on_failure(&self, f: impl Fn(&ClientFailure) + 'static) {
        match self {
            ClientRun::Local(run, _) => run.on_failure(f),
            ClientRun::Worker(w) => w.on_failure(f),
        }
    }

    /// Stops the component.
    pub fn stop(&self) {
        match self {
            ClientRun::Local(run, _) => run.stop(),
            ClientRun::Worker(w) => w.stop(),
        }
    }
}

/// A component running in this thread.
pub struct LocalRun {
    shared: Rc<Shared>,
    progress: Rc<RefCell<Progress>>,
    /// Keeps the instance (its memory, tables, host) alive while the guest runs.
    _instance: Rc<Instance>,
}

impl LocalRun {
    /// The bridge's view: frames presented, failure.
    pub fn shared(&self) -> &Rc<Shared> {
        &self.shared
    }

    /// Frames presented in the last second.
    pub fn fps(&self) -> f64 {
        let now = js::now_ms();
        let p = self.progress.borrow();
        p.presents.iter().filter(|t| now - **t <= 1000.0).count() as f64
    }

    /// Calls `f` once if the component fails after its first frame (also when it already has).
    pub fn on_failure(&self, f: impl Fn(&ClientFailure) + 'static) {
        let failed = self.progress.borrow().failure.clone();
        match failed {
            Some(failure) => f(&failure),
            None => self.progress.borrow_mut().on_failure = Some(Box::new(f)),
        }
    }

    /// Stops the component: its frame and input streams end, so its `start` returns.
    pub fn stop(&self) {
        self.shared.stop();
    }
}

fn fail(progress: &Rc<RefCell<Progress>>, failure: ClientFailure) {
    let callback = {
        let mut p = progress.borrow_mut();
        if p.failure.is_some() {
            return;
        }
        p.failure = Some(failure.clone());
        p.wake();
        p.on_failure.take()
    };
    if let Some(f) = callback {
        f(&failure);
    }
}

/// Instantiates `component` (planned as `plan`) with the bridge on `target`, its guest allowed
/// `gpu_bytes` of live GPU buffers and textures, starts it and waits for its first frame. The
/// guest's first default `request-adapter` gets `adapter` (asked for while the component
/// downloaded), if any.
pub async fn start(
    plan: &Plan,
    component: &[u8],
    target: Target,
    gpu_errors: GpuErrors,
    gpu_bytes: u64,
    adapter: Option<AdapterAhead>,
) -> Result<LocalRun, ClientFailure> {
    let bridge = Bridge::on(target, gfx_bridge::GpuBudget::with_bytes(gpu_bytes))
        .with_adapter_ahead(adapter);
    let shared = bridge.shared();
    let instance = instantiate(
        plan,
        component,
        &Allowlist::wasi_gfx(),
        bridge.host(),
        gfx_bridge::RESOURCES,
    )
    .await
    .map_err(|e| ClientFailure {
        reason: e.code(),
        message: e.to_string(),
    })?;
    let instance = Rc::new(instance);
    let progress = Rc::new(RefCell::new(Progress::default()));

    {
        let p = Rc::clone(&progress);
        shared.on_present(move |_| {
            let mut p = p.borrow_mut();
            let now = js::now_ms();
            while p.presents.front().is_some_and(|t| now - t > 1000.0) {
                p.presents.pop_front();
            }
            p.presents.push_back(now);
            if !p.first_frame {
                p.first_frame = true;
                p.wake();
            }
        });
        let p = Rc::clone(&progress);
        let weak = Rc::downgrade(&shared);
        shared.on_failure(move |f| {
            if f.reason == "gpu-error" && gpu_errors == GpuErrors::Ignore {
                return; // the policy keeps the component running
            }
            fail(
                &p,
                ClientFailure {
                    reason: f.reason,
                    message: f.message.clone(),
                },
            );
            // The guest may still be running (a GPU error does not stop it): end its streams
            // before server frames take over the canvas.
            if let Some(shared) = weak.upgrade() {
                shared.stop();
            }
        });
    }
    {
        let (instance, p, shared) = (
            Rc::clone(&instance),
            Rc::clone(&progress),
            Rc::clone(&shared),
        );
        wasm_bindgen_futures::spawn_local(async move {
            let result = gfx_bridge::start(&instance).await;
            p.borrow_mut().ended = true;
            match result {
                Err(trap) if !shared.stopped() => fail(
                    &p,
                    ClientFailure {
                        // A trap with a bounded memory at its limit: growth failed.
                        reason: if instance.memory_at_limit() {
                            "memory-limit"
                        } else {
                            "trap"
                        },
                        message: trap.0,
                    },
                ),
                _ => p.borrow_mut().wake(),
            }
        });
    }
    {
        let p = Rc::clone(&progress);
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(FIRST_FRAME_TIMEOUT_MS).await;
            if !p.borrow().first_frame {
                fail(
                    &p,
                    ClientFailure {
                        reason: "first-frame-timeout",
                        message: format!(
                            "the component presented no frame within {} s",
                            FIRST_FRAME_TIMEOUT_MS / 1000
                        ),
                    },
                );
            }
        });
    }

    let outcome = std::future::poll_fn(|cx| {
        let mut p = progress.borrow_mut();
        if let Some(f) = &p.failure {
            return Poll::Ready(Err(f.clone()));
        }
        if p.first_frame {
            return Poll::Ready(Ok(()));
        }
        if p.ended {
            return Poll::Ready(Err(ClientFailure {
                reason: "trap",
                message: "the component's start returned before presenting a frame".into(),
            }));
        }
        p.waker = Some(cx.waker().clone());
        Poll::Pending
    })
    .await;
    if let Err(f) = outcome {
        shared.stop();
        return Err(f);
    }
    Ok(LocalRun {
        shared,
        progress,
        _instance: instance,
    })
}
