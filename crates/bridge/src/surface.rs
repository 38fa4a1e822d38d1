//! `wasi-gfx:surface/surface` on the page's canvas (or a worker's offscreen one), and `surface-webgpu` (its `webgpu` context).
//!
//! - Size: the canvas's drawing buffer (`width` / `height` attributes); `request-set-size` and a
//!   size in `create-desc` set them.
//! - `on-frame`: one event per `requestAnimationFrame` (the window's, or the worker's) — the
//!   next frame is requested only when the guest has read the previous event, so a slow guest is
//!   never queued frames.
//! - `on-pointer-*`: canvas `pointerdown` / `pointerup` / `pointermove`, in drawing-buffer
//!   pixels; `on-key-*`: canvas `keydown` / `keyup` (`KeyboardEvent.code` → `key`; the canvas
//!   gets `tabindex=0` to be focusable, a pointer-down focuses it, Tab stays the page's);
//!   `on-resize`: a `ResizeObserver` on the canvas. Events the guest has not read yet queue (at
//!   most [`MAX_QUEUED`] per stream; older ones are dropped).
//!
//! In a worker ([`Target::Offscreen`]) the same streams are fed by the page's forwarded events
//! (see [`crate::target`]): frames, pointer and key events and resizes of the page's canvas.
//!
//! Every stream ends when the embedder calls [`Shared::stop`](crate::Shared::stop).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Poll, Waker};

use gfx_component::abi::{self, Borrow, Resource, StreamReader, Trap};
use gfx_component::web::js::FromJs;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlCanvasElement;

use crate::bindings::surface::*;
use crate::bindings::surface_webgpu::{self, ContextConfiguration, GpuTexture};
use crate::target::{Input, Target};
use crate::{call, Bridge, Shared};

/// Most unread events a stream keeps.
pub const MAX_QUEUED: usize = 256;

/// Events waiting for the guest, and the task that writes them.
struct Queue<T> {
    items: VecDeque<T>,
    waker: Option<Waker>,
}

/// A stream fed by `subscribe`, which gets a `push` function and returns what keeps the
/// subscription alive (listeners); it is dropped when the stream ends.
fn event_stream<T: 'static, K: 'static>(
    shared: &Rc<Shared>,
    subscribe: impl FnOnce(Rc<dyn Fn(T)>) -> K,
) -> StreamReader<T> {
    let (mut writer, reader) = abi::stream::<T>();
    let queue = Rc::new(RefCell::new(Queue {
        items: VecDeque::new(),
        waker: None,
    }));
    let q = Rc::clone(&queue);
    let push: Rc<dyn Fn(T)> = Rc::new(move |item| {
        let mut q = q.borrow_mut();
        if q.items.len() == MAX_QUEUED {
            q.items.pop_front();
        }
        q.items.push_back(item);
        if let Some(w) = q.waker.take() {
            w.wake();
        }
    });
    let keep = subscribe(push);
    let shared = Rc::clone(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let _keep = keep;
        loop {
            let items = std::future::poll_fn(|cx| {
                let mut q = queue.borrow_mut();
                if shared.stopped() {
                    return Poll::Ready(None);
                }
                if q.items.is_empty() {
                    q.waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Poll::Ready(Some(q.items.drain(..).collect::<Vec<T>>()))
            })
            .await;
            let Some(items) = items else { break };
            if writer.write(items).await.is_err() {
                break; // the guest dropped its end
            }
        }
    });
    reader
}

/// Whether this thread (a window, or a worker) has `requestAnimationFrame`.
pub fn has_animation_frames() -> bool {
    call::get(&js_sys::global(), "requestAnimationFrame").is_function()
}

/// This thread's `requestAnimationFrame` (a window's or a worker's), with one callback made
/// once: a frame costs one call into the browser, no promise or closure of its own.
struct AnimationFrames {
    global: JsValue,
    raf: js_sys::Function,
    callback: Closure<dyn FnMut()>,
    /// Whether the frame asked for came, and the task waiting for it.
    state: Rc<RefCell<(bool, Option<Waker>)>>,
}

impl AnimationFrames {
    /// `None` where this thread has no `requestAnimationFrame`.
    fn new() -> Option<AnimationFrames> {
        let global = js_sys::global();
        let raf = call::get(&global, "requestAnimationFrame")
            .dyn_into()
            .ok()?;
        let state = Rc::new(RefCell::new((false, None::<Waker>)));
        let fired = Rc::clone(&state);
        let callback = Closure::<dyn FnMut()>::new(move || {
            let mut s = fired.borrow_mut();
            s.0 = true;
            if let Some(w) = s.1.take() {
                w.wake();
            }
        });
        Some(AnimationFrames {
            global: global.into(),
            raf,
            callback,
            state,
        })
    }

    /// Resolves at the next animation frame.
    async fn next(&self) {
        self.state.borrow_mut().0 = false;
        let _ = self
            .raf
            .call1(&self.global, self.callback.as_ref().unchecked_ref());
        std::future::poll_fn(|cx| {
            let mut s = self.state.borrow_mut();
            if s.0 {
                return Poll::Ready(());
            }
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}

/// Lets every task already woken run first (this task goes to the back of the queue).
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// Calls `callback` whenever the canvas's `width` or `height` attribute (its drawing-buffer
/// size) changes, until the returned observer is disconnected.
pub fn watch_size_attributes(
    canvas: &HtmlCanvasElement,
    callback: &js_sys::Function,
) -> Option<web_sys::MutationObserver> {
    let observer = web_sys::MutationObserver::new(callback).ok()?;
    let init = web_sys::MutationObserverInit::new();
    init.set_attributes(true);
    let filter: js_sys::Array = ["width", "height"]
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect();
    init.set_attribute_filter(&filter);
    let _ = observer.observe_with_options(canvas, &init);
    Some(observer)
}

/// A pointer event's position in the canvas's drawing-buffer pixels.
pub fn position(canvas: &HtmlCanvasElement, e: &web_sys::MouseEvent) -> PointerEvent {
    let rect = canvas.get_bounding_client_rect();
    let sx = if rect.width() > 0.0 {
        f64::from(canvas.width()) / rect.width()
    } else {
        1.0
    };
    let sy = if rect.height() > 0.0 {
        f64::from(canvas.height()) / rect.height()
    } else {
        1.0
    };
    PointerEvent {
        x: (e.client_x() - rect.left()) * sx,
        y: (e.client_y() - rect.top()) * sy,
    }
}

/// `KeyboardEvent.code` (`KeyA`, `ArrowLeft`, `Numpad0`) → WIT's `key` (`key-a`, `arrow-left`,
/// `numpad0`): kebab case of the same words.
pub fn key_of_code(code: &str) -> Option<Key> {
    let mut kebab = String::with_capacity(code.len() + 4);
    for (i, c) in code.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                kebab.push('-');
            }
            kebab.push(c.to_ascii_lowercase());
        } else {
            kebab.push(c);
        }
    }
    Key::from_js(&JsValue::from_str(&kebab))
}

fn key_event(e: &web_sys::KeyboardEvent) -> KeyEvent {
    key_event_of(
        &e.code(),
        e.key(),
        [e.alt_key(), e.ctrl_key(), e.meta_key(), e.shift_key()],
    )
}

/// WIT's `key-event` from a keyboard event's `code`, `key` and modifiers (alt, ctrl, meta,
/// shift) — also for events a page forwarded to a worker.
pub fn key_event_of(code: &str, key: String, [alt, ctrl, meta, shift]: [bool; 4]) -> KeyEvent {
    KeyEvent {
        key: key_of_code(code),
        // `key` is the text a printable key produces (one character); else a name (`Enter`).
        text: (key.chars().count() == 1).then_some(key),
        alt_key: alt,
        ctrl_key: ctrl,
        meta_key: meta,
        shift_key: shift,
    }
}

/// Listens to `names` on the canvas while the returned listeners live (not passive: a key
/// listener prevents the default action).
fn listen(
    canvas: &HtmlCanvasElement,
    names: &[&'static str],
    f: impl Fn(&web_sys::Event) + 'static,
) -> Vec<gloo_events::EventListener> {
    let f = Rc::new(f);
    names
        .iter()
        .map(|name| {
            let f = Rc::clone(&f);
            gloo_events::EventListener::new_with_options(
                canvas,
                *name,
                gloo_events::EventListenerOptions::enable_prevent_default(),
                move |e| f(e),
            )
        })
        .collect()
}

impl Bridge {
    /// A stream of the pointer events called `name`: the canvas's DOM events on the main
    /// thread, the page's forwarded ones in a worker.
    fn pointer_stream(&self, name: &'static str) -> StreamReader<PointerEvent> {
        match self.shared.canvas.clone() {
            Target::Element(canvas) => event_stream(&self.shared, move |push| {
                let c = canvas.clone();
                Keep::Listeners(listen(&canvas, &[name], move |e| {
                    if let Some(m) = e.dyn_ref::<web_sys::MouseEvent>() {
                        if name == "pointerdown" {
                            let _ = c.focus();
                        }
                        push(position(&c, m));
                    }
                }))
            }),
            Target::Offscreen(_, port) => event_stream(&self.shared, move |push| {
                Keep::Port(port.listen(move |input| match (name, input) {
                    ("pointerdown", Input::PointerDown(p))
                    | ("pointerup", Input::PointerUp(p))
                    | ("pointermove", Input::PointerMove(p)) => push(p.clone()),
                    _ => {}
                }))
            }),
        }
    }

    /// A stream of the key events called `name` (`keydown`, `keyup`).
    fn key_stream(&self, name: &'static str) -> StreamReader<KeyEvent> {
        match self.shared.canvas.clone() {
            Target::Element(canvas) => {
                if !canvas.has_attribute("tabindex") {
                    let _ = canvas.set_attribute("tabindex", "0");
                }
                event_stream(&self.shared, move |push| {
                    Keep::Listeners(listen(&canvas, &[name], move |e| {
                        if let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                            if k.key() == "Tab" {
                                return; // keyboard navigation stays the page's
                            }
                            e.prevent_default();
                            push(key_event(k));
                        }
                    }))
                })
            }
            Target::Offscreen(_, port) => event_stream(&self.shared, move |push| {
                Keep::Port(port.listen(move |input| match (name, input) {
                    ("keydown", Input::KeyDown(k)) | ("keyup", Input::KeyUp(k)) => push(k.clone()),
                    _ => {}
                }))
            }),
        }
    }
}

/// What keeps a stream's subscription alive (dropped when the stream ends).
#[allow(dead_code)] // held for their drop
enum Keep {
    Listeners(Vec<gloo_events::EventListener>),
    Observers(Observers),
    Port(Rc<dyn Fn(&Input)>),
}

impl HostSurface for Bridge {
    fn surface_new(&mut self, desc: CreateDesc) -> Result<Resource<Surface>, Trap> {
        let target = self.shared.canvas.clone();
        target.set_size(desc.width, desc.height);
        Ok(self.keep(target.js()))
    }

    fn surface_height(&mut self, _: Borrow<Surface>) -> Result<u32, Trap> {
        Ok(self.shared.canvas.height())
    }

    fn surface_width(&mut self, _: Borrow<Surface>) -> Result<u32, Trap> {
        Ok(self.shared.canvas.width())
    }

    fn surface_request_set_size(
        &mut self,
        _: Borrow<Surface>,
        height: Option<u32>,
        width: Option<u32>,
    ) -> Result<(), Trap> {
        self.shared.canvas.set_size(width, height);
        Ok(())
    }

    fn surface_on_resize(&mut self, _: Borrow<Surface>) -> Result<StreamReader<ResizeEvent>, Trap> {
        let canvas = match self.shared.canvas.clone() {
            Target::Element(canvas) => canvas,
            Target::Offscreen(offscreen, port) => {
                // The page forwards its canvas's new size; the worker's canvas follows it.
                return Ok(event_stream(&self.shared, move |push| {
                    Keep::Port(port.listen(move |input| {
                        if let Input::Resize(width, height) = *input {
                            if (offscreen.width(), offscreen.height()) != (width, height) {
                                offscreen.set_width(width);
                                offscreen.set_height(height);
                                push(ResizeEvent { width, height });
                            }
                        }
                    }))
                }));
            }
        };
        Ok(event_stream(&self.shared, move |push| {
            let c = canvas.clone();
            let last = RefCell::new((c.width(), c.height()));
            let callback = Closure::<dyn Fn()>::new(move || {
                let size = (c.width(), c.height());
                if *last.borrow() != size {
                    *last.borrow_mut() = size;
                    push(ResizeEvent {
                        width: size.0,
                        height: size.1,
                    });
                }
            });
            // The drawing buffer changes with the `width`/`height` attributes, the layout box
            // with CSS: watch both.
            let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok();
            if let Some(o) = &observer {
                o.observe(&canvas);
            }
            let attrs = watch_size_attributes(&canvas, callback.as_ref().unchecked_ref());
            Keep::Observers(Observers {
                resize: observer,
                attrs,
                _callback: callback,
            })
        }))
    }

    fn surface_on_frame(&mut self, _: Borrow<Surface>) -> Result<StreamReader<FrameEvent>, Trap> {
        let (mut writer, reader) = abi::stream::<FrameEvent>();
        let shared = self.shared();
        // Frames from this thread's `requestAnimationFrame` (a window's, or a worker's where the
        // browser has one); a worker without it waits for the page's frame events instead.
        let port = self
            .shared
            .canvas
            .port()
            .filter(|_| !has_animation_frames())
            .cloned();
        let frames = port.is_none().then(AnimationFrames::new).flatten();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                match (&port, &frames) {
                    (Some(port), _) => port.next_frame().await,
                    (None, Some(frames)) => frames.next().await,
                    (None, None) => {}
                }
                if shared.stopped() {
                    break;
                }
                if writer
                    .write(vec![FrameEvent { nothing: false }])
                    .await
                    .is_err()
                {
                    break;
                }
                // The guest has the event: let it draw the frame before the next one is asked
                // for, so that asking is not between the browser's frame and the guest's work.
                yield_now().await;
                if let Some(port) = &port {
                    port.frame_read();
                }
            }
        });
        Ok(reader)
    }

    fn surface_on_pointer_up(
        &mut self,
        _: Borrow<Surface>,
    ) -> Result<StreamReader<PointerEvent>, Trap> {
        Ok(self.pointer_stream("pointerup"))
    }

    fn surface_on_pointer_down(
        &mut self,
        _: Borrow<Surface>,
    ) -> Result<StreamReader<PointerEvent>, Trap> {
        Ok(self.pointer_stream("pointerdown"))
    }

    fn surface_on_pointer_move(
        &mut self,
        _: Borrow<Surface>,
    ) -> Result<StreamReader<PointerEvent>, Trap> {
        Ok(self.pointer_stream("pointermove"))
    }

    fn surface_on_key_up(&mut self, _: Borrow<Surface>) -> Result<StreamReader<KeyEvent>, Trap> {
        Ok(self.key_stream("keyup"))
    }

    fn surface_on_key_down(&mut self, _: Borrow<Surface>) -> Result<StreamReader<KeyEvent>, Trap> {
        Ok(self.key_stream("keydown"))
    }

    fn surface_drop(&mut self, r: Resource<Surface>) {
        self.forget(r)
    }
}

/// What keeps an `on-resize` stream's observers alive (disconnected when it ends).
struct Observers {
    resize: Option<web_sys::ResizeObserver>,
    attrs: Option<web_sys::MutationObserver>,
    _callback: Closure<dyn Fn()>,
}

impl Drop for Observers {
    fn drop(&mut self) {
        if let Some(o) = &self.resize {
            o.disconnect();
        }
        if let Some(o) = &self.attrs {
            o.disconnect();
        }
    }
}

impl surface_webgpu::HostContext for Bridge {
    fn context_new(
        &mut self,
        _surface: Borrow<Surface>,
    ) -> Result<Resource<surface_webgpu::Context>, Trap> {
        let wit = "wasi-gfx:surface/surface-webgpu#[constructor]context";
        let context = self.call(
            wit,
            &self.shared.canvas.js(),
            "getContext",
            &[&JsValue::from_str("webgpu")],
        )?;
        if context.is_null() {
            let message = format!(
                "{wit}: the canvas gives no webgpu context (it already has another kind: give \
                 loadComponent a fresh canvas)"
            );
            self.shared.fail("canvas-in-use", message.clone());
            return Err(Trap(message));
        }
        Ok(self.keep(context))
    }

    fn context_configure(
        &mut self,
        self_: Borrow<surface_webgpu::Context>,
        configuration: ContextConfiguration,
    ) -> Result<(), Trap> {
        let c = self.js(&configuration);
        if let Some(port) = self.shared.canvas.port() {
            port.set_queue(call::get(&call::get(&c, "device"), "queue"));
        }
        self.call(
            "wasi-gfx:surface/surface-webgpu#[method]context.configure",
            &self.obj(&self_),
            "configure",
            &[&c],
        )
        .map(drop)
    }

    fn context_unconfigure(&mut self, self_: Borrow<surface_webgpu::Context>) -> Result<(), Trap> {
        self.call(
            "wasi-gfx:surface/surface-webgpu#[method]context.unconfigure",
            &self.obj(&self_),
            "unconfigure",
            &[],
        )
        .map(drop)
    }

    fn context_get_current_texture(
        &mut self,
        self_: Borrow<surface_webgpu::Context>,
    ) -> Result<Resource<GpuTexture>, Trap> {
        self.create(
            "wasi-gfx:surface/surface-webgpu#[method]context.get-current-texture",
            &self.obj(&self_),
            "getCurrentTexture",
            &[],
        )
    }

    /// The browser presents a canvas's current texture when the task that drew it ends; this
    /// only counts the frame (for the loader's first-frame and frame statistics).
    fn context_present(&mut self, _: Borrow<surface_webgpu::Context>) -> Result<(), Trap> {
        self.shared.presented_one();
        Ok(())
    }

    fn context_drop(&mut self, r: Resource<surface_webgpu::Context>) {
        self.forget(r)
    }
}
