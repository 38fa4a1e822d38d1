//! [`LoaderEvent`]s: what the loader tells the page through `options.onEvent` while it works.
//!
//! Events are plain JSON-compatible objects with a `type` field (see `LoaderEvent` in the
//! TypeScript declarations). A throwing `onEvent` is the page's bug: it is reported on the console
//! and never stops the loader.

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::js;
use crate::loader::VerifyReport;

/// One event.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum LoaderEvent {
    /// Bytes of the component downloaded so far.
    #[serde(rename_all = "camelCase")]
    Progress {
        /// Bytes received.
        loaded: u64,
        /// Total from `Content-Length`, if the server sent one.
        total: Option<u64>,
    },
    /// The signature check finished: what `verifyComponent` also returns.
    Verified(VerifyReport),
    /// The policy decision.
    #[serde(rename_all = "camelCase")]
    Decision {
        /// `client`, `server` or `reject`.
        route: &'static str,
        /// Decision reason.
        reason: &'static str,
        /// Explanation.
        message: String,
        /// Effective trust level.
        trust_level: &'static str,
        /// Whether the user must be asked first.
        consent_required: bool,
        /// Capabilities granted.
        capabilities: Vec<String>,
    },
    /// The user's answer (or a remembered one).
    #[serde(rename_all = "camelCase")]
    Consent {
        /// Allowed?
        granted: bool,
        /// The answer came from an earlier visit.
        remembered: bool,
    },
    /// The component is being shown in this mode (the first time, and whenever it changes).
    #[serde(rename_all = "camelCase")]
    Mode {
        /// `client` or `server`.
        mode: &'static str,
        /// Why this mode.
        reason: String,
    },
    /// The loader switched to server frames (after a decision for the client, or a failure).
    #[serde(rename_all = "camelCase")]
    Fallback {
        /// The reason (`consent-denied`, `trap`, `gpu-error`, …).
        reason: String,
        /// Explanation.
        message: String,
    },
    /// The first frame is on the canvas.
    #[serde(rename_all = "camelCase")]
    FirstFrame {
        /// From `loadComponent()` to the frame being drawn, ms.
        ms: f64,
    },
    /// Frame statistics, about once a second while frames arrive.
    #[serde(rename_all = "camelCase")]
    FrameStats {
        /// Frames drawn in the last second.
        fps: f64,
        /// Median time from a frame's arrival to it being on the canvas, ms.
        frame_latency_ms: f64,
        /// Frames drawn so far.
        frames: u64,
    },
    /// The server event stream dropped; the loader is reconnecting.
    #[serde(rename_all = "camelCase")]
    Reconnect {
        /// Attempt number, from 1.
        attempt: u32,
        /// Whether a new server session had to be opened.
        new_session: bool,
    },
    /// Something failed; the canvas shows it.
    #[serde(rename_all = "camelCase")]
    Error {
        /// Error code.
        code: String,
        /// Explanation.
        message: String,
    },
    /// The component was stopped (by `stop()` or because it ended).
    #[serde(rename_all = "camelCase")]
    Stopped {
        /// `stop` or the server's code.
        reason: String,
    },
}

/// Delivers events to the page's `onEvent`, if it gave one.
#[derive(Clone, Default)]
pub struct Emitter {
    callback: Option<js_sys::Function>,
}

impl Emitter {
    /// An emitter for `callback`.
    pub fn new(callback: Option<js_sys::Function>) -> Self {
        Emitter { callback }
    }

    /// Sends one event.
    pub fn emit(&self, event: LoaderEvent) {
        let Some(f) = &self.callback else { return };
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let value = match event.serialize(&serializer) {
            Ok(v) => v,
            Err(e) => {
                js::console_error(&format!("wasi-gfx-loader: cannot encode event: {e}"));
                return;
            }
        };
        if let Err(e) = f.call1(&JsValue::NULL, &value) {
            js::console_error(&format!(
                "wasi-gfx-loader: onEvent threw: {}",
                js::describe(&e)
            ));
        }
    }
}
