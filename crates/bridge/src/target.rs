//! Where a surface draws, and where its events come from.
//!
//! - [`Target::Element`]: a canvas element of the page (the bridge runs on the page's main
//!   thread). Events are the canvas's DOM events, frames come from the window's
//!   `requestAnimationFrame`, and the browser shows what the guest drew.
//! - [`Target::Offscreen`]: an `OffscreenCanvas` in a dedicated worker (the client sandbox).
//!   The worker has no DOM, so its embedder feeds a [`Port`]: [`Port::deliver`] hands in the
//!   page's pointer, key and resize events, and every present leaves as an `ImageBitmap` through
//!   [`Port::on_bitmap`] for the page to show. Frames come from the worker's own
//!   `requestAnimationFrame`; in a browser whose workers lack it, from the page's frame events
//!   (also through the port), each delivered only after the guest has read the previous one
//!   ([`Port::on_frame_read`] tells the embedder when).

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};

use wasm_bindgen::JsValue;
use web_sys::{HtmlCanvasElement, OffscreenCanvas};

use crate::bindings::surface::{KeyEvent, PointerEvent};

/// The canvas a bridge draws on.
#[derive(Clone)]
pub enum Target {
    /// A canvas element on the page's main thread.
    Element(HtmlCanvasElement),
    /// An `OffscreenCanvas` in a worker, with the port its embedder feeds.
    Offscreen(OffscreenCanvas, Rc<Port>),
}

impl Target {
    /// Drawing-buffer width.
    pub fn width(&self) -> u32 {
        match self {
            Target::Element(c) => c.width(),
            Target::Offscreen(c, _) => c.width(),
        }
    }

    /// Drawing-buffer height.
    pub fn height(&self) -> u32 {
        match self {
            Target::Element(c) => c.height(),
            Target::Offscreen(c, _) => c.height(),
        }
    }

    /// Sets the drawing-buffer size (either part may stay). On an offscreen canvas, the page
    /// learns the new size from the next bitmap.
    pub fn set_size(&self, width: Option<u32>, height: Option<u32>) {
        match self {
            Target::Element(c) => {
                if let Some(w) = width {
                    c.set_width(w);
                }
                if let Some(h) = height {
                    c.set_height(h);
                }
            }
            Target::Offscreen(c, _) => {
                if let Some(w) = width {
                    c.set_width(w);
                }
                if let Some(h) = height {
                    c.set_height(h);
                }
            }
        }
    }

    /// The canvas as a JavaScript object (for `getContext`).
    pub fn js(&self) -> JsValue {
        match self {
            Target::Element(c) => c.clone().into(),
            Target::Offscreen(c, _) => c.clone().into(),
        }
    }

    /// The canvas element, on the main thread.
    pub fn element(&self) -> Option<&HtmlCanvasElement> {
        match self {
            Target::Element(c) => Some(c),
            Target::Offscreen(..) => None,
        }
    }

    /// The port, in a worker.
    pub fn port(&self) -> Option<&Rc<Port>> {
        match self {
            Target::Element(_) => None,
            Target::Offscreen(_, p) => Some(p),
        }
    }

    /// After a present: an offscreen canvas hands its frame to the page — once the GPU has
    /// done the work submitted so far, so that the page, showing it, never waits for the
    /// guest's GPU work (a guest flooding the GPU would otherwise stall the page's thread).
    pub(crate) fn presented(&self) {
        let Target::Offscreen(canvas, port) = self else {
            return;
        };
        let Ok(bitmap) = canvas.transfer_to_image_bitmap() else {
            return;
        };
        let done = port
            .queue
            .borrow()
            .as_ref()
            .and_then(|q| crate::call::method(q, "onSubmittedWorkDone", &[]).ok());
        let to_page = Rc::clone(port);
        let hand_over = move || {
            if let Some(f) = &*to_page.on_bitmap.borrow() {
                f(bitmap);
            }
        };
        match done {
            Some(promise) => {
                *port.last_frame.borrow_mut() = Some(promise.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = crate::call::settle(promise).await;
                    hand_over();
                })
            }
            None => hand_over(),
        }
    }
}

/// An event the page forwards to a worker's surface.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// `pointerdown`, in drawing-buffer pixels.
    PointerDown(PointerEvent),
    /// `pointerup`.
    PointerUp(PointerEvent),
    /// `pointermove`.
    PointerMove(PointerEvent),
    /// `keydown`.
    KeyDown(KeyEvent),
    /// `keyup`.
    KeyUp(KeyEvent),
    /// The page's canvas has a new drawing-buffer size (width, height).
    Resize(u32, u32),
    /// The page's `requestAnimationFrame` fired.
    Frame,
}

/// A listener of a port (kept alive by its subscription).
type Listener = dyn Fn(&Input);
/// The embedder's callback for presented frames.
type BitmapCallback = RefCell<Option<Box<dyn Fn(web_sys::ImageBitmap)>>>;

/// The worker's side of a surface: input from the page, frames to it.
#[derive(Default)]
pub struct Port {
    listeners: RefCell<Vec<Weak<Listener>>>,
    /// A frame event that arrived before the guest asked for one.
    frame_pending: RefCell<bool>,
    frame_waker: RefCell<Option<Waker>>,
    on_bitmap: BitmapCallback,
    on_frame_read: RefCell<Option<Box<dyn Fn()>>>,
    /// The queue of the device the guest configured the canvas with.
    queue: RefCell<Option<JsValue>>,
    /// What the last presented frame waits for before it is handed over.
    last_frame: RefCell<Option<JsValue>>,
}

impl Port {
    /// A port with nothing attached.
    pub fn new() -> Rc<Self> {
        Rc::new(Port::default())
    }

    /// Hands an event from the page to the surface's streams.
    pub fn deliver(&self, input: Input) {
        if input == Input::Frame {
            *self.frame_pending.borrow_mut() = true;
            if let Some(w) = self.frame_waker.borrow_mut().take() {
                w.wake();
            }
            return;
        }
        let live: Vec<Rc<Listener>> = {
            let mut ls = self.listeners.borrow_mut();
            ls.retain(|l| l.strong_count() > 0);
            ls.iter().filter_map(Weak::upgrade).collect()
        };
        for l in live {
            l(&input);
        }
    }

    /// Calls `f` with every presented frame.
    pub fn on_bitmap(&self, f: impl Fn(web_sys::ImageBitmap) + 'static) {
        *self.on_bitmap.borrow_mut() = Some(Box::new(f));
    }

    /// Calls `f` whenever the guest has read a frame event (the page may send the next).
    pub fn on_frame_read(&self, f: impl Fn() + 'static) {
        *self.on_frame_read.borrow_mut() = Some(Box::new(f));
    }

    /// Resolves once every frame presented so far has been handed over (a failure reported
    /// after it reaches the page after those frames).
    pub async fn frames_handed_over(&self) {
        let last = self.last_frame.borrow().clone();
        if let Some(promise) = last {
            let _ = crate::call::settle(promise).await;
            // The hand-over itself runs in a task woken by the same promise, queued before us.
            let _ = crate::call::settle(JsValue::UNDEFINED).await;
        }
    }

    /// The queue whose work a frame waits for before it is handed over.
    pub(crate) fn set_queue(&self, queue: JsValue) {
        *self.queue.borrow_mut() = (!queue.is_undefined()).then_some(queue);
    }

    /// Subscribes `f` to the port's input while the returned value lives.
    pub(crate) fn listen(&self, f: impl Fn(&Input) + 'static) -> Rc<Listener> {
        let f: Rc<Listener> = Rc::new(f);
        self.listeners.borrow_mut().push(Rc::downgrade(&f));
        f
    }

    /// Resolves at the next frame event from the page.
    pub(crate) async fn next_frame(&self) {
        std::future::poll_fn(|cx| {
            let mut pending = self.frame_pending.borrow_mut();
            if *pending {
                *pending = false;
                return Poll::Ready(());
            }
            *self.frame_waker.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// The guest read a frame event.
    pub(crate) fn frame_read(&self) {
        if let Some(f) = &*self.on_frame_read.borrow() {
            f();
        }
    }
}
