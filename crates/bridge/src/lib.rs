//! The wasi-gfx bridge: the browser's host of `wasi:webgpu@0.3.0-rc.2`,
//! `wasi-gfx:surface@0.2.0` (`surface`, `surface-webgpu`, `surface-frame-buffer`) and
//! `wasi-gfx:frame-buffer@0.2.0`, for components run by `gfx-component`'s browser runtime.
//!
//! `wasi:webgpu` is WebGPU's JavaScript API written in WIT, so each function is the WebGPU call
//! of the same name on the object behind the handle: descriptors convert to the plain objects
//! WebGPU takes (generated `ToJs`), results come back as handles into [`objects`]. The surface
//! is the canvas given to [`Bridge::new`]: its drawing-buffer size, `requestAnimationFrame` for
//! frame events, pointer and key listeners, a `ResizeObserver`; `surface-webgpu` is its
//! `webgpu` context and `surface-frame-buffer` its `2d` context (`putImageData`).
//!
//! Layout: one module per part of the API (`gpu/…` per group of WebGPU resources, [`surface`],
//! [`frame_buffer`]); every WIT function the bridge does not implement keeps the generated
//! default, which traps naming the function. What the loader sees of a running component —
//! frames presented, a lost device, uncaptured GPU errors, a guest over its [`GpuBudget`] — is
//! in [`Shared`].
//!
//! Why not wgpu: wgpu's WebGPU backend is a layer over these same browser calls whose API is not
//! WebGPU's (no label accessors, another mapping model, its own validation), and it measured
//! +25.6 KB gzip for one triangle against +4.5 KB for direct calls; the loader's page budget is
//! 250 KB. See the README.
#![cfg(target_arch = "wasm32")]

/// The generated bindings of world `bridge` (build.rs): the WIT types, one host trait per
/// resource, the trampolines. Public so tests can call the host traits directly.
pub mod bindings {
    #![allow(dead_code, clippy::all, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/bridge.rs"));
}
mod call;
mod frame_buffer;
mod gpu;
pub mod objects;
pub mod surface;
pub mod target;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub use bindings::RESOURCES;
use bindings::{frame_buffer as fb, surface as surf, surface_frame_buffer, surface_webgpu, webgpu};
pub use gpu::budget::GpuBudget;
pub use gpu::AdapterAhead;
use objects::Objects;
pub use target::{Input, Port, Target};

/// The interfaces the bridge implements, as the runtime's allowlist names them.
pub const INTERFACES: &[&str] = &[
    "wasi:webgpu/webgpu@0.3.0-rc.2",
    "wasi-gfx:surface/surface@0.2.0",
    "wasi-gfx:surface/surface-webgpu@0.2.0",
    "wasi-gfx:surface/surface-frame-buffer@0.2.0",
    "wasi-gfx:frame-buffer/frame-buffer@0.2.0",
];

/// Why a running component can no longer be shown client-side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `device-lost`, `gpu-error`, `gpu-limit` (the guest's creations persist beyond its
    /// [`GpuBudget`]) or `canvas-in-use`.
    pub reason: &'static str,
    /// WebGPU's message (the bridge's for `gpu-limit`: the budget, the bytes asked).
    pub message: String,
}

/// The embedder's present callback (frames so far).
type PresentCallback = RefCell<Option<Box<dyn Fn(u64)>>>;
/// The embedder's failure callback.
type FailureCallback = RefCell<Option<Box<dyn Fn(&Failure)>>>;

/// What the bridge and its embedder (the loader) share while a component runs.
pub struct Shared {
    pub(crate) objects: RefCell<Objects>,
    pub(crate) canvas: Target,
    /// The GPU budget and what is charged to it (`gpu/budget.rs`).
    pub(crate) budget: RefCell<gpu::budget::Budget>,
    stopped: Cell<bool>,
    presented: Cell<u64>,
    failure: RefCell<Option<Failure>>,
    /// Called after every present (frame count, `performance.now()` of the frame's rAF).
    on_present: PresentCallback,
    /// Called once with the first failure.
    on_failure: FailureCallback,
    /// The adapter asked for before the guest existed, until its first default request.
    pub(crate) adapter_ahead: RefCell<Option<AdapterAhead>>,
}

impl Shared {
    /// Where the component draws.
    pub fn target(&self) -> &Target {
        &self.canvas
    }

    /// The canvas element the component draws on (none in a worker).
    pub fn canvas(&self) -> Option<&web_sys::HtmlCanvasElement> {
        self.canvas.element()
    }

    /// Frames presented so far.
    pub fn presented(&self) -> u64 {
        self.presented.get()
    }

    /// The first failure, if any.
    pub fn failure(&self) -> Option<Failure> {
        self.failure.borrow().clone()
    }

    /// The GPU budget the bridge was made with.
    pub fn gpu_budget(&self) -> GpuBudget {
        self.budget.borrow().config
    }

    /// Bytes of live buffers and textures charged to the budget now.
    pub fn gpu_bytes(&self) -> u64 {
        self.budget.borrow().used()
    }

    /// Stops delivering frame and input events: the guest's streams end.
    pub fn stop(&self) {
        self.stopped.set(true);
    }

    /// Whether [`stop`](Self::stop) was called.
    pub fn stopped(&self) -> bool {
        self.stopped.get()
    }

    /// Calls `f` with the frame count after every present.
    pub fn on_present(&self, f: impl Fn(u64) + 'static) {
        *self.on_present.borrow_mut() = Some(Box::new(f));
    }

    /// Calls `f` with every failure (a lost device, each uncaptured GPU error).
    pub fn on_failure(&self, f: impl Fn(&Failure) + 'static) {
        *self.on_failure.borrow_mut() = Some(Box::new(f));
    }

    pub(crate) fn presented_one(&self) {
        let n = self.presented.get() + 1;
        self.presented.set(n);
        self.canvas.presented();
        if let Some(f) = &*self.on_present.borrow() {
            f(n);
        }
    }

    pub(crate) fn fail(&self, reason: &'static str, message: String) {
        if self.stopped.get() {
            return;
        }
        let failure = Failure { reason, message };
        if self.failure.borrow().is_none() {
            *self.failure.borrow_mut() = Some(failure.clone());
        }
        if let Some(f) = &*self.on_failure.borrow() {
            f(&failure);
        }
    }
}

/// The host object of one component instance (give [`Bridge::host`] to
/// `gfx_component::web::instantiate`).
pub struct Bridge {
    pub(crate) shared: Rc<Shared>,
}

impl Bridge {
    /// A bridge drawing on `canvas`, a canvas element of the page, with the default
    /// [`GpuBudget`] (512 MiB).
    pub fn new(canvas: web_sys::HtmlCanvasElement) -> Self {
        Bridge::with_budget(canvas, GpuBudget::default())
    }

    /// A bridge drawing on `canvas` whose guest may hold `budget` of the GPU.
    pub fn with_budget(canvas: web_sys::HtmlCanvasElement, budget: GpuBudget) -> Self {
        Bridge::on(Target::Element(canvas), budget)
    }

    /// A bridge drawing on `target` (a canvas element, or an offscreen canvas in a worker) whose
    /// guest may hold `budget` of the GPU (the loader derives it from the policy).
    pub fn on(canvas: Target, budget: GpuBudget) -> Self {
        Bridge {
            shared: Rc::new(Shared {
                objects: RefCell::new(Objects::default()),
                canvas,
                budget: RefCell::new(gpu::budget::Budget::new(budget)),
                stopped: Cell::new(false),
                presented: Cell::new(0),
                failure: RefCell::new(None),
                on_present: RefCell::new(None),
                on_failure: RefCell::new(None),
                adapter_ahead: RefCell::new(None),
            }),
        }
    }

    /// Gives the guest's first default `request-adapter` the adapter `ahead` (asked for while
    /// the component was still downloading) instead of asking the browser then.
    pub fn with_adapter_ahead(self, ahead: Option<AdapterAhead>) -> Self {
        *self.shared.adapter_ahead.borrow_mut() = ahead;
        self
    }

    /// What the embedder keeps of the running component.
    pub fn shared(&self) -> Rc<Shared> {
        Rc::clone(&self.shared)
    }

    /// The JavaScript object behind resource `rep` (`undefined` if none), for tests that check
    /// what WebGPU did with it.
    #[doc(hidden)]
    pub fn object_of(&self, rep: u32) -> wasm_bindgen::JsValue {
        self.shared.objects.borrow().get(rep).clone()
    }

    /// The host object as the runtime takes it (the generated trampolines downcast it).
    pub fn host(self) -> Box<dyn std::any::Any> {
        let host: Box<dyn bindings::BridgeHost> = Box::new(self);
        Box::new(host)
    }
}

/// Runs the component's `start` export: it returns when the guest's frame stream ends (after
/// [`Shared::stop`]) or with the guest's trap.
pub async fn start(
    instance: &gfx_component::web::Instance,
) -> Result<(), gfx_component::abi::Trap> {
    bindings::call_start(instance).await
}

impl bindings::BridgeHost for Bridge {
    fn webgpu(&mut self) -> &mut dyn webgpu::Host {
        self
    }
    fn surface(&mut self) -> &mut dyn surf::Host {
        self
    }
    fn surface_webgpu(&mut self) -> &mut dyn surface_webgpu::Host {
        self
    }
    fn frame_buffer(&mut self) -> &mut dyn fb::Host {
        self
    }
    fn surface_frame_buffer(&mut self) -> &mut dyn surface_frame_buffer::Host {
        self
    }
}
