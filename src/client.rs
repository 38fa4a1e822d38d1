//! The client path: a verified, planned component handed to the in-browser component runtime
//! (`gfx-component`) with the wasi-gfx bridge as its host.
//!
//! The bridge (the host side of `wasi:webgpu` and `wasi-gfx:surface` on the page's canvas) is not
//! in this loader yet, so the host implements nothing: the runtime compiles the component's core
//! modules (which validates them) and stops linking at the first import, which it names. The
//! loader then shows server frames with reason `client-runtime-unavailable`.

use gfx_component::web::{instantiate, Instance, InstantiateError};
use gfx_component::{Allowlist, Plan};

/// The wasi-gfx bridge: the host object the generated trampolines will find (none yet).
struct Bridge;

/// Compiles and instantiates `component` (planned as `plan`) with the bridge.
pub(crate) async fn start(plan: &Plan, component: &[u8]) -> Result<Instance, InstantiateError> {
    instantiate(
        plan,
        component,
        &Allowlist::wasi_gfx(),
        Box::new(Bridge),
        &[],
    )
    .await
}
