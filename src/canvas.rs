//! The page's canvas as the server-frame path uses it: a 2D context that draws decoded frames
//! scaled to the canvas, and the visible error state — the loader never leaves a canvas blank
//! without saying why.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap};

use crate::error::LoadError;

/// Background of the error state, `#301010` (tests look for it).
pub const ERROR_BACKGROUND: &str = "#301010";

/// A canvas with its 2D context.
#[derive(Clone)]
pub struct FrameCanvas {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
}

impl FrameCanvas {
    /// Takes the canvas's 2D context.
    pub fn new(canvas: &HtmlCanvasElement) -> Result<Self, LoadError> {
        let ctx = context_2d(canvas).ok_or_else(|| {
            LoadError::Internal(
                "the canvas already has a non-2D context; server frames need a fresh canvas".into(),
            )
        })?;
        Ok(FrameCanvas {
            canvas: canvas.clone(),
            ctx,
        })
    }

    /// The canvas element.
    pub fn element(&self) -> &HtmlCanvasElement {
        &self.canvas
    }

    /// Draws a frame over the whole canvas.
    pub fn draw(&self, frame: &ImageBitmap) {
        let (w, h) = (self.canvas.width() as f64, self.canvas.height() as f64);
        let _ = self
            .ctx
            .draw_image_with_image_bitmap_and_dw_and_dh(frame, 0.0, 0.0, w, h);
        clear_label(&self.canvas);
    }

    /// Shows the error state.
    pub fn show_error(&self, code: &str, message: &str) {
        paint_error(&self.canvas, &self.ctx, code, message);
    }
}

fn context_2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
}

/// Shows the error state on any canvas: painted when a 2D context can be had, and always as the
/// canvas's `data-wasi-gfx-error` attribute and accessible label.
pub fn show_error(canvas: &HtmlCanvasElement, code: &str, message: &str) {
    if let Some(ctx) = context_2d(canvas) {
        paint_error(canvas, &ctx, code, message);
    } else {
        label(canvas, code, message);
    }
}

/// Saved page's own `aria-label` while the error label replaces it.
const SAVED_LABEL: &str = "data-wasi-gfx-saved-label";

fn label(canvas: &HtmlCanvasElement, code: &str, message: &str) {
    if !canvas.has_attribute("data-wasi-gfx-error") {
        if let Some(own) = canvas.get_attribute("aria-label") {
            let _ = canvas.set_attribute(SAVED_LABEL, &own);
        }
    }
    let _ = canvas.set_attribute("data-wasi-gfx-error", code);
    let _ = canvas.set_attribute(
        "aria-label",
        &format!("Component unavailable ({code}): {message}"),
    );
}

/// Frames are showing again: the error label goes, the page's own label (if any) comes back.
fn clear_label(canvas: &HtmlCanvasElement) {
    if !canvas.has_attribute("data-wasi-gfx-error") {
        return;
    }
    let _ = canvas.remove_attribute("data-wasi-gfx-error");
    match canvas.get_attribute(SAVED_LABEL) {
        Some(own) => {
            let _ = canvas.set_attribute("aria-label", &own);
            let _ = canvas.remove_attribute(SAVED_LABEL);
        }
        None => {
            let _ = canvas.remove_attribute("aria-label");
        }
    }
}

fn paint_error(
    canvas: &HtmlCanvasElement,
    ctx: &CanvasRenderingContext2d,
    code: &str,
    message: &str,
) {
    label(canvas, code, message);
    let (w, h) = (canvas.width() as f64, canvas.height() as f64);
    ctx.set_fill_style_str(ERROR_BACKGROUND);
    ctx.fill_rect(0.0, 0.0, w, h);
    let size = (h / 14.0).clamp(10.0, 18.0);
    let margin = size;
    ctx.set_fill_style_str("#f3d0d0");
    ctx.set_font(&format!("600 {size}px system-ui, sans-serif"));
    let _ = ctx.fill_text("Component unavailable", margin, margin * 2.0);
    ctx.set_font(&format!("{}px ui-monospace, monospace", size * 0.9));
    let _ = ctx.fill_text(code, margin, margin * 3.5);
    ctx.set_font(&format!("{}px system-ui, sans-serif", size * 0.85));
    let mut y = margin * 5.0;
    for line in wrap(ctx, message, w - 2.0 * margin) {
        if y > h - margin {
            break;
        }
        let _ = ctx.fill_text(&line, margin, y);
        y += size * 1.3;
    }
}

/// Greedy word wrap to `width` pixels.
fn wrap(ctx: &CanvasRenderingContext2d, text: &str, width: f64) -> Vec<String> {
    let fits = |s: &str| {
        ctx.measure_text(s)
            .map(|m| m.width() <= width)
            .unwrap_or(true)
    };
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
