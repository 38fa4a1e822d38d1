//! [`LoadOptions`]: the page's `options` object, checked and typed once at the door.
//!
//! Everything after this module works with Rust types; a wrong type here is an
//! `invalid-options` [`LoadError`] naming the field.

use gfx_trust::policy::ImageFormat;
use gfx_trust::Policy;
use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, HtmlCanvasElement};

use crate::error::LoadError;
use crate::js;

/// Where the keyring comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringSource {
    /// The page passed the keyring object (serialised to JSON here).
    Inline(String),
    /// The page passed the URL of the keyring JSON (absolute, resolved against the page).
    Url(String),
}

/// The render server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    /// Base URL without a trailing slash (`https://frames.example.com`).
    pub endpoint: String,
    /// Preferred frame format (`png` unless the page says otherwise).
    pub format: ImageFormat,
}

/// How consent is asked.
#[derive(Debug, Clone)]
pub enum ConsentMode {
    /// The loader's own `<dialog>`.
    Dialog,
    /// The page's function: `(request) => Promise<boolean>`.
    Callback(Function),
}

/// Which SHA-256 computes the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashChoice {
    /// WebCrypto where available, otherwise the wasm implementation.
    Auto,
    /// `crypto.subtle.digest` (fails where it is missing: insecure contexts).
    WebCrypto,
    /// The `sha2` crate in wasm, while the bytes stream in.
    Wasm,
}

/// Where a component allowed to run client-side runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxChoice {
    /// In a dedicated worker under the watchdog and limits (the default).
    Worker,
    /// On the page's main thread: no watchdog (kept to measure what the sandbox costs).
    None,
}

/// The typed options.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The canvas the component (or its server frames) draws on.
    pub canvas: HtmlCanvasElement,
    /// Trusted keys.
    pub keyring: KeyringSource,
    /// Policy override.
    pub policy: Option<Policy>,
    /// Render server.
    pub fallback: Option<Fallback>,
    /// Consent.
    pub consent: ConsentMode,
    /// Event callback.
    pub on_event: Option<Function>,
    /// Abort signal.
    pub signal: Option<AbortSignal>,
    /// Hash implementation.
    pub hash: HashChoice,
    /// Where a client-side component runs.
    pub sandbox: SandboxChoice,
}

fn invalid(field: &str, problem: &str) -> LoadError {
    LoadError::InvalidOptions(format!("options.{field} {problem}"))
}

/// A JSON text for a plain object given by the page.
fn json_of(value: &JsValue, field: &str) -> Result<String, LoadError> {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| invalid(field, "cannot be serialised to JSON"))
}

impl LoadOptions {
    /// Checks the page's options object.
    pub fn parse(options: &JsValue) -> Result<Self, LoadError> {
        if !options.is_object() {
            return Err(LoadError::InvalidOptions(
                "options must be an object with at least { canvas, keyring }".into(),
            ));
        }
        let canvas = js::get(options, "canvas")
            .dyn_into::<HtmlCanvasElement>()
            .map_err(|_| invalid("canvas", "must be an HTMLCanvasElement"))?;

        let keyring = js::get(options, "keyring");
        let keyring = if let Some(url) = keyring.as_string() {
            KeyringSource::Url(js::resolve_url(&url).map_err(|e| invalid("keyring", &e))?)
        } else if keyring.is_instance_of::<web_sys::Url>() {
            KeyringSource::Url(keyring.unchecked_into::<web_sys::Url>().href())
        } else if keyring.is_object() {
            KeyringSource::Inline(json_of(&keyring, "keyring")?)
        } else {
            return Err(invalid(
                "keyring",
                "is required: a keyring object or the URL of its JSON",
            ));
        };

        let policy = js::get(options, "policy");
        let policy = if policy.is_undefined() || policy.is_null() {
            None
        } else if let Some(text) = policy.as_string() {
            Some(Policy::parse(&text).map_err(|e| LoadError::PolicyInvalid(e.to_string()))?)
        } else if policy.is_object() {
            let text = json_of(&policy, "policy")?;
            Some(
                Policy::from_json(text.as_bytes())
                    .map_err(|e| LoadError::PolicyInvalid(e.to_string()))?,
            )
        } else {
            return Err(invalid(
                "policy",
                "must be a policy object or its JSON text",
            ));
        };

        let fallback = js::get(options, "fallback");
        let fallback = if fallback.is_undefined() || fallback.is_null() {
            None
        } else {
            let endpoint = js::get(&fallback, "endpoint")
                .as_string()
                .ok_or_else(|| invalid("fallback.endpoint", "must be the render server's URL"))?;
            let endpoint = js::resolve_url(&endpoint)
                .map_err(|e| invalid("fallback.endpoint", &e))?
                .trim_end_matches('/')
                .to_owned();
            let format = match js::get(&fallback, "format").as_string().as_deref() {
                None => ImageFormat::Png,
                Some("png") => ImageFormat::Png,
                Some("jpeg") => ImageFormat::Jpeg,
                Some("webp") => ImageFormat::Webp,
                Some(_) => return Err(invalid("fallback.format", "must be png, jpeg or webp")),
            };
            Some(Fallback { endpoint, format })
        };

        let consent = js::get(options, "consent");
        let consent = if consent.is_undefined() || consent.as_string().as_deref() == Some("dialog")
        {
            ConsentMode::Dialog
        } else if let Some(f) = consent.dyn_ref::<Function>() {
            ConsentMode::Callback(f.clone())
        } else {
            return Err(invalid(
                "consent",
                "must be 'dialog' or a function (request) => Promise<boolean>",
            ));
        };

        let on_event = js::get(options, "onEvent");
        let on_event = if on_event.is_undefined() || on_event.is_null() {
            None
        } else {
            Some(
                on_event
                    .dyn_into::<Function>()
                    .map_err(|_| invalid("onEvent", "must be a function"))?,
            )
        };

        let signal = js::get(options, "signal");
        let signal = if signal.is_undefined() || signal.is_null() {
            None
        } else {
            Some(
                signal
                    .dyn_into::<AbortSignal>()
                    .map_err(|_| invalid("signal", "must be an AbortSignal"))?,
            )
        };

        let hash = parse_hash(&js::get(options, "hash"))?;
        let sandbox = parse_sandbox(&js::get(options, "sandbox"))?;

        Ok(LoadOptions {
            canvas,
            keyring,
            policy,
            fallback,
            consent,
            on_event,
            signal,
            hash,
            sandbox,
        })
    }
}

/// `hash: 'auto' | 'webcrypto' | 'wasm'` (undefined = auto).
pub fn parse_hash(value: &JsValue) -> Result<HashChoice, LoadError> {
    match value.as_string().as_deref() {
        _ if value.is_undefined() || value.is_null() => Ok(HashChoice::Auto),
        Some("auto") => Ok(HashChoice::Auto),
        Some("webcrypto") => Ok(HashChoice::WebCrypto),
        Some("wasm") => Ok(HashChoice::Wasm),
        _ => Err(invalid("hash", "must be 'auto', 'webcrypto' or 'wasm'")),
    }
}

/// `sandbox: 'worker' | 'none'` (undefined = worker).
pub fn parse_sandbox(value: &JsValue) -> Result<SandboxChoice, LoadError> {
    match value.as_string().as_deref() {
        _ if value.is_undefined() || value.is_null() => Ok(SandboxChoice::Worker),
        Some("worker") => Ok(SandboxChoice::Worker),
        Some("none") => Ok(SandboxChoice::None),
        _ => Err(invalid("sandbox", "must be 'worker' or 'none'")),
    }
}

/// Fails with [`LoadError::Aborted`] once the page has aborted.
pub fn check_abort(signal: Option<&AbortSignal>) -> Result<(), LoadError> {
    match signal {
        Some(s) if s.aborted() => Err(LoadError::Aborted),
        _ => Ok(()),
    }
}
