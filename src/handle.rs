//! [`ComponentHandle`]: what `loadComponent` resolves to. Its `mode` and `reason` are live — when
//! the loader changes course later (a server-side guest failure, a fallback) they change, and an
//! event says so.

use std::cell::RefCell;
use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::events::{Emitter, LoaderEvent};
use crate::server::ServerFrames;
#[cfg(target_arch = "wasm32")]
use crate::server::SessionSpec;

#[cfg(target_arch = "wasm32")]
use crate::client::ClientRun;
/// The client path does not exist natively (tests of the loader's logic run natively).
#[cfg(not(target_arch = "wasm32"))]
pub struct ClientRun;
#[cfg(not(target_arch = "wasm32"))]
impl ClientRun {
    fn stop(&self) {}
}

/// Counters and timings, as `metrics()` returns them.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// `client` or `server`.
    pub mode: &'static str,
    /// Bytes of the component downloaded.
    pub download_bytes: u64,
    /// Download time, ms.
    pub download_ms: f64,
    /// Hashing + verification time, ms.
    pub verify_ms: f64,
    /// `webcrypto` or `wasm`.
    pub hash: &'static str,
    /// From `loadComponent()` to the first frame on the canvas, ms.
    pub time_to_first_frame_ms: Option<f64>,
    /// Frames drawn.
    pub frames: u64,
    /// Frames that arrived while an older one was still being decoded and were skipped.
    pub dropped_frames: u64,
    /// Frames drawn in the last second.
    pub fps: f64,
    /// Median time from a frame's arrival to it being on the canvas (last 60 frames), ms.
    pub frame_latency_ms: Option<f64>,
    /// Times the server event stream was reconnected.
    pub reconnects: u32,
    /// The render server's session id (server mode).
    pub session_id: Option<String>,
    /// Where a client-side component runs: `worker` (the sandbox) or `main-thread`; `null`
    /// for server frames.
    pub sandbox: Option<&'static str>,
}

/// The state behind a handle, shared with whatever drives the frames.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// `client` or `server`.
    pub mode: &'static str,
    /// Effective trust level.
    pub trust_level: &'static str,
    /// Why this mode (machine-readable).
    pub reason: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// Metrics.
    pub metrics: Metrics,
    /// Stopped by `stop()` or by the component ending.
    pub stopped: bool,
}

/// Shared, mutable live state.
pub type Live = Rc<RefCell<LiveState>>;

/// A loaded component.
#[wasm_bindgen]
pub struct ComponentHandle {
    live: Live,
    /// Server frames: from the start, or since the client path fell back.
    server: Rc<RefCell<Option<ServerFrames>>>,
    client: Option<ClientRun>,
    emitter: Emitter,
}

impl ComponentHandle {
    /// A handle over server frames.
    pub fn server(live: Live, frames: ServerFrames, emitter: Emitter) -> Self {
        ComponentHandle {
            live,
            server: Rc::new(RefCell::new(Some(frames))),
            client: None,
            emitter,
        }
    }

    /// A handle over a component running client-side. If it fails later (a trap, a lost
    /// device, an uncaptured GPU error), the loader switches to server frames of `fallback` on
    /// the same canvas — `mode` and `reason` change and `fallback` and `mode` events say so —
    /// or, without a render server, shows the error state.
    #[cfg(target_arch = "wasm32")]
    pub fn client(
        live: Live,
        run: ClientRun,
        emitter: Emitter,
        fallback: Option<(SessionSpec, web_sys::HtmlCanvasElement)>,
    ) -> Self {
        let server = Rc::new(RefCell::new(None));
        {
            let (live, emitter, server) = (Rc::clone(&live), emitter.clone(), Rc::clone(&server));
            let canvas = run.canvas().clone();
            run.on_failure(move |f| {
                if live.borrow().stopped {
                    return;
                }
                {
                    let mut l = live.borrow_mut();
                    l.mode = "server";
                    l.metrics.mode = "server";
                    l.metrics.sandbox = None;
                    l.reason = f.reason.into();
                }
                emitter.emit(LoaderEvent::Fallback {
                    reason: f.reason.into(),
                    message: format!("{}; showing server frames", f.message),
                });
                emitter.emit(LoaderEvent::Mode {
                    mode: "server",
                    reason: f.reason.into(),
                });
                let Some((spec, canvas)) = fallback.clone() else {
                    crate::canvas::show_error(&canvas, f.reason, &f.message);
                    return;
                };
                let (live, emitter, server) =
                    (Rc::clone(&live), emitter.clone(), Rc::clone(&server));
                wasm_bindgen_futures::spawn_local(async move {
                    let started = crate::js::now_ms();
                    match ServerFrames::start(spec, &canvas, emitter.clone(), live, started, None)
                        .await
                    {
                        Ok(frames) => *server.borrow_mut() = Some(frames),
                        Err(e) => {
                            crate::canvas::show_error(&canvas, e.code(), &e.to_string());
                            emitter.emit(LoaderEvent::Error {
                                code: e.code().into(),
                                message: e.to_string(),
                            });
                        }
                    }
                });
            });
        }
        ComponentHandle {
            live,
            server,
            client: Some(run),
            emitter,
        }
    }
}

#[wasm_bindgen]
impl ComponentHandle {
    /// `'client'` or `'server'`.
    #[wasm_bindgen(getter)]
    pub fn mode(&self) -> String {
        self.live.borrow().mode.to_owned()
    }

    /// The effective trust level.
    #[wasm_bindgen(getter, js_name = trustLevel)]
    pub fn trust_level(&self) -> String {
        self.live.borrow().trust_level.to_owned()
    }

    /// Why the component is shown in this mode (`verified`, `unsigned`, `signature-invalid`, …).
    #[wasm_bindgen(getter)]
    pub fn reason(&self) -> String {
        self.live.borrow().reason.clone()
    }

    /// `sha256:<hex>` of the unsigned component.
    #[wasm_bindgen(getter)]
    pub fn digest(&self) -> String {
        self.live.borrow().digest.clone()
    }

    /// A snapshot of the metrics.
    pub fn metrics(&self) -> JsValue {
        #[cfg_attr(not(target_arch = "wasm32"), allow(unused_mut))]
        let mut m = self.live.borrow().metrics.clone();
        #[cfg(target_arch = "wasm32")]
        if let (Some(run), "client") = (&self.client, m.mode) {
            m.frames = run.presented();
            m.fps = run.fps();
        }
        m.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap_or(JsValue::NULL)
    }

    /// Stops the component: no more frames, the server session is ended. Idempotent.
    pub fn stop(&self) {
        let already = std::mem::replace(&mut self.live.borrow_mut().stopped, true);
        if let Some(c) = &self.client {
            c.stop();
        }
        if let Some(s) = &*self.server.borrow() {
            s.stop();
        }
        if !already {
            self.emitter.emit(LoaderEvent::Stopped {
                reason: "stop".into(),
            });
        }
    }
}
