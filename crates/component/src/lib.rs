//! The loader's component-model runtime.
//!
//! Data flows one way: bytes → [`Plan::parse`] (refuse before compiling, flatten) → the browser
//! compiles and instantiates the plan's core modules. This crate owns the first step and the
//! types every later step shares.
//!
//! - [`allowlist`]: which imports may be satisfied, matched by semver-compatible version.
//! - [`plan`]: the flattened instantiation graph.
//! - `parse`: the walker that builds a plan from a component (via [`Plan::parse`]).
//! - [`error`]: why a component is refused, with stable codes.

pub mod abi;
pub mod allowlist;
pub mod error;
mod parse;
pub mod plan;

pub use allowlist::Allowlist;
pub use error::PlanError;
pub use parse::Limits;
pub use plan::Plan;
