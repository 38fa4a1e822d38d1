//! The render core: runs one wasi-gfx component headlessly in wasmtime, with the published
//! `wasi:webgpu` host on wgpu (Vulkan; Mesa's lavapipe where there is no GPU), our headless
//! surface (`surface-webgpu` and `surface-frame-buffer`), and limits that end only the guest that
//! breaks them.
//!
//! One [`RenderEngine`] per process (engine, linker, epoch ticker). Each run of a component is a
//! [`GuestRun`]: its own thread with a current-thread Tokio runtime (`present` waits for the GPU
//! synchronously), its own wasmtime store and its own wgpu instance (sharing one leaks across runs).
//! The owner drives a run with [`Input`]s and receives [`RunEvent`]s; dropping the run stops it.

pub mod canvas;
pub mod frame;
pub mod host;
mod surface_frame_buffer;
mod surface_webgpu;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use surface_wasmtime::KeyEvent;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store, UpdateDeadline};

use canvas::{Canvas, KeyKind, PointerKind};
use frame::Frame;
use host::{GuestLimits, HostState, LimitHit};

/// How often the epoch advances (the CPU watchdog's resolution).
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// While waiting for the first `present`, frame events are re-sent this often: events sent before
/// the guest subscribes to `on-frame` are lost.
const RETICK: Duration = Duration::from_millis(2);

/// Longest error text kept from a trap (wasm backtraces can be long).
const MAX_MESSAGE: usize = 2000;

/// Why a run could not start or ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The bytes are not a component wasmtime can compile.
    #[error("the component does not compile: {0}")]
    Compile(String),
    /// Instantiation failed (most often: an import this server does not provide).
    #[error("the component cannot be instantiated: {0}")]
    Instantiate(String),
    /// The component has no `start: async func()` export.
    #[error("the component exports no `start: async func()`: {0}")]
    NoStart(String),
    /// The guest trapped.
    #[error("the guest trapped: {0}")]
    Trap(String),
    /// One activation ran longer than the CPU limit.
    #[error("the guest ran longer than its cpu limit of {} ms in one call", .limit.as_millis())]
    CpuLimit {
        /// The limit.
        limit: Duration,
    },
    /// The guest tried to grow its memories past the limit.
    #[error("the guest asked for {requested} bytes of memory; its limit is {limit}")]
    MemoryLimit {
        /// Bytes the guest would have had.
        requested: u64,
        /// The limit.
        limit: u64,
    },
    /// No frame arrived in time although the guest was not running.
    #[error("the guest presented no frame within {} ms", .0.as_millis())]
    Stalled(Duration),
    /// `start` returned: the guest will present nothing more.
    #[error("the guest's start function returned; it renders no more frames")]
    Exited,
    /// A bug or an unexpected failure on our side (a panic in a host implementation included).
    #[error("internal render error: {0}")]
    Internal(String),
}

impl RenderError {
    /// Machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RenderError::Compile(_) => "component-invalid",
            RenderError::Instantiate(_) => "instantiate-failed",
            RenderError::NoStart(_) => "no-start-export",
            RenderError::Trap(_) => "guest-trap",
            RenderError::CpuLimit { .. } => "cpu-limit",
            RenderError::MemoryLimit { .. } => "memory-limit",
            RenderError::Stalled(_) => "guest-stalled",
            RenderError::Exited => "guest-exited",
            RenderError::Internal(_) => "internal",
        }
    }
}

fn text(e: &wasmtime::Error) -> String {
    let mut s = format!("{e:#}");
    if s.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// What the owner of a run sends it.
#[derive(Debug, Clone)]
pub enum Input {
    /// One frame event (`on-frame`).
    Tick,
    /// A pointer event, canvas pixels.
    Pointer(PointerKind, f64, f64),
    /// A key event.
    Key(KeyKind, KeyEvent),
    /// The canvas changed size.
    Resize(u32, u32),
}

/// What a run reports.
#[derive(Debug)]
pub enum RunEvent {
    /// The guest presented a frame.
    Frame(Frame),
    /// The run is over (`Ok` when its owner stopped it).
    Ended(Result<(), RenderError>),
}

/// How to run a component.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// Memory and CPU limits.
    pub limits: GuestLimits,
    /// Name for the thread and logs.
    pub label: String,
}

/// Where compiled components are kept between runs of the process (wasmtime's compilation cache).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CompileCache {
    /// Compile every time.
    #[default]
    Off,
    /// wasmtime's default directory (under the user's cache directory).
    Default,
    /// This directory.
    Dir(std::path::PathBuf),
}

/// The process-wide part of the render core.
pub struct RenderEngine {
    engine: Engine,
    linker: Arc<Linker<HostState>>,
    ticker_stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl RenderEngine {
    /// Configures wasmtime (component model async, epoch interruption) and the host linker, with no
    /// compilation cache.
    pub fn new() -> Result<Self, RenderError> {
        Self::with_compile_cache(&CompileCache::Off)
    }

    /// Like [`RenderEngine::new`], with compiled components cached on disk. A cache that cannot be
    /// set up is logged and skipped: it only saves time.
    pub fn with_compile_cache(cache: &CompileCache) -> Result<Self, RenderError> {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .wasm_component_model_async(true)
            .epoch_interruption(true);
        let cache_config = match cache {
            CompileCache::Off => None,
            CompileCache::Default => Some(wasmtime::CacheConfig::new()),
            CompileCache::Dir(dir) => {
                let mut c = wasmtime::CacheConfig::new();
                match std::path::absolute(dir) {
                    Ok(dir) => {
                        c.with_directory(dir);
                        Some(c)
                    }
                    Err(e) => {
                        tracing::warn!(dir = %dir.display(), "compile cache off: {e}");
                        None
                    }
                }
            }
        };
        if let Some(c) = cache_config {
            match wasmtime::Cache::new(c) {
                Ok(c) => {
                    tracing::info!(dir = %c.directory().display(), "compile cache");
                    config.cache(Some(c));
                }
                Err(e) => tracing::warn!("compile cache off: {e:#}"),
            }
        }
        let engine = Engine::new(&config).map_err(|e| RenderError::Internal(text(&e)))?;
        let mut linker = Linker::new(&engine);
        wasi_webgpu_wasmtime::add_to_linker(&mut linker)
            .and_then(|()| surface_wasmtime::add_surface_to_linker(&mut linker))
            .and_then(|()| surface_webgpu::add_to_linker(&mut linker))
            .and_then(|()| surface_frame_buffer::add_to_linker(&mut linker))
            .map_err(|e| RenderError::Internal(text(&e)))?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engine = engine.clone();
            let stop = Arc::clone(&ticker_stop);
            std::thread::Builder::new()
                .name("epoch-ticker".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| RenderError::Internal(format!("cannot start the epoch ticker: {e}")))?
        };
        Ok(RenderEngine {
            engine,
            linker: Arc::new(linker),
            ticker_stop,
            ticker: Some(ticker),
        })
    }

    /// Compiles a component (once per component; runs share the result).
    ///
    /// The bytes are untrusted and wasmtime's parser has panicked on valid input before
    /// (wasmparser's `register_type_renamings` assertion): a panic here is a refused component,
    /// never a lost registration thread or server.
    pub fn compile(&self, bytes: &[u8]) -> Result<Component, RenderError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Component::new(&self.engine, bytes)
        }))
        .map_err(|_| {
            RenderError::Compile(
                "the component compiler failed on this component (a defect of wasmtime's parser)"
                    .into(),
            )
        })?
        .map_err(|e| RenderError::Compile(text(&e)))
    }

    /// Starts a run on its own thread. Send [`Input::Tick`] to get frames.
    pub fn spawn(&self, component: &Component, spec: RunSpec) -> Result<GuestRun, RenderError> {
        let (input_tx, input_rx) = unbounded_channel();
        let (event_tx, event_rx) = unbounded_channel();
        let engine = self.engine.clone();
        let linker = Arc::clone(&self.linker);
        let component = component.clone();
        let label = spec.label.clone();
        std::thread::Builder::new()
            .name(format!("guest {label}"))
            .spawn(move || {
                let ended = event_tx.clone();
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_time()
                        .build()
                        .map_err(|e| RenderError::Internal(format!("runtime: {e}")))?;
                    rt.block_on(run(engine, linker, component, spec, input_rx, event_tx))
                }));
                let result = match outcome {
                    Ok(r) => r,
                    Err(panic) => {
                        let what = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "a panic".into());
                        tracing::error!(run = %label, "host panic in guest run: {what}");
                        Err(RenderError::Internal(format!("host panic: {what}")))
                    }
                };
                let _ = ended.send(RunEvent::Ended(result));
            })
            .map_err(|e| RenderError::Internal(format!("cannot start a render thread: {e}")))?;
        Ok(GuestRun {
            inputs: input_tx,
            events: event_rx,
        })
    }
}

impl Drop for RenderEngine {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

/// A running guest. Dropping it stops the guest.
pub struct GuestRun {
    inputs: UnboundedSender<Input>,
    events: UnboundedReceiver<RunEvent>,
}

impl GuestRun {
    /// Sends an input; false if the run has ended.
    pub fn send(&self, input: Input) -> bool {
        self.inputs.send(input).is_ok()
    }

    /// The next event; `None` after `Ended` has been received.
    pub async fn next(&mut self) -> Option<RunEvent> {
        self.events.recv().await
    }

    /// Splits into the input side and the event side (for owners that handle them on different
    /// tasks). Dropping the input side stops the guest.
    pub fn split(self) -> (UnboundedSender<Input>, UnboundedReceiver<RunEvent>) {
        (self.inputs, self.events)
    }

    /// Ticks until the (`n`+1)-th presented frame and returns it. Each frame must arrive within
    /// `frame_timeout` of the tick that asked for it.
    pub async fn nth_frame(
        &mut self,
        n: u64,
        frame_timeout: Duration,
    ) -> Result<Frame, RenderError> {
        let mut seen = 0u64;
        loop {
            self.send(Input::Tick);
            match tokio::time::timeout(frame_timeout, self.next()).await {
                Err(_) => return Err(RenderError::Stalled(frame_timeout)),
                Ok(None) => return Err(RenderError::Internal("the run vanished".into())),
                Ok(Some(RunEvent::Frame(frame))) => {
                    if seen == n {
                        return Ok(frame);
                    }
                    seen += 1;
                }
                Ok(Some(RunEvent::Ended(Ok(())))) => return Err(RenderError::Exited),
                Ok(Some(RunEvent::Ended(Err(e)))) => return Err(e),
            }
        }
    }
}

/// Body of a run's thread.
async fn run(
    engine: Engine,
    linker: Arc<Linker<HostState>>,
    component: Component,
    spec: RunSpec,
    inputs: UnboundedReceiver<Input>,
    events: UnboundedSender<RunEvent>,
) -> Result<(), RenderError> {
    let canvas = Canvas::new(spec.width, spec.height, events);
    let mut store = Store::new(&engine, HostState::new(Arc::clone(&canvas), spec.limits));
    store.limiter(|s| s);
    store.call_hook(|mut cx, hook| cx.data_mut().on_call(hook));
    store.epoch_deadline_callback(|mut cx| {
        if cx.data_mut().cpu_exceeded() {
            Err(wasmtime::format_err!("cpu limit exceeded"))
        } else {
            Ok(UpdateDeadline::Yield(1))
        }
    });
    store.set_epoch_deadline(1);

    let instance = match linker.instantiate_async(&mut store, &component).await {
        Ok(i) => i,
        Err(e) => return Err(classify(store.data(), e, RenderError::Instantiate)),
    };
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "start")
        .map_err(|e| RenderError::NoStart(text(&e)))?;

    enum Outcome {
        Returned,
        Failed(wasmtime::Error),
        Stopped,
    }
    let outcome = {
        let guest = start.call_async(&mut store, ());
        tokio::select! {
            r = guest => match r {
                Ok(()) => Outcome::Returned,
                Err(e) => Outcome::Failed(e),
            },
            () = drive(&canvas, inputs) => Outcome::Stopped,
        }
    };
    match outcome {
        Outcome::Stopped => Ok(()),
        Outcome::Returned => Err(RenderError::Exited),
        Outcome::Failed(e) => Err(classify(store.data(), e, RenderError::Trap)),
    }
}

/// Turns a wasmtime error into the limit that caused it, if one did.
fn classify(
    state: &HostState,
    e: wasmtime::Error,
    otherwise: fn(String) -> RenderError,
) -> RenderError {
    match state.limit_hit {
        Some(LimitHit::Cpu) => RenderError::CpuLimit {
            limit: state.limits.cpu,
        },
        Some(LimitHit::Memory { requested }) => RenderError::MemoryLimit {
            requested,
            limit: state.limits.memory,
        },
        None => otherwise(text(&e)),
    }
}

/// Applies the owner's inputs to the canvas until the owner goes away.
async fn drive(canvas: &Canvas, mut inputs: UnboundedReceiver<Input>) {
    // Until the first present, a tick may have been lost (sent before the guest subscribed).
    let mut awaiting_first = false;
    loop {
        let retick = awaiting_first && canvas.presents() == 0;
        tokio::select! {
            input = inputs.recv() => match input {
                None => return,
                Some(Input::Tick) => {
                    canvas.tick();
                    awaiting_first = canvas.presents() == 0;
                }
                Some(Input::Pointer(kind, x, y)) => canvas.pointer(kind, x, y),
                Some(Input::Key(kind, event)) => canvas.key(kind, event),
                Some(Input::Resize(w, h)) => canvas.resize(w, h),
            },
            () = tokio::time::sleep(RETICK), if retick => canvas.tick(),
        }
    }
}
