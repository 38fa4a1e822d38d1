//! The client sandbox: a trusted component runs in a dedicated Worker, never on the page's main
//! thread, and the page stops it when it breaks a limit.
//!
//! - [`page`] (the page's side): starts the worker (`wasi-gfx-loader.worker.js`, next to the
//!   loader's script, which loads this same wasm), hands it the verified component and the
//!   policy's limits, forwards the canvas's pointer, key and resize events (and, to a worker
//!   without `requestAnimationFrame` of its own, one frame event per page animation frame), shows
//!   each frame the worker sends on the canvas (its
//!   `bitmaprenderer` context), and keeps the **watchdog**: the worker sends a heartbeat every
//!   [`HEARTBEAT_MS`] from its event loop, which cannot run while guest code does; no heartbeat
//!   for longer than the policy's cpu limit means one activation ran past it, and the page
//!   terminates the worker (reason `cpu-limit`) — unless the page's own thread was the one
//!   stalled (its watchdog tick came [`PAGE_STALL_MS`] late), which restarts the count.
//! - [`worker`] (inside the worker): plans and instantiates the component with the bridge on an
//!   `OffscreenCanvas` of its own ([`crate::client::start`]) and sends back heartbeats, frames
//!   (`ImageBitmap`s, transferred) and failures.
//! - [`protocol`]: the messages, and their validation on both sides. The page trusts nothing the
//!   worker says beyond "here is a frame" and "it failed for one of these reasons": trust was
//!   decided before the worker existed.
//!
//! Why frames travel as bitmaps instead of the page's canvas being transferred to the worker
//! (`transferControlToOffscreen`): a transferred canvas can never get a context on the page
//! again, so after the watchdog terminates the worker, server frames could not be drawn on the
//! same canvas.

#[cfg(target_arch = "wasm32")]
pub mod page;
pub mod protocol;
#[cfg(target_arch = "wasm32")]
pub mod worker;

/// How often the worker's event loop says it is alive, ms.
pub const HEARTBEAT_MS: u32 = 20;

/// How often the page's watchdog looks at the last heartbeat, ms.
pub const WATCHDOG_MS: u32 = 20;

/// A watchdog tick this much later than the previous one means the page's own thread was busy
/// (heartbeats may be queued behind it): that tick does not judge the worker, ms.
pub const PAGE_STALL_MS: u32 = 100;
