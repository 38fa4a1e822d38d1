//! The headless canvas: what a browser canvas is to a guest, without a window.
//!
//! It owns the size the guest sees, the `wasi-gfx:surface` surfaces the guest created (so events
//! can be delivered to their streams) and the sink that presented frames go to. The render thread
//! and the host implementation share it through an `Arc`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use raw_window_handle::{
    DisplayHandle, HandleError, HasDisplayHandle, HasWindowHandle, WindowHandle,
};
use surface_wasmtime::{
    GfxWindow, KeyEvent, MainThreadSpawner, PointerEvent, ResizeEvent, Surface, SurfaceDesc,
};
use tokio::sync::mpsc::UnboundedSender;

use super::RunEvent;
use super::frame::Frame;

/// The kinds of pointer event a surface streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointerKind {
    /// `on-pointer-down`.
    Down,
    /// `on-pointer-up`.
    Up,
    /// `on-pointer-move`.
    Move,
}

/// The kinds of key event a surface streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `on-key-down`.
    Down,
    /// `on-key-up`.
    Up,
}

/// Shared state of one guest's canvas.
pub struct Canvas {
    size: Mutex<(u32, u32)>,
    surfaces: Mutex<Vec<Surface>>,
    events: UnboundedSender<RunEvent>,
    presents: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave the data half-written (each critical
    // section is a single assignment or push), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Canvas {
    /// A canvas of the given size whose presented frames go to `frames`.
    pub fn new(width: u32, height: u32, events: UnboundedSender<RunEvent>) -> Arc<Self> {
        Arc::new(Canvas {
            size: Mutex::new((width, height)),
            surfaces: Mutex::new(Vec::new()),
            events,
            presents: AtomicU64::new(0),
        })
    }

    /// Current size, (width, height).
    pub fn size(&self) -> (u32, u32) {
        *lock(&self.size)
    }

    /// How many frames the guest has presented so far.
    pub fn presents(&self) -> u64 {
        self.presents.load(Ordering::Acquire)
    }

    /// Called by the host on `present`.
    pub(crate) fn present(&self, frame: Frame) {
        self.presents.fetch_add(1, Ordering::AcqRel);
        // The receiver is gone only when the run is being torn down.
        let _ = self.events.send(RunEvent::Frame(frame));
    }

    fn surfaces(&self) -> Vec<Surface> {
        lock(&self.surfaces)
            .iter()
            .map(Surface::arc_clone)
            .collect()
    }

    /// Sends one frame event to every surface.
    pub fn tick(&self) {
        for s in self.surfaces() {
            s.animation_frame();
        }
    }

    /// Delivers a pointer event (canvas pixels, origin top left).
    pub fn pointer(&self, kind: PointerKind, x: f64, y: f64) {
        let event = PointerEvent { x, y };
        for s in self.surfaces() {
            match kind {
                PointerKind::Down => s.pointer_down(event),
                PointerKind::Up => s.pointer_up(event),
                PointerKind::Move => s.pointer_move(event),
            }
        }
    }

    /// Delivers a key event.
    pub fn key(&self, kind: KeyKind, event: KeyEvent) {
        for s in self.surfaces() {
            match kind {
                KeyKind::Down => s.key_down(event.clone()),
                KeyKind::Up => s.key_up(event.clone()),
            }
        }
    }

    /// Resizes the canvas and tells every surface.
    pub fn resize(&self, width: u32, height: u32) {
        *lock(&self.size) = (width, height);
        for s in self.surfaces() {
            s.canvas_resize(ResizeEvent { width, height });
        }
    }
}

/// The window behind a headless surface: a size and nothing else (no native handles).
struct HeadlessWindow(Arc<Canvas>);

impl HasDisplayHandle for HeadlessWindow {
    fn display_handle(&self) -> Result<DisplayHandle<'_>, HandleError> {
        Err(HandleError::NotSupported)
    }
}

impl HasWindowHandle for HeadlessWindow {
    fn window_handle(&self) -> Result<WindowHandle<'_>, HandleError> {
        Err(HandleError::NotSupported)
    }
}

impl GfxWindow for HeadlessWindow {
    fn height(&self) -> u32 {
        self.0.size().1
    }
    fn width(&self) -> u32 {
        self.0.size().0
    }
    fn request_set_size(&self, width: Option<u32>, height: Option<u32>) {
        // The page decides the canvas size (and the policy bounds it); a guest cannot resize it.
        tracing::debug!(?width, ?height, "guest asked to resize the canvas; ignored");
    }
}

/// Creates surfaces on the headless canvas ("main thread" work runs in place: there is no window
/// system to serialise on).
#[derive(Clone)]
pub struct HeadlessSpawner(pub(crate) Arc<Canvas>);

impl MainThreadSpawner for HeadlessSpawner {
    fn spawn<F, T>(&self, f: F) -> impl Future<Output = T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        std::future::ready(f())
    }

    fn create_surface(
        &self,
        _desc: SurfaceDesc,
    ) -> std::pin::Pin<Box<dyn Future<Output = Surface> + Send>> {
        let surface = Surface::new(Box::new(HeadlessWindow(Arc::clone(&self.0))));
        lock(&self.0.surfaces).push(surface.arc_clone());
        Box::pin(std::future::ready(surface))
    }
}
