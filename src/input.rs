//! Input forwarding in server-frame mode: pointer and key events on the canvas, and changes of the
//! canvas size, become `POST /v1/sessions/{id}/input` batches.
//!
//! Pointer positions are converted from CSS pixels to the session's frame pixels. Consecutive
//! pointer moves are coalesced; one request is in flight at a time and the next carries everything
//! queued meanwhile (at most [`MAX_BATCH`] events). Keys are sent as `KeyboardEvent.code`
//! (`KeyA`, `ArrowLeft`), which the server maps onto the WIT `key` enum. The canvas is made
//! focusable (`tabindex=0`) so it can receive keys; Tab is never captured.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlCanvasElement, KeyboardEvent, MouseEvent};

use crate::{http, js};

/// Most events per request (the server's limit).
pub const MAX_BATCH: usize = 256;

/// A pointer position in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// From the left.
    pub x: f64,
    /// From the top.
    pub y: f64,
}

/// A key event's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Key {
    /// `KeyboardEvent.code`.
    pub key: String,
    /// The character, for printable keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Modifier.
    pub alt_key: bool,
    /// Modifier.
    pub ctrl_key: bool,
    /// Modifier.
    pub meta_key: bool,
    /// Modifier.
    pub shift_key: bool,
}

/// One input event, as the render server takes it (`{"type": "pointer-down", "x": …, "y": …}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum InputEvent {
    /// Pointer pressed.
    PointerDown(Point),
    /// Pointer released.
    PointerUp(Point),
    /// Pointer moved.
    PointerMove(Point),
    /// Key pressed.
    KeyDown(Key),
    /// Key released.
    KeyUp(Key),
    /// The canvas's drawing buffer changed size.
    Resize {
        /// New width.
        width: u32,
        /// New height.
        height: u32,
    },
}

/// Adds `event` to `queue`, replacing a trailing pointer move by a newer one.
pub fn enqueue(queue: &mut Vec<InputEvent>, event: InputEvent) {
    if matches!(event, InputEvent::PointerMove(_))
        && matches!(queue.last(), Some(InputEvent::PointerMove(_)))
    {
        queue.pop();
    }
    queue.push(event);
}

struct Queue {
    url: Rc<RefCell<String>>,
    events: Vec<InputEvent>,
    in_flight: bool,
    size: (u32, u32),
    stopped: bool,
}

/// Forwards the canvas's input while alive; dropping it stops forwarding.
pub struct InputForwarder {
    _listeners: Vec<EventListener>,
    observer: Option<(web_sys::MutationObserver, Closure<dyn FnMut()>)>,
    queue: Rc<RefCell<Queue>>,
}

impl Drop for InputForwarder {
    fn drop(&mut self) {
        self.queue.borrow_mut().stopped = true;
        if let Some((o, _)) = &self.observer {
            o.disconnect();
        }
    }
}

fn push(queue: &Rc<RefCell<Queue>>, event: InputEvent) {
    {
        let mut q = queue.borrow_mut();
        if q.stopped {
            return;
        }
        enqueue(&mut q.events, event);
    }
    flush(queue);
}

fn flush(queue: &Rc<RefCell<Queue>>) {
    let (url, body) = {
        let mut q = queue.borrow_mut();
        if q.in_flight || q.events.is_empty() || q.stopped {
            return;
        }
        let n = q.events.len().min(MAX_BATCH);
        let batch: Vec<InputEvent> = q.events.drain(..n).collect();
        q.in_flight = true;
        let body = serde_json::to_string(&batch).unwrap_or_else(|_| "[]".into());
        let url = q.url.borrow().clone();
        (url, body)
    };
    let queue = Rc::clone(queue);
    spawn_local(async move {
        if let Err(e) = post(&url, &body).await {
            js::console_error(&format!("wasi-gfx-loader: input not delivered: {e}"));
        }
        queue.borrow_mut().in_flight = false;
        flush(&queue);
    });
}

async fn post(url: &str, body: &str) -> Result<(), String> {
    let res = http::request("POST", url, Some(body)).await?;
    if res.ok() {
        Ok(())
    } else {
        Err(format!("HTTP {}", res.status()))
    }
}

fn position(canvas: &HtmlCanvasElement, size: (u32, u32), e: &MouseEvent) -> (f64, f64) {
    let (cw, ch) = (
        canvas.client_width().max(1) as f64,
        canvas.client_height().max(1) as f64,
    );
    // `offsetX` is an `i32` in web-sys's stable API and an `f64` under `web_sys_unstable_apis`
    // (which .cargo/config.toml sets for wasm32, for the bridge's WebGPU): convert either way.
    #[allow(clippy::useless_conversion)]
    let (ox, oy) = (f64::from(e.offset_x()), f64::from(e.offset_y()));
    let x = within(ox * size.0 as f64 / cw, size.0 as f64);
    let y = within(oy * size.1 as f64 / ch, size.1 as f64);
    (x, y)
}

/// `v.clamp(0.0, max)` for a `max` that is never below 0 or NaN (a frame size), without
/// `f64::clamp`'s panic path: its message formats both bounds with `f64`'s `Debug`, which is all
/// that linked that formatter into the wasm.
fn within(v: f64, max: f64) -> f64 {
    if v < 0.0 {
        0.0
    } else if v > max {
        max
    } else {
        v
    }
}

fn key_event(e: &KeyboardEvent, down: bool) -> InputEvent {
    let k = e.key();
    let key = Key {
        key: e.code(),
        text: (k.chars().count() == 1).then_some(k),
        alt_key: e.alt_key(),
        ctrl_key: e.ctrl_key(),
        meta_key: e.meta_key(),
        shift_key: e.shift_key(),
    };
    if down {
        InputEvent::KeyDown(key)
    } else {
        InputEvent::KeyUp(key)
    }
}

impl InputForwarder {
    /// Starts forwarding the canvas's input to `url` (which reconnection may change).
    pub fn attach(canvas: &HtmlCanvasElement, url: Rc<RefCell<String>>, size: (u32, u32)) -> Self {
        if !canvas.has_attribute("tabindex") {
            let _ = canvas.set_attribute("tabindex", "0");
        }
        let queue = Rc::new(RefCell::new(Queue {
            url,
            events: Vec::new(),
            in_flight: false,
            size,
            stopped: false,
        }));
        let mut listeners = Vec::new();
        for (name, kind) in [("pointerdown", 0u8), ("pointerup", 1), ("pointermove", 2)] {
            let q = Rc::clone(&queue);
            let c = canvas.clone();
            listeners.push(EventListener::new(canvas, name, move |e| {
                let Some(m) = e.dyn_ref::<MouseEvent>() else {
                    return;
                };
                let size = q.borrow().size;
                let (x, y) = position(&c, size, m);
                let ev = match kind {
                    0 => {
                        let _ = c.focus();
                        InputEvent::PointerDown(Point { x, y })
                    }
                    1 => InputEvent::PointerUp(Point { x, y }),
                    _ => InputEvent::PointerMove(Point { x, y }),
                };
                push(&q, ev);
            }));
        }
        for (name, down) in [("keydown", true), ("keyup", false)] {
            let q = Rc::clone(&queue);
            listeners.push(EventListener::new_with_options(
                canvas,
                name,
                EventListenerOptions::enable_prevent_default(),
                move |e| {
                    let Some(k) = e.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if k.key() == "Tab" {
                        return; // keyboard navigation stays the page's
                    }
                    e.prevent_default();
                    push(&q, key_event(k, down));
                },
            ));
        }
        // The drawing buffer's size is the canvas's `width` / `height` attributes.
        let observer = {
            let q = Rc::clone(&queue);
            let c = canvas.clone();
            let callback = Closure::<dyn FnMut()>::new(move || {
                let (w, h) = (c.width(), c.height());
                let changed = {
                    let mut qq = q.borrow_mut();
                    let changed = qq.size != (w, h) && w > 0 && h > 0;
                    if changed {
                        qq.size = (w, h);
                    }
                    changed
                };
                if changed {
                    push(
                        &q,
                        InputEvent::Resize {
                            width: w,
                            height: h,
                        },
                    );
                }
            });
            web_sys::MutationObserver::new(callback.as_ref().unchecked_ref())
                .ok()
                .and_then(|o| {
                    let init = web_sys::MutationObserverInit::new();
                    init.set_attributes(true);
                    init.set_attribute_filter(&js_sys::Array::of2(
                        &JsValue::from_str("width"),
                        &JsValue::from_str("height"),
                    ));
                    o.observe_with_options(canvas, &init)
                        .ok()
                        .map(|_| (o, callback))
                })
        };
        InputForwarder {
            _listeners: listeners,
            observer,
            queue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_is_clamp_to_the_frame() {
        let values = [
            -1e300,
            -5.5,
            -1.0,
            -0.0,
            0.0,
            1e-310,
            0.5,
            639.999,
            640.0,
            640.5,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for max in [0.0, 1.0, 640.0, 4096.0] {
            for v in values {
                assert_eq!(
                    within(v, max).to_bits(),
                    v.clamp(0.0, max).to_bits(),
                    "{v} {max}"
                );
            }
        }
    }

    #[test]
    fn consecutive_pointer_moves_collapse_to_the_newest() {
        let mut q = Vec::new();
        enqueue(&mut q, InputEvent::PointerDown(Point { x: 1.0, y: 1.0 }));
        enqueue(&mut q, InputEvent::PointerMove(Point { x: 2.0, y: 2.0 }));
        enqueue(&mut q, InputEvent::PointerMove(Point { x: 3.0, y: 3.0 }));
        enqueue(&mut q, InputEvent::PointerUp(Point { x: 3.0, y: 3.0 }));
        enqueue(&mut q, InputEvent::PointerMove(Point { x: 4.0, y: 4.0 }));
        assert_eq!(
            q,
            vec![
                InputEvent::PointerDown(Point { x: 1.0, y: 1.0 }),
                InputEvent::PointerMove(Point { x: 3.0, y: 3.0 }),
                InputEvent::PointerUp(Point { x: 3.0, y: 3.0 }),
                InputEvent::PointerMove(Point { x: 4.0, y: 4.0 }),
            ]
        );
    }

    #[test]
    fn events_serialise_as_the_server_reads_them() {
        let e = InputEvent::KeyDown(Key {
            key: "KeyA".into(),
            text: Some("a".into()),
            alt_key: false,
            ctrl_key: false,
            meta_key: false,
            shift_key: true,
        });
        assert_eq!(
            serde_json::to_value(&e).expect("json"),
            serde_json::json!({"type": "key-down", "key": "KeyA", "text": "a", "altKey": false,
                "ctrlKey": false, "metaKey": false, "shiftKey": true})
        );
        assert_eq!(
            serde_json::to_value(InputEvent::Resize {
                width: 4,
                height: 3
            })
            .expect("json"),
            serde_json::json!({"type": "resize", "width": 4, "height": 3})
        );
        assert_eq!(
            serde_json::to_value(InputEvent::PointerMove(Point { x: 1.5, y: 2.0 })).expect("json"),
            serde_json::json!({"type": "pointer-move", "x": 1.5, "y": 2.0})
        );
    }
}
