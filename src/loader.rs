//! The load pipeline, one way through: options → keyring → download (hashing as it streams when
//! the wasm hash is used) → verify → inspect → decide → consent → run in the browser (the client
//! path) or show server frames — also when the client path fails, before or after its first
//! frame.
//!
//! Every failure is a [`LoadError`]; every failure after the options are known is also an `error`
//! event and a visible error state on the canvas.

use std::cell::RefCell;
use std::rc::Rc;

use gfx_component::{Allowlist, Limits, Plan, PlanError};
use gfx_trust::decision::{decide, ClientFacts, Decision, Route};
use gfx_trust::policy::ImageFormat;
use gfx_trust::Policy;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::consent::{self, ConsentRequest};
use crate::early::Early;
use crate::error::LoadError;
use crate::events::{Emitter, LoaderEvent};
use crate::handle::{ComponentHandle, LiveState, Metrics};
use crate::integrity::{self, Checked, HashEngine};
use crate::options::{check_abort, parse_hash, KeyringSource, LoadOptions};
use crate::server::{ServerFrames, SessionSpec};
use crate::source::{self, Source};
use crate::{canvas, js, keyring};

/// Plans the component for the in-browser runtime: the allowlist of bridged interfaces and the
/// level's memory limit.
fn plan_client(component: &[u8], decision: &Decision) -> Result<Plan, PlanError> {
    let limits = match &decision.client_limits {
        Some(l) => Limits {
            max_memory_bytes: l.memory.0,
        },
        None => Limits::default(),
    };
    Plan::parse(component, &Allowlist::wasi_gfx(), limits)
}

/// What verification found, as `verifyComponent` returns it and the `verified` event carries it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    /// Whether a signature verified.
    pub verified: bool,
    /// Effective level.
    pub trust_level: &'static str,
    /// `verified`, `unsigned`, `signature-invalid`, …
    pub reason: &'static str,
    /// Explanation.
    pub message: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// Who signed.
    pub signer: Option<String>,
    /// Which key.
    pub key_id: Option<String>,
    /// The key's label in the keyring.
    pub key_label: Option<String>,
    /// `webcrypto` or `wasm`.
    pub hash: &'static str,
    /// Hashing + verification, ms.
    pub verify_ms: f64,
}

impl VerifyReport {
    fn of(c: &Checked) -> Self {
        let v = &c.verdict;
        VerifyReport {
            verified: v.verified,
            trust_level: v.level.as_str(),
            reason: v.reason.code(),
            message: v.message.clone(),
            digest: c.digest.to_string(),
            signer: v.accepted.as_ref().map(|a| a.claims.signer.clone()),
            key_id: v.accepted.as_ref().map(|a| a.key_id.to_string()),
            key_label: v.accepted.as_ref().and_then(|a| a.key_label.clone()),
            hash: c.engine.as_str(),
            verify_ms: c.ms,
        }
    }
}

/// `loadComponent(source, options)`; `early` has the requests the loader's script sent before
/// the wasm was ready (see [`crate::early`]).
pub async fn load(
    source: JsValue,
    options: JsValue,
    early: Early,
) -> Result<ComponentHandle, LoadError> {
    let started = js::now_ms();
    let opts = LoadOptions::parse(&options)?;
    let emitter = Emitter::new(opts.on_event.clone());
    let result = run(&source, &opts, &emitter, started, &early).await;
    if let Err(e) = &result {
        emitter.emit(LoaderEvent::Error {
            code: e.code().into(),
            message: e.to_string(),
        });
        if *e != LoadError::Aborted {
            canvas::show_error(&opts.canvas, e.code(), &e.to_string());
        }
    }
    result
}

/// `verifyComponent(source, keyring, options)`: the verification step alone.
pub async fn verify_only(
    source: JsValue,
    keyring_value: JsValue,
    options: JsValue,
) -> Result<VerifyReport, LoadError> {
    let hash = parse_hash(&js::get(&options, "hash"))?;
    let engine = HashEngine::select(hash)?;
    let keyring_source = if let Some(url) = keyring_value.as_string() {
        KeyringSource::Url(js::resolve_url(&url).map_err(LoadError::InvalidOptions)?)
    } else {
        KeyringSource::Inline(
            js_sys::JSON::stringify(&keyring_value)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| {
                    LoadError::InvalidOptions("keyring must be an object or a URL".into())
                })?,
        )
    };
    let keyring = keyring::resolve(&keyring_source, None, &Early::default()).await?;
    let downloaded = source::download(
        source::begin(Source::from_js(&source)?, None, &Early::default())?,
        engine == HashEngine::Wasm,
        &Emitter::default(),
        None,
    )
    .await?;
    let checked = integrity::check(
        downloaded.bytes,
        downloaded.digester,
        engine,
        &keyring,
        js::wall_clock(),
    )
    .await?;
    Ok(VerifyReport::of(&checked))
}

/// Largest size within `max` with the aspect ratio of `(w, h)` (integer arithmetic: exact at the
/// limit).
pub fn fit(w: u32, h: u32, max_w: u32, max_h: u32) -> (u32, u32) {
    let (w, h) = (w.max(1), h.max(1));
    if w <= max_w && h <= max_h {
        return (w, h);
    }
    let (w64, h64, mw, mh) = (w as u64, h as u64, max_w as u64, max_h as u64);
    if w64 * mh >= h64 * mw {
        // The width is the binding limit.
        (max_w, (h64 * mw / w64).clamp(1, mh) as u32)
    } else {
        ((w64 * mh / h64).clamp(1, mw) as u32, max_h)
    }
}

/// The format to ask the server for: the page's choice if the level allows it, else the first
/// allowed one.
pub fn pick_format(wanted: ImageFormat, allowed: &[ImageFormat]) -> ImageFormat {
    if allowed.contains(&wanted) {
        wanted
    } else {
        allowed.first().copied().unwrap_or(ImageFormat::Png)
    }
}

fn webgpu_available() -> bool {
    let navigator = js::get(&js_sys::global(), "navigator");
    let gpu = js::get(&navigator, "gpu");
    !gpu.is_undefined() && !gpu.is_null()
}

fn consent_request(checked: &Checked, decision: &Decision) -> Option<ConsentRequest> {
    let a = checked.verdict.accepted.as_ref()?;
    Some(ConsentRequest {
        digest: checked.digest.to_string(),
        key_id: a.key_id.to_string(),
        key_label: a.key_label.clone(),
        signer: a.claims.signer.clone(),
        trust_level: decision.level.as_str(),
        name: a.claims.name.clone(),
        version: a.claims.version.clone(),
        capabilities: decision.capabilities.clone(),
    })
}

async fn run(
    source: &JsValue,
    opts: &LoadOptions,
    emitter: &Emitter,
    started: f64,
    early: &Early,
) -> Result<ComponentHandle, LoadError> {
    let signal = opts.signal.as_ref();
    check_abort(signal)?;
    let engine = HashEngine::select(opts.hash)?;
    // The sandbox worker loads the loader's wasm while the component downloads and verifies;
    // terminated unused if the component is not run in the browser after all.
    #[cfg(target_arch = "wasm32")]
    let mut spawned = (opts.sandbox == crate::options::SandboxChoice::Worker && webgpu_available())
        .then(|| crate::sandbox::page::Spawned::new(&crate::sandbox::page::worker_url()).ok())
        .flatten();
    let source = Source::from_js(source)?;
    if opts.canvas.width() == 0 || opts.canvas.height() == 0 {
        return Err(LoadError::InvalidOptions(
            "options.canvas has a zero width or height".into(),
        ));
    }

    // The component's request goes out first, so its download overlaps the keyring's.
    let pending = source::begin(source, signal, early)?;
    let keyring = keyring::resolve(&opts.keyring, signal, early).await?;
    check_abort(signal)?;
    let downloaded = source::download(pending, engine == HashEngine::Wasm, emitter, signal).await?;
    let (download_bytes, download_ms) = (downloaded.bytes.len() as u64, downloaded.ms);
    check_abort(signal)?;

    let checked = integrity::check(
        downloaded.bytes,
        downloaded.digester,
        engine,
        &keyring,
        js::wall_clock(),
    )
    .await?;
    emitter.emit(LoaderEvent::Verified(VerifyReport::of(&checked)));

    let facts = gfx_trust::inspect::inspect(checked.component())
        .map_err(|e| LoadError::ComponentInvalid(e.to_string()))?;
    let default_policy;
    let policy: &Policy = match &opts.policy {
        Some(p) => p,
        None => {
            default_policy = Policy::default();
            &default_policy
        }
    };
    let decision = decide(
        &checked.verdict,
        policy,
        &facts,
        ClientFacts {
            webgpu: webgpu_available(),
        },
    );
    let route = match decision.route {
        Route::Client => "client",
        Route::Server => "server",
        Route::Reject => "reject",
    };
    emitter.emit(LoaderEvent::Decision {
        route,
        reason: decision.reason.code(),
        message: decision.message.clone(),
        trust_level: decision.level.as_str(),
        consent_required: decision.consent_required,
        capabilities: decision.capabilities.clone(),
    });

    let mut refusal = None;
    let live = Rc::new(RefCell::new(LiveState {
        mode: "server",
        trust_level: decision.level.as_str(),
        reason: decision.reason.code().into(),
        digest: checked.digest.to_string(),
        metrics: Metrics {
            mode: "server",
            download_bytes,
            download_ms,
            verify_ms: checked.ms,
            hash: checked.engine.as_str(),
            ..Metrics::default()
        },
        stopped: false,
    }));
    let spec = opts.fallback.as_ref().map(|fallback| {
        let limits = &decision.server_limits;
        let (width, height) = fit(
            opts.canvas.width(),
            opts.canvas.height(),
            limits.max_width,
            limits.max_height,
        );
        SessionSpec {
            endpoint: fallback.endpoint.clone(),
            digest: checked.digest.to_string(),
            width,
            height,
            format: pick_format(fallback.format, &limits.formats).as_str(),
        }
    });
    let reason: String = match decision.route {
        Route::Reject => {
            return Err(LoadError::Rejected {
                reason: decision.reason.code(),
                message: decision.message.clone(),
            })
        }
        Route::Server => decision.reason.code().into(),
        Route::Client => {
            // The GPU adapter is asked for now, while the component is planned, consented to and
            // compiled (the guest's first default `request-adapter` gets it) — not before the
            // decision, so that a page shown from the server pays nothing for a GPU.
            #[cfg(target_arch = "wasm32")]
            let mut adapter = match (&spawned, opts.sandbox) {
                (Some(worker), _) => {
                    worker.prepare();
                    None
                }
                (None, crate::options::SandboxChoice::None) => gfx_bridge::AdapterAhead::request(),
                (None, _) => None,
            };
            let mut failure: Option<(&'static str, String)> = None;
            // Refuse before compiling (and before asking the user): imports outside what the
            // bridge implements, features the runtime lacks, memories over the limit.
            let planned = plan_client(checked.component(), &decision);
            if let Err(e) = &planned {
                failure = Some((e.code(), format!("{e}; showing server frames")));
                refusal = Some(LoadError::Refused(e.clone()));
            } else if decision.consent_required {
                let request = consent_request(&checked, &decision).ok_or_else(|| {
                    LoadError::Internal("consent is required but no signature was accepted".into())
                })?;
                let answer = consent::ask(&opts.consent, &request, signal).await?;
                emitter.emit(LoaderEvent::Consent {
                    granted: answer.granted,
                    remembered: answer.remembered,
                });
                if !answer.granted {
                    failure = Some(("consent-denied", "the user did not allow this component to run in the browser; showing server frames".into()));
                }
            }
            #[cfg(target_arch = "wasm32")]
            if let (Ok(plan), None) = (&planned, &failure) {
                check_abort(signal)?;
                let limits = decision.client_limits.as_ref();
                let gpu_errors = limits.map(|l| l.gpu_errors).unwrap_or_default();
                let memory_bytes =
                    limits.map_or(Limits::default().max_memory_bytes, |l| l.memory.0);
                // The policy's memory limit bounds the guest's GPU buffers and textures too.
                let gpu_bytes = memory_bytes;
                let started_run = match opts.sandbox {
                    crate::options::SandboxChoice::Worker => {
                        let sandbox = crate::sandbox::page::Sandbox {
                            worker_url: crate::sandbox::page::worker_url(),
                            cpu_ms: limits.map_or(5_000.0, |l| l.cpu.0 as f64),
                            memory_bytes,
                            gpu_bytes,
                            gpu_errors,
                        };
                        crate::sandbox::page::start(
                            spawned.take(),
                            checked.component(),
                            &opts.canvas,
                            &sandbox,
                        )
                        .await
                        .map(crate::client::ClientRun::Worker)
                    }
                    crate::options::SandboxChoice::None => crate::client::start(
                        plan,
                        checked.component(),
                        gfx_bridge::Target::Element(opts.canvas.clone()),
                        gpu_errors,
                        gpu_bytes,
                        adapter.take(),
                    )
                    .await
                    .map(|run| crate::client::ClientRun::Local(run, opts.canvas.clone())),
                };
                match started_run {
                    Ok(run) => {
                        {
                            let mut l = live.borrow_mut();
                            l.mode = "client";
                            l.metrics.mode = "client";
                            l.metrics.sandbox = Some(match opts.sandbox {
                                crate::options::SandboxChoice::Worker => "worker",
                                crate::options::SandboxChoice::None => "main-thread",
                            });
                            l.metrics.time_to_first_frame_ms = Some(js::now_ms() - started);
                        }
                        emitter.emit(LoaderEvent::Mode {
                            mode: "client",
                            reason: decision.reason.code().into(),
                        });
                        emitter.emit(LoaderEvent::FirstFrame {
                            ms: js::now_ms() - started,
                        });
                        return Ok(ComponentHandle::client(
                            live,
                            run,
                            emitter.clone(),
                            spec.map(|spec| (spec, opts.canvas.clone())),
                        ));
                    }
                    Err(f) => {
                        failure = Some((f.reason, format!("{}; showing server frames", f.message)));
                    }
                }
            }
            let (reason, message) = failure.unwrap_or((
                "client-unavailable",
                "this build of the loader cannot run components in the browser; showing server frames"
                    .into(),
            ));
            emitter.emit(LoaderEvent::Fallback {
                reason: reason.into(),
                message,
            });
            reason.into()
        }
    };
    check_abort(signal)?;
    emitter.emit(LoaderEvent::Mode {
        mode: "server",
        reason: reason.clone(),
    });
    live.borrow_mut().reason = reason;
    let Some(spec) = spec else {
        if let Some(refused) = refusal {
            return Err(refused);
        }
        return Err(LoadError::FallbackUnavailable(
            "server frames are needed but no render server is configured (options.fallback.endpoint)"
                .into(),
        ));
    };
    drop(checked);
    let frames = ServerFrames::start(
        spec,
        &opts.canvas,
        emitter.clone(),
        Rc::clone(&live),
        started,
        signal,
    )
    .await?;
    Ok(ComponentHandle::server(live, frames, emitter.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_keeps_sizes_within_limits_and_the_aspect_ratio() {
        assert_eq!(fit(512, 512, 1920, 1080), (512, 512));
        assert_eq!(fit(3840, 2160, 1920, 1080), (1920, 1080));
        assert_eq!(fit(4000, 1000, 1920, 1080), (1920, 480));
        assert_eq!(fit(1000, 4000, 1920, 1080), (270, 1080));
        assert_eq!(fit(100_000, 1, 1920, 1080), (1920, 1));
    }

    #[test]
    fn the_page_format_is_used_only_when_allowed() {
        use ImageFormat::*;
        assert_eq!(pick_format(Webp, &[Png, Jpeg]), Png);
        assert_eq!(pick_format(Jpeg, &[Png, Jpeg]), Jpeg);
        assert_eq!(pick_format(Png, &[]), Png);
    }
}
