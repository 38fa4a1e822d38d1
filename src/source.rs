//! Getting the component's bytes: a streaming `fetch` with progress events, or the page's own
//! `ArrayBuffer` / typed array.
//!
//! While the bytes stream in they can also be fed to a [`Digester`] (the portable, wasm SHA-256
//! path), so hashing overlaps the download.

use gfx_trust::digest::Digester;
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStreamDefaultReader, Request, RequestInit, Response};

use crate::early::Early;
use crate::error::LoadError;
use crate::events::{Emitter, LoaderEvent};
use crate::js;
use crate::options::check_abort;

/// The largest component the loader downloads (the policy's complexity gate is far below).
pub const MAX_COMPONENT_BYTES: u64 = 512 << 20;

/// Least time between two progress events, ms.
const PROGRESS_EVERY_MS: f64 = 50.0;

/// The downloaded bytes.
pub struct Downloaded {
    /// The whole file.
    pub bytes: Vec<u8>,
    /// The digester that saw every byte, if one was asked for.
    pub digester: Option<Digester>,
    /// Time spent downloading, ms.
    pub ms: f64,
}

/// What `loadComponent`'s first argument is.
pub enum Source {
    /// A URL to fetch.
    Url(String),
    /// Bytes the page already has.
    Bytes(Vec<u8>),
}

impl Source {
    /// Reads `string | URL | ArrayBuffer | ArrayBufferView`.
    pub fn from_js(value: &JsValue) -> Result<Source, LoadError> {
        if let Some(buf) = value.dyn_ref::<ArrayBuffer>() {
            return Ok(Source::Bytes(Uint8Array::new(buf).to_vec()));
        }
        if ArrayBuffer::is_view(value) {
            let view: &js_sys::Object = value.unchecked_ref();
            let buffer = js::get(view, "buffer");
            let offset = js::get(view, "byteOffset").as_f64().unwrap_or(0.0) as u32;
            let len = js::get(view, "byteLength").as_f64().unwrap_or(0.0) as u32;
            let bytes = Uint8Array::new_with_byte_offset_and_length(&buffer, offset, len);
            return Ok(Source::Bytes(bytes.to_vec()));
        }
        if let Some(s) = value.as_string() {
            return js::resolve_url(&s)
                .map(Source::Url)
                .map_err(LoadError::InvalidOptions);
        }
        if value.is_instance_of::<web_sys::Url>() {
            return Ok(Source::Url(value.unchecked_ref::<web_sys::Url>().href()));
        }
        Err(LoadError::InvalidOptions(
            "the component source must be a URL (string or URL) or an ArrayBuffer".into(),
        ))
    }

    /// The URL, for messages.
    pub fn url(&self) -> Option<&str> {
        match self {
            Source::Url(u) => Some(u),
            Source::Bytes(_) => None,
        }
    }
}

/// Sends a GET for `url` with the page's abort signal; the future settles with the response.
/// (Wrapping the promise at once also means a failure nobody awaits is not an unhandled
/// rejection.)
pub fn send(url: &str, signal: Option<&AbortSignal>) -> Result<JsFuture, LoadError> {
    let init = RequestInit::new();
    init.set_method("GET");
    if let Some(s) = signal {
        init.set_signal(Some(s));
    }
    let request =
        Request::new_with_str_and_init(url, &init).map_err(|e| LoadError::FetchFailed {
            url: url.to_owned(),
            detail: js::describe(&e),
        })?;
    let window = js::window().ok_or_else(|| LoadError::Internal("no window".into()))?;
    Ok(JsFuture::from(window.fetch_with_request(&request)))
}

/// Waits for the response to a [`send`]; an HTTP error status is an error.
pub async fn response(
    url: &str,
    sent: JsFuture,
    signal: Option<&AbortSignal>,
) -> Result<Response, LoadError> {
    let failed = |detail: String| LoadError::FetchFailed {
        url: url.to_owned(),
        detail,
    };
    let response = sent.await.map_err(|e| {
        if signal.is_some_and(|s| s.aborted()) {
            LoadError::Aborted
        } else {
            failed(js::describe(&e))
        }
    })?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| LoadError::Internal("fetch did not return a Response".into()))?;
    if !response.ok() {
        return Err(failed(format!(
            "HTTP {} {}",
            response.status(),
            response.status_text()
        )));
    }
    Ok(response)
}

/// Fetches `url`: [`send`] (or the request sent early for it) then [`response`].
pub async fn fetch(
    url: &str,
    signal: Option<&AbortSignal>,
    early: &Early,
) -> Result<Response, LoadError> {
    let sent = match early.take(url) {
        Some((sent, _)) => sent,
        None => send(url, signal)?,
    };
    response(url, sent, signal).await
}

/// A download that has begun: the request is on its way (or the bytes are at hand).
pub enum Pending {
    /// The page's own bytes.
    Bytes(Vec<u8>),
    /// A request in flight.
    Request {
        /// Its URL.
        url: String,
        /// The response, when it comes.
        sent: JsFuture,
        /// When the request went out (`performance.now()`).
        at: f64,
    },
}

/// Starts getting the component, so that its download overlaps whatever the caller does next
/// (fetching the keyring) — or takes the request the loader's script sent for it early.
pub fn begin(
    source: Source,
    signal: Option<&AbortSignal>,
    early: &Early,
) -> Result<Pending, LoadError> {
    Ok(match source {
        Source::Bytes(b) => Pending::Bytes(b),
        Source::Url(url) => {
            let (sent, at) = match early.take(&url) {
                Some(sent) => sent,
                None => (send(&url, signal)?, js::now_ms()),
            };
            Pending::Request { url, sent, at }
        }
    })
}

/// Downloads the component, reporting progress, optionally hashing as it arrives (bytes the page
/// passed in are not hashed here: nothing would overlap; [`crate::integrity::check`] hashes them).
pub async fn download(
    pending: Pending,
    hash_while_streaming: bool,
    emitter: &Emitter,
    signal: Option<&AbortSignal>,
) -> Result<Downloaded, LoadError> {
    let (url, sent, started) = match pending {
        Pending::Bytes(bytes) => {
            let started = js::now_ms();
            check_size(bytes.len() as u64)?;
            let n = bytes.len() as u64;
            emitter.emit(LoaderEvent::Progress {
                loaded: n,
                total: Some(n),
            });
            return Ok(Downloaded {
                bytes,
                digester: None,
                ms: js::now_ms() - started,
            });
        }
        Pending::Request { url, sent, at } => (url, sent, at),
    };
    let mut digester = hash_while_streaming.then(Digester::new);
    let response = response(&url, sent, signal).await?;
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(t) = total {
        check_size(t)?;
    }
    let mut bytes: Vec<u8> =
        Vec::with_capacity(total.unwrap_or(0).min(MAX_COMPONENT_BYTES) as usize);
    emitter.emit(LoaderEvent::Progress { loaded: 0, total });
    let failed = |detail: String| LoadError::FetchFailed {
        url: url.clone(),
        detail,
    };
    let Some(body) = response.body() else {
        emitter.emit(LoaderEvent::Progress { loaded: 0, total });
        return Ok(Downloaded {
            bytes,
            digester,
            ms: js::now_ms() - started,
        });
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut last_progress = js::now_ms();
    loop {
        let chunk = js::wait(reader.read()).await.map_err(|e| {
            if signal.is_some_and(|s| s.aborted()) {
                LoadError::Aborted
            } else {
                failed(format!("download interrupted: {}", js::describe(&e)))
            }
        })?;
        if js::get(&chunk, "done").is_truthy() {
            break;
        }
        let value = js::get(&chunk, "value");
        let Some(part) = value.dyn_ref::<Uint8Array>() else {
            return Err(failed("the response body yielded a non-byte chunk".into()));
        };
        let start = bytes.len();
        let len = part.length() as usize;
        check_size((start + len) as u64)?;
        bytes.resize(start + len, 0);
        part.copy_to(&mut bytes[start..]);
        if let Some(d) = &mut digester {
            d.update(&bytes[start..]);
        }
        let now = js::now_ms();
        if now - last_progress >= PROGRESS_EVERY_MS {
            last_progress = now;
            emitter.emit(LoaderEvent::Progress {
                loaded: bytes.len() as u64,
                total,
            });
        }
        check_abort(signal)?;
    }
    emitter.emit(LoaderEvent::Progress {
        loaded: bytes.len() as u64,
        total,
    });
    Ok(Downloaded {
        bytes,
        digester,
        ms: js::now_ms() - started,
    })
}

fn check_size(n: u64) -> Result<(), LoadError> {
    if n > MAX_COMPONENT_BYTES {
        Err(LoadError::TooLarge {
            limit: MAX_COMPONENT_BYTES,
        })
    } else {
        Ok(())
    }
}
