//! Server-frame mode: a live session on the render server, its frames drawn on the page's canvas.
//!
//! `POST /v1/sessions` opens the session; its server-sent events (`frame`, `error`, `end`) arrive
//! through an `EventSource`. Each frame is base64 image bytes: decoded off the main path with
//! `createImageBitmap` and drawn scaled to the canvas. At most one frame is decoded at a time; a
//! frame that arrives meanwhile replaces any waiting one (the newest wins, the skipped ones are
//! counted). Input on the canvas is forwarded ([`crate::input`]).
//!
//! When the event stream drops, the browser retries by itself; if the stream is closed for good
//! (the server restarted and forgot the session, say) the loader checks the session and, if it is
//! gone, opens a new one — with backoff, until `stop()`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use base64::Engine as _;
use gloo_events::EventListener;
use js_sys::{Array, Function, Promise, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, BlobPropertyBag, EventSource, HtmlCanvasElement, ImageBitmap, MessageEvent};

use crate::canvas::FrameCanvas;
use crate::error::LoadError;
use crate::events::{Emitter, LoaderEvent};
use crate::handle::Live;
use crate::input::InputForwarder;
use crate::{http, js};

/// How long `loadComponent` waits for the first server frame, ms.
pub const FIRST_FRAME_TIMEOUT_MS: u32 = 30_000;

/// Longest wait between two reconnection attempts, ms.
const MAX_BACKOFF_MS: u32 = 5_000;

/// What to ask the render server for.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    /// Render server base URL, no trailing slash.
    pub endpoint: String,
    /// Component digest.
    pub digest: String,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// `png`, `jpeg` or `webp`.
    pub format: &'static str,
}

/// `POST /v1/sessions` answer (the fields we use).
#[derive(Debug, Deserialize)]
struct Opened {
    id: String,
    events: String,
    input: String,
}

/// One `frame` event.
#[derive(Debug, Deserialize)]
struct FrameMsg {
    #[serde(default)]
    index: u64,
    mime: String,
    data: String,
}

/// An `error` / `end` event, or an error response body's `error`.
#[derive(Debug, Deserialize)]
struct CodeMsg {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: CodeMsg,
}

struct Stats {
    drawn_at: VecDeque<f64>,
    latencies: VecDeque<f64>,
    last_report: f64,
}

struct Inner {
    spec: SessionSpec,
    session_id: String,
    events_url: String,
    input_url: Rc<RefCell<String>>,
    source: Option<EventSource>,
    listeners: Vec<EventListener>,
    canvas: FrameCanvas,
    emitter: Emitter,
    live: Live,
    decoding: bool,
    pending: Option<(FrameMsg, f64)>,
    first_frame: Option<(Function, Function)>,
    first_error: Option<LoadError>,
    started_at: f64,
    attempts: u32,
    outage: bool,
    stopped: bool,
    stats: Stats,
    input: Option<InputForwarder>,
    page_hide: Option<EventListener>,
}

/// A running server-frame session. Dropping it does not stop it; `stop()` does.
#[derive(Clone)]
pub struct ServerFrames {
    inner: Rc<RefCell<Inner>>,
}

fn unavailable(endpoint: &str, detail: impl std::fmt::Display) -> LoadError {
    LoadError::FallbackUnavailable(format!("{endpoint}: {detail}"))
}

fn join(endpoint: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_owned()
    } else {
        format!("{endpoint}{path}")
    }
}

/// `POST /v1/sessions` body. The fields are in alphabetical order: the bytes are those
/// `serde_json::json!` wrote before (its map sorts keys), without building a `Value`.
#[derive(Serialize)]
struct SessionRequest<'a> {
    digest: &'a str,
    format: &'a str,
    height: u32,
    width: u32,
}

fn session_request(spec: &SessionSpec) -> String {
    serde_json::to_string(&SessionRequest {
        digest: &spec.digest,
        format: spec.format,
        height: spec.height,
        width: spec.width,
    })
    .unwrap_or_default()
}

/// Opens a session; errors name the server's code and message.
async fn open_session(spec: &SessionSpec) -> Result<Opened, LoadError> {
    let body = session_request(spec);
    let url = format!("{}/v1/sessions", spec.endpoint);
    let response = http::request("POST", &url, Some(&body))
        .await
        .map_err(|e| {
            unavailable(
                &spec.endpoint,
                format!("cannot reach the render server ({e})"),
            )
        })?;
    let text = http::text_of(&response).await;
    if !response.ok() {
        let detail = match serde_json::from_slice::<ErrorBody>(text.as_bytes()) {
            Ok(b) => format!("{}: {}", b.error.code, b.error.message),
            Err(_) => format!("HTTP {}", response.status()),
        };
        return Err(unavailable(&spec.endpoint, detail));
    }
    serde_json::from_slice::<Opened>(text.as_bytes())
        .map_err(|e| unavailable(&spec.endpoint, format!("unexpected session answer: {e}")))
}

impl ServerFrames {
    /// Opens a session and resolves once its first frame is on the canvas.
    pub async fn start(
        spec: SessionSpec,
        canvas: &HtmlCanvasElement,
        emitter: Emitter,
        live: Live,
        started_at: f64,
        signal: Option<&web_sys::AbortSignal>,
    ) -> Result<ServerFrames, LoadError> {
        let frame_canvas = FrameCanvas::new(canvas).await?;
        let opened = open_session(&spec).await?;
        let input_url = Rc::new(RefCell::new(join(&spec.endpoint, &opened.input)));
        live.borrow_mut().metrics.session_id = Some(opened.id.clone());
        let inner = Rc::new(RefCell::new(Inner {
            events_url: join(&spec.endpoint, &opened.events),
            session_id: opened.id,
            input_url: Rc::clone(&input_url),
            spec: spec.clone(),
            source: None,
            listeners: Vec::new(),
            canvas: frame_canvas,
            emitter,
            live,
            decoding: false,
            pending: None,
            first_frame: None,
            first_error: None,
            started_at,
            attempts: 0,
            outage: false,
            stopped: false,
            stats: Stats {
                drawn_at: VecDeque::new(),
                latencies: VecDeque::new(),
                last_report: js::now_ms(),
            },
            input: None,
            page_hide: None,
        }));
        let first = {
            let inner = Rc::clone(&inner);
            Promise::new(&mut move |resolve, reject| {
                inner.borrow_mut().first_frame = Some((resolve, reject));
            })
        };
        let timeout = {
            let weak = Rc::downgrade(&inner);
            gloo_timers::callback::Timeout::new(FIRST_FRAME_TIMEOUT_MS, move || {
                if let Some(inner) = weak.upgrade() {
                    fail_first(&inner, LoadError::Timeout(FIRST_FRAME_TIMEOUT_MS));
                }
            })
        };
        let aborted = signal.map(|s| {
            let weak = Rc::downgrade(&inner);
            EventListener::new(s, "abort", move |_| {
                if let Some(inner) = weak.upgrade() {
                    fail_first(&inner, LoadError::Aborted);
                }
            })
        });
        connect(&inner);
        let outcome = js::wait(first).await;
        timeout.cancel();
        drop(aborted);
        let frames = ServerFrames { inner };
        match outcome {
            Ok(_) => {
                let forwarder =
                    InputForwarder::attach(canvas, input_url, (spec.width, spec.height));
                // Leaving the page ends the session at once instead of at the server's idle timeout.
                let page_hide = js::window().map(|w| {
                    let f = frames.clone();
                    EventListener::new(&w, "pagehide", move |_| f.stop())
                });
                let mut i = frames.inner.borrow_mut();
                i.input = Some(forwarder);
                i.page_hide = page_hide;
                drop(i);
                Ok(frames)
            }
            Err(e) => {
                let err = frames.inner.borrow_mut().first_error.take();
                frames.stop();
                Err(err.unwrap_or_else(|| LoadError::Internal(js::describe(&e))))
            }
        }
    }

    /// Stops: closes the stream, stops forwarding input, ends the session on the server.
    pub fn stop(&self) {
        let (url, was_stopped) = {
            let mut inner = self.inner.borrow_mut();
            let was = std::mem::replace(&mut inner.stopped, true);
            if let Some(s) = inner.source.take() {
                s.close();
            }
            let mut old = std::mem::take(&mut inner.listeners);
            old.extend(inner.page_hide.take());
            retire(old);
            inner.input = None;
            inner.pending = None;
            (
                format!("{}/v1/sessions/{}", inner.spec.endpoint, inner.session_id),
                was,
            )
        };
        if !was_stopped {
            spawn_local(async move {
                let _ = http::request("DELETE", &url, None).await;
            });
        }
    }
}

/// Drops listeners after the current event handler returns (one of them may be running now).
fn retire(listeners: Vec<EventListener>) {
    if !listeners.is_empty() {
        spawn_local(async move { drop(listeners) });
    }
}

/// Fails the wait for the first frame (if still pending) with `err`.
fn fail_first(inner: &Rc<RefCell<Inner>>, err: LoadError) {
    let pending = {
        let mut i = inner.borrow_mut();
        let pending = i.first_frame.take();
        if pending.is_some() {
            i.first_error = Some(err);
        }
        pending
    };
    if let Some((_, reject)) = pending {
        let _ = reject.call0(&JsValue::NULL);
    }
}

/// Opens the event stream for the current session.
fn connect(inner: &Rc<RefCell<Inner>>) {
    let url = inner.borrow().events_url.clone();
    let source = match EventSource::new(&url) {
        Ok(s) => s,
        Err(e) => {
            fail_first(inner, unavailable(&url, js::describe(&e)));
            return;
        }
    };
    let weak = Rc::downgrade(inner);
    let mut listeners = Vec::new();
    {
        let w = weak.clone();
        listeners.push(EventListener::new(&source, "frame", move |e| {
            let (Some(inner), Some(m)) = (w.upgrade(), e.dyn_ref::<MessageEvent>()) else {
                return;
            };
            if let Some(text) = m.data().as_string() {
                on_frame(&inner, &text, js::now_ms());
            }
        }));
        let w = weak.clone();
        listeners.push(EventListener::new(&source, "open", move |_| {
            if let Some(inner) = w.upgrade() {
                let mut i = inner.borrow_mut();
                i.attempts = 0;
                i.outage = false;
            }
        }));
        let w = weak.clone();
        listeners.push(EventListener::new(&source, "end", move |e| {
            let Some(inner) = w.upgrade() else { return };
            let msg = e
                .dyn_ref::<MessageEvent>()
                .and_then(|m| m.data().as_string())
                .and_then(|t| serde_json::from_slice::<CodeMsg>(t.as_bytes()).ok());
            on_end(&inner, msg);
        }));
        let w = weak.clone();
        listeners.push(EventListener::new(&source, "error", move |e| {
            let Some(inner) = w.upgrade() else { return };
            // A server-sent `event: error` carries data; a connection problem does not.
            let msg = e
                .dyn_ref::<MessageEvent>()
                .and_then(|m| m.data().as_string())
                .and_then(|t| serde_json::from_slice::<CodeMsg>(t.as_bytes()).ok());
            match msg {
                Some(msg) => on_guest_error(&inner, msg),
                None => on_connection_error(&inner),
            }
        }));
    }
    let mut i = inner.borrow_mut();
    if let Some(old) = i.source.replace(source) {
        old.close();
    }
    i.listeners = listeners;
}

fn on_frame(inner: &Rc<RefCell<Inner>>, text: &str, arrived: f64) {
    let msg = match serde_json::from_slice::<FrameMsg>(text.as_bytes()) {
        Ok(m) => m,
        Err(e) => {
            js::console_error(&format!("wasi-gfx-loader: bad frame event: {e}"));
            return;
        }
    };
    let mut i = inner.borrow_mut();
    if i.stopped {
        return;
    }
    if i.decoding {
        if i.pending.replace((msg, arrived)).is_some() {
            i.live.borrow_mut().metrics.dropped_frames += 1;
        }
        return;
    }
    i.decoding = true;
    drop(i);
    spawn_local(decode_and_draw(Rc::downgrade(inner), msg, arrived));
}

async fn decode_and_draw(weak: Weak<RefCell<Inner>>, mut msg: FrameMsg, mut arrived: f64) {
    loop {
        let drawn = decode(&msg).await;
        let Some(inner) = weak.upgrade() else { return };
        match drawn {
            Ok(bitmap) => {
                let stopped = inner.borrow().stopped;
                if !stopped {
                    inner.borrow().canvas.draw(&bitmap);
                    record_frame(&inner, msg.index, arrived);
                }
                bitmap.close();
            }
            Err(e) => js::console_error(&format!("wasi-gfx-loader: cannot decode a frame: {e}")),
        }
        let next = {
            let mut i = inner.borrow_mut();
            let next = i.pending.take();
            if next.is_none() {
                i.decoding = false;
            }
            next
        };
        match next {
            Some((m, a)) => {
                msg = m;
                arrived = a;
            }
            None => return,
        }
    }
}

async fn decode(msg: &FrameMsg) -> Result<ImageBitmap, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(msg.data.as_bytes())
        .map_err(|e| format!("frame data is not base64: {e}"))?;
    let array = Uint8Array::from(&bytes[..]);
    let parts = Array::of1(&array);
    let options = BlobPropertyBag::new();
    options.set_type(&msg.mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| js::describe(&e))?;
    let window = js::window().ok_or("no window")?;
    let promise = window
        .create_image_bitmap_with_blob(&blob)
        .map_err(|e| js::describe(&e))?;
    js::wait(promise)
        .await
        .map_err(|e| js::describe(&e))?
        .dyn_into::<ImageBitmap>()
        .map_err(|_| "createImageBitmap did not return an ImageBitmap".to_owned())
}

/// The value at index `len / 2` of `values` sorted by `f64::total_cmp`: the one with at most
/// `len / 2` values below it and more than `len / 2` at or below it (values equal under
/// `total_cmp` are the same bits). Quadratic over the at most 60 latencies, and no sort code in
/// the wasm.
fn median(values: &VecDeque<f64>) -> Option<f64> {
    let k = values.len() / 2;
    values.iter().copied().find(|x| {
        let below = values.iter().filter(|y| y.total_cmp(x).is_lt()).count();
        let at_or_below = values.iter().filter(|y| y.total_cmp(x).is_le()).count();
        below <= k && k < at_or_below
    })
}

fn record_frame(inner: &Rc<RefCell<Inner>>, _index: u64, arrived: f64) {
    let now = js::now_ms();
    let mut i = inner.borrow_mut();
    let started_at = i.started_at;
    let first = i.first_frame.take();
    let stats = &mut i.stats;
    stats.drawn_at.push_back(now);
    while stats.drawn_at.front().is_some_and(|t| now - t > 1000.0) {
        stats.drawn_at.pop_front();
    }
    stats.latencies.push_back(now - arrived);
    if stats.latencies.len() > 60 {
        stats.latencies.pop_front();
    }
    let fps = stats.drawn_at.len() as f64;
    let latency = median(&stats.latencies);
    let report = now - stats.last_report >= 1000.0;
    if report {
        stats.last_report = now;
    }
    let frames = {
        let mut live = i.live.borrow_mut();
        let m = &mut live.metrics;
        m.frames += 1;
        m.fps = fps;
        m.frame_latency_ms = latency;
        if m.time_to_first_frame_ms.is_none() {
            m.time_to_first_frame_ms = Some(now - started_at);
        }
        m.frames
    };
    let emitter = i.emitter.clone();
    drop(i);
    if let Some((resolve, _)) = first {
        emitter.emit(LoaderEvent::FirstFrame {
            ms: now - started_at,
        });
        let _ = resolve.call0(&JsValue::NULL);
    }
    if report {
        emitter.emit(LoaderEvent::FrameStats {
            fps,
            frame_latency_ms: latency.unwrap_or(0.0),
            frames,
        });
    }
}

/// The guest failed on the server: its session is over. Say so on the canvas and in the handle.
fn on_guest_error(inner: &Rc<RefCell<Inner>>, msg: CodeMsg) {
    let (emitter, canvas) = {
        let mut i = inner.borrow_mut();
        if let Some(s) = i.source.take() {
            s.close();
        }
        retire(std::mem::take(&mut i.listeners));
        i.live.borrow_mut().reason = msg.code.clone();
        (i.emitter.clone(), i.canvas.clone())
    };
    canvas.show_error(&msg.code, &msg.message);
    emitter.emit(LoaderEvent::Error {
        code: msg.code.clone(),
        message: msg.message.clone(),
    });
    fail_first(
        inner,
        LoadError::FallbackUnavailable(format!(
            "the component failed on the render server: {}: {}",
            msg.code, msg.message
        )),
    );
}

/// The session ended on the server (the component returned, or the session was ended).
fn on_end(inner: &Rc<RefCell<Inner>>, msg: Option<CodeMsg>) {
    let code = msg
        .map(|m| m.code)
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "ended".into());
    let emitter = {
        let mut i = inner.borrow_mut();
        if let Some(s) = i.source.take() {
            s.close();
        }
        retire(std::mem::take(&mut i.listeners));
        i.live.borrow_mut().stopped = true;
        i.emitter.clone()
    };
    emitter.emit(LoaderEvent::Stopped {
        reason: code.clone(),
    });
    fail_first(
        inner,
        LoadError::FallbackUnavailable(format!(
            "the session ended before its first frame ({code})"
        )),
    );
}

/// The stream dropped. While the browser retries by itself (`CONNECTING`) say so once; when it
/// has given up (`CLOSED`), reconnect ourselves.
fn on_connection_error(inner: &Rc<RefCell<Inner>>) {
    let (state, first_pending) = {
        let i = inner.borrow();
        if i.stopped {
            return;
        }
        (
            i.source
                .as_ref()
                .map(|s| s.ready_state())
                .unwrap_or(EventSource::CLOSED),
            i.first_frame.is_some(),
        )
    };
    if first_pending && state == EventSource::CLOSED {
        let url = inner.borrow().events_url.clone();
        fail_first(
            inner,
            unavailable(&url, "the event stream could not be opened"),
        );
        return;
    }
    if state == EventSource::CLOSED {
        schedule_reconnect(inner);
    } else {
        let (emitter, attempt) = {
            let mut i = inner.borrow_mut();
            if i.outage {
                return;
            }
            i.outage = true;
            i.attempts += 1;
            i.live.borrow_mut().metrics.reconnects += 1;
            (i.emitter.clone(), i.attempts)
        };
        emitter.emit(LoaderEvent::Reconnect {
            attempt,
            new_session: false,
        });
    }
}

fn schedule_reconnect(inner: &Rc<RefCell<Inner>>) {
    let (delay, weak) = {
        let mut i = inner.borrow_mut();
        if let Some(s) = i.source.take() {
            s.close();
        }
        retire(std::mem::take(&mut i.listeners));
        i.attempts += 1;
        let shift = i.attempts.min(5);
        ((250u32 << shift).min(MAX_BACKOFF_MS), Rc::downgrade(inner))
    };
    spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(delay).await;
        let Some(inner) = weak.upgrade() else { return };
        if inner.borrow().stopped {
            return;
        }
        reconnect(&inner).await;
    });
}

/// Reopens the stream of the same session if the server still has it, or opens a new one.
async fn reconnect(inner: &Rc<RefCell<Inner>>) {
    let (spec, id, attempt, emitter) = {
        let i = inner.borrow();
        (
            i.spec.clone(),
            i.session_id.clone(),
            i.attempts,
            i.emitter.clone(),
        )
    };
    let status = http::request("GET", &format!("{}/v1/sessions/{id}", spec.endpoint), None)
        .await
        .map(|r| r.status());
    let new_session = match status {
        Ok(200) => false,
        Ok(404) => true,
        // The server is not answering (yet): try again later.
        _ => {
            schedule_reconnect(inner);
            return;
        }
    };
    if new_session {
        match open_session(&spec).await {
            Ok(opened) => {
                let mut i = inner.borrow_mut();
                if i.stopped {
                    return;
                }
                i.session_id = opened.id.clone();
                i.events_url = join(&spec.endpoint, &opened.events);
                *i.input_url.borrow_mut() = join(&spec.endpoint, &opened.input);
                i.live.borrow_mut().metrics.session_id = Some(opened.id);
            }
            Err(e) => {
                js::console_error(&format!("wasi-gfx-loader: reconnecting: {e}"));
                schedule_reconnect(inner);
                return;
            }
        }
    }
    if inner.borrow().stopped {
        return;
    }
    inner.borrow().live.borrow_mut().metrics.reconnects += 1;
    emitter.emit(LoaderEvent::Reconnect {
        attempt,
        new_session,
    });
    connect(inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_of_the_sorted_values() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pool = [
            0.0,
            -0.0,
            1.5,
            -3.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            16.7,
            1e-300,
        ];
        for len in 0..=61 {
            for _ in 0..20 {
                let values: VecDeque<f64> = (0..len)
                    .map(|_| match next() % 3 {
                        0 => pool[(next() % pool.len() as u64) as usize],
                        _ => (next() % 1000) as f64 / 8.0,
                    })
                    .collect();
                let mut sorted: Vec<f64> = values.iter().copied().collect();
                sorted.sort_by(f64::total_cmp);
                let want = sorted.get(len / 2).map(|v| v.to_bits());
                assert_eq!(median(&values).map(f64::to_bits), want, "{values:?}");
            }
        }
    }

    #[test]
    fn the_session_request_is_the_json_it_always_was() {
        let spec = SessionSpec {
            endpoint: "https://frames.example".into(),
            digest: "sha256:ab\"c\\d\u{1}é".into(),
            width: 640,
            height: 480,
            format: "webp",
        };
        let before = serde_json::json!({
            "digest": spec.digest,
            "width": spec.width,
            "height": spec.height,
            "format": spec.format,
        })
        .to_string();
        assert_eq!(session_request(&spec), before);
    }
}
