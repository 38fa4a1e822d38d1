//! `wasi-gfx-loader`: the browser loader for signed wasi-gfx WebAssembly components.
//!
//! Compiled to `wasm32-unknown-unknown` with wasm-bindgen; `npm run build` wraps it in the
//! JavaScript shell (`www/src/index.ts`) that pages load as one script tag or an ES module. The
//! exported functions are `loadComponent`, `verifyComponent` and `forgetConsent`.
//!
//! Data flows one way, one module per step:
//!
//! 1. [`options`] checks the page's options;
//! 2. [`keyring`] resolves the keyring (inline or fetched; rollback-checked);
//! 3. [`source`] downloads the component with progress events, hashing as it streams on the wasm
//!    path;
//! 4. [`integrity`] computes the digest (WebCrypto or wasm) and verifies the signatures with
//!    [`gfx_trust`] — the same code the CLI and the render server run;
//! 5. [`loader`] inspects, decides with the policy, plans the component for the in-browser
//!    runtime ([`gfx_component`]: refusing what it cannot run before compiling anything), asks
//!    [`consent`] where the level requires it, and hands the component to the runtime (`client`;
//!    until the wasi-gfx bridge lands it stops at the first import);
//! 6. [`server`] shows server frames on the canvas ([`canvas`]), forwarding [`input`].
//!
//! [`http`] talks to the render server's API; [`events`] reports progress to the page; [`handle`] is what the page gets back; [`error`] lists
//! every failure with its code.

pub mod canvas;
#[cfg(target_arch = "wasm32")]
mod client;
pub mod consent;
pub mod early;
pub mod error;
pub mod events;
pub mod handle;
pub mod http;
pub mod input;
pub mod integrity;
pub mod js;
pub mod keyring;
pub mod loader;
pub mod options;
pub mod sandbox;
pub mod server;
pub mod source;
pub mod storage;

pub use gfx_trust as trust;

use wasm_bindgen::prelude::*;

pub use error::LoadError;
pub use handle::ComponentHandle;

/// Loads, verifies and shows a component on `options.canvas`. See the TypeScript declarations for
/// the options; rejects with `{code, message}` (the shell turns it into a `LoadError`).
#[wasm_bindgen(js_name = loadComponent)]
pub async fn load_component(
    source: JsValue,
    options: JsValue,
    early: JsValue,
) -> Result<ComponentHandle, JsValue> {
    loader::load(source, options, early::Early::from_js(&early))
        .await
        .map_err(JsValue::from)
}

/// Verifies a component against a keyring without showing it: `{verified, trustLevel, reason,
/// message, digest, signer, keyId, keyLabel, hash, verifyMs}`.
#[wasm_bindgen(js_name = verifyComponent)]
pub async fn verify_component(
    source: JsValue,
    keyring: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let report = loader::verify_only(source, keyring, options)
        .await
        .map_err(JsValue::from)?;
    serde::Serialize::serialize(&report, &serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| LoadError::Internal(e.to_string()).into())
}

/// Forgets remembered consent answers: for one digest, or all when `digest` is omitted. Returns
/// how many were forgotten.
#[wasm_bindgen(js_name = forgetConsent)]
pub fn forget_consent(digest: Option<String>) -> u32 {
    consent::forget(digest.as_deref())
}

/// The loader's version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
