//! The loader's component-model runtime.
//!
//! Data flows one way: bytes → [`Plan::parse`] (refuse before compiling, flatten) → the browser
//! compiles and instantiates the plan's core modules. This crate owns the first step and the
//! types every later step shares.
//!
//! - [`bound`]: the memory limit — split over the plan's memories, written into each core module.
//! - [`allowlist`]: which imports may be satisfied, matched by semver-compatible version.
//! - [`plan`]: the flattened instantiation graph.
//! - `parse`: the walker that builds a plan from a component (via [`Plan::parse`]).
//! - [`error`]: why a component is refused, with stable codes.
//! - [`abi`]: the canonical ABI host side that generated bindings call.
//! - [`concurrent`]: WASI P3 async state (waitables, waitable sets, subtasks).
//! - [`channels`]: streams and futures — the channels behind them, the copies between ends.
//! - `web` (wasm32): compiling and instantiating a plan with the browser's `WebAssembly` API.

pub mod abi;
pub mod allowlist;
pub mod bound;
pub mod channels;
pub mod concurrent;
pub mod error;
mod parse;
pub mod plan;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use allowlist::Allowlist;
pub use error::PlanError;
pub use parse::Limits;
pub use plan::Plan;
