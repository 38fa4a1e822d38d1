//! The page's canvas as the server-frame path uses it: decoded frames drawn scaled to the
//! canvas, and the visible error state — the loader never leaves a canvas blank without saying
//! why.
//!
//! Frames go through the canvas's 2D context. A canvas that already has another context keeps
//! it (a canvas keeps its first context kind): after the sandbox fell back, frames go through
//! its `bitmaprenderer` context; on a canvas that shows WebGPU (the component ran on the main
//! thread before the loader fell back) through WebGPU instead: the loader's own device copies each frame into the canvas's
//! current texture. Configuring a WebGPU context clears it, so the loader configures it only
//! when the first server frame arrives: until then the canvas keeps the component's last
//! client-side frame instead of going blank.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap};

use crate::error::LoadError;

/// Background of the error state, `#301010` (tests look for it).
pub const ERROR_BACKGROUND: &str = "#301010";

/// How frames reach the canvas.
#[derive(Clone)]
enum Paint {
    /// `drawImage` on the 2D context.
    TwoD(CanvasRenderingContext2d),
    /// `transferFromImageBitmap` on the `bitmaprenderer` context (the sandbox's frames were
    /// shown through it before the loader fell back).
    Bitmap(JsValue),
    /// `copyExternalImageToTexture` into the WebGPU context's current texture.
    Gpu {
        context: JsValue,
        /// The `GPUCanvasConfiguration` the context gets before the first frame.
        config: JsValue,
        /// Whether `configure` has been called (by the first [`FrameCanvas::draw`]).
        configured: Rc<Cell<bool>>,
        queue: JsValue,
    },
}

/// A canvas with the context frames are drawn through.
#[derive(Clone)]
pub struct FrameCanvas {
    canvas: HtmlCanvasElement,
    paint: Paint,
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn call(obj: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = get(obj, name).dyn_into()?;
    let list: js_sys::Array = args.iter().copied().collect();
    f.apply(obj, &list)
}

async fn settle(v: JsValue) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&v)).await
}

/// The canvas's WebGPU context and a device of the loader's own to copy frames into it with
/// (configured by the first draw).
async fn gpu_paint(canvas: &HtmlCanvasElement) -> Result<Paint, JsValue> {
    let context = call(canvas, "getContext", &[&JsValue::from_str("webgpu")])?;
    if context.is_null() {
        return Err(JsValue::from_str(
            "the canvas has neither a 2d nor a webgpu context",
        ));
    }
    let gpu = get(&get(&js_sys::global(), "navigator"), "gpu");
    let adapter = settle(call(&gpu, "requestAdapter", &[])?).await?;
    if adapter.is_null() {
        return Err(JsValue::from_str(
            "no WebGPU adapter to draw server frames with",
        ));
    }
    let device = settle(call(&adapter, "requestDevice", &[])?).await?;
    let config = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&config, &JsValue::from_str(k), v);
    set("device", &device)?;
    set("format", &call(&gpu, "getPreferredCanvasFormat", &[])?)?;
    // RENDER_ATTACHMENT | COPY_DST
    set("usage", &JsValue::from(0x12))?;
    set("alphaMode", &JsValue::from_str("opaque"))?;
    Ok(Paint::Gpu {
        context,
        config: config.into(),
        configured: Rc::new(Cell::new(false)),
        queue: get(&device, "queue"),
    })
}

impl FrameCanvas {
    /// Takes the canvas's 2D context, or (on a canvas that shows WebGPU) a WebGPU device.
    pub async fn new(canvas: &HtmlCanvasElement) -> Result<Self, LoadError> {
        let paint = match context_2d(canvas) {
            Some(ctx) => Paint::TwoD(ctx),
            None => match canvas.get_context("bitmaprenderer").ok().flatten() {
                Some(renderer) => Paint::Bitmap(renderer.into()),
                None => gpu_paint(canvas).await.map_err(|e| {
                    LoadError::Internal(format!(
                        "server frames cannot be drawn on this canvas: {}",
                        e.as_string().unwrap_or_else(|| format!("{e:?}"))
                    ))
                })?,
            },
        };
        Ok(FrameCanvas {
            canvas: canvas.clone(),
            paint,
        })
    }

    /// The canvas element.
    pub fn element(&self) -> &HtmlCanvasElement {
        &self.canvas
    }

    /// Draws a frame over the whole canvas.
    pub fn draw(&self, frame: &ImageBitmap) {
        let (w, h) = (self.canvas.width(), self.canvas.height());
        match &self.paint {
            Paint::TwoD(ctx) => {
                let _ = ctx.draw_image_with_image_bitmap_and_dw_and_dh(
                    frame, 0.0, 0.0, w as f64, h as f64,
                );
            }
            Paint::Bitmap(renderer) => {
                // The renderer takes the bitmap over; the canvas shows it at its own size.
                let _ = call(renderer, "transferFromImageBitmap", &[frame]);
            }
            Paint::Gpu {
                context,
                config,
                configured,
                queue,
            } => {
                if !configured.get() {
                    if call(context, "configure", &[config]).is_err() {
                        return;
                    }
                    configured.set(true);
                }
                let source = js_sys::Object::new();
                let _ = Reflect::set(&source, &JsValue::from_str("source"), frame);
                let dest = js_sys::Object::new();
                if let Ok(texture) = call(context, "getCurrentTexture", &[]) {
                    let _ = Reflect::set(&dest, &JsValue::from_str("texture"), &texture);
                    let size: js_sys::Array = [frame.width().min(w), frame.height().min(h)]
                        .iter()
                        .map(|n| JsValue::from(*n))
                        .collect();
                    let _ = call(
                        queue,
                        "copyExternalImageToTexture",
                        &[&source, &dest, &size],
                    );
                }
            }
        }
        clear_label(&self.canvas);
    }

    /// Shows the error state (painted on a 2D canvas; on a WebGPU one, as its label).
    pub fn show_error(&self, code: &str, message: &str) {
        match &self.paint {
            Paint::TwoD(ctx) => paint_error(&self.canvas, ctx, code, message),
            Paint::Gpu { .. } | Paint::Bitmap(_) => label(&self.canvas, code, message),
        }
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
