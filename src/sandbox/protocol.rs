//! The messages between the page and the sandbox worker, and their validation.
//!
//! Every message is a plain object with a `type`:
//!
//! | from | `type` | fields |
//! |---|---|---|
//! | page | `init` | `module` (the loader's `WebAssembly.Module`: the worker's script instantiates it) |
//! | page | `prepare` | – (the component may run here: ask for the GPU adapter now, while the page plans it and asks for consent) |
//! | page | `start` | `component` (`ArrayBuffer`), `width`, `height`, `memoryBytes`, `gpuBytes`, `gpuErrors` |
//! | page | `frame` | – (one per `requestAnimationFrame`, after the worker asked; only to a worker without animation frames) |
//! | page | `pointer` | `kind` (`down`, `up`, `move`), `x`, `y` (drawing-buffer pixels) |
//! | page | `key` | `down`, `code`, `key`, `alt`, `ctrl`, `meta`, `shift` |
//! | page | `resize` | `width`, `height` |
//! | worker | `ready` | `pageFrames` (its message handler is installed; `true`: it has no `requestAnimationFrame` of its own and waits for the page's `frame` messages) |
//! | worker | `alive` | – (heartbeat) |
//! | worker | `want-frame` | – (the guest read the last frame event) |
//! | worker | `frame` | `bitmap` (`ImageBitmap`, transferred) |
//! | worker | `failure` | `reason`, `message` |
//!
//! Each side checks what it gets: a malformed message from the page is ignored by the worker; a
//! malformed one from the worker ends the run (`sandbox-protocol`) — the worker is the loader's
//! own code, so it is a bug, and the page does not guess. A failure's reason must be one of
//! [`FAILURE_REASONS`] and its message is cut to [`MAX_MESSAGE_CHARS`]: the page never shows a
//! worker's word on anything else.

/// The reasons a worker may report (anything else becomes `trap`).
pub const FAILURE_REASONS: &[&str] = &[
    "trap",
    "device-lost",
    "gpu-error",
    "gpu-limit",
    "memory-limit",
    "canvas-in-use",
    "first-frame-timeout",
    "component-invalid",
    "guest-trap",
    "import-denied",
    "unsupported-feature",
    "worker-unavailable",
];

/// The longest failure message the page keeps, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Largest canvas side the page or worker accepts in a message (WebGPU's usual texture limit).
pub const MAX_SIDE: u32 = 16_384;

/// The reason as one of [`FAILURE_REASONS`]; an unknown one is `trap`.
pub fn failure_reason(reason: &str) -> &'static str {
    FAILURE_REASONS
        .iter()
        .copied()
        .find(|r| *r == reason)
        .unwrap_or("trap")
}

/// `message`, cut to [`MAX_MESSAGE_CHARS`] characters (with `…` when cut).
pub fn clip_message(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((at, _)) => format!("{}…", &message[..at]),
        None => message.to_owned(),
    }
}

/// A pointer coordinate: finite and within ±[`MAX_SIDE`]·4 pixels.
pub fn coordinate(v: f64) -> Option<f64> {
    let bound = f64::from(MAX_SIDE) * 4.0;
    (v.is_finite() && v.abs() <= bound).then_some(v)
}

/// A canvas side: a whole number in `1..=MAX_SIDE`.
pub fn side(v: f64) -> Option<u32> {
    (v.fract() == 0.0 && v >= 1.0 && v <= f64::from(MAX_SIDE)).then_some(v as u32)
}

#[cfg(target_arch = "wasm32")]
pub use web::*;

#[cfg(target_arch = "wasm32")]
mod web {
    use gfx_bridge::bindings::surface::PointerEvent;
    use gfx_bridge::surface::key_event_of;
    use gfx_bridge::Input;
    use gfx_trust::policy::GpuErrors;
    use js_sys::{Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    use super::{clip_message, coordinate, failure_reason, side};

    fn get(o: &JsValue, k: &str) -> JsValue {
        Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    }

    fn string(o: &JsValue, k: &str) -> Option<String> {
        get(o, k).as_string()
    }

    fn number(o: &JsValue, k: &str) -> Option<f64> {
        get(o, k).as_f64()
    }

    fn flag(o: &JsValue, k: &str) -> bool {
        get(o, k).as_bool().unwrap_or(false)
    }

    /// A message object of `type` with `fields`.
    pub fn message(kind: &str, fields: &[(&str, JsValue)]) -> JsValue {
        let o = Object::new();
        let _ = Reflect::set(&o, &"type".into(), &kind.into());
        for (k, v) in fields {
            let _ = Reflect::set(&o, &JsValue::from_str(k), v);
        }
        o.into()
    }

    /// The page's message with everything the worker needs to run the component.
    pub struct Start {
        /// The verified, unsigned component.
        pub component: Vec<u8>,
        /// Drawing-buffer size.
        pub width: u32,
        /// Drawing-buffer size.
        pub height: u32,
        /// The policy's memory limit.
        pub memory_bytes: u64,
        /// The GPU budget: bytes of live buffers and textures.
        pub gpu_bytes: u64,
        /// What an uncaptured GPU error does.
        pub gpu_errors: GpuErrors,
    }

    impl Start {
        /// The message, and what it transfers (a copy of the component's bytes).
        pub fn to_js(&self) -> (JsValue, js_sys::Array) {
            let bytes = js_sys::Uint8Array::from(self.component.as_slice()).buffer();
            let gpu_errors = match self.gpu_errors {
                GpuErrors::Fallback => "fallback",
                GpuErrors::Ignore => "ignore",
            };
            let msg = message(
                "start",
                &[
                    ("component", bytes.clone().into()),
                    ("width", self.width.into()),
                    ("height", self.height.into()),
                    ("memoryBytes", (self.memory_bytes as f64).into()),
                    ("gpuBytes", (self.gpu_bytes as f64).into()),
                    ("gpuErrors", gpu_errors.into()),
                ],
            );
            (msg, [JsValue::from(bytes)].into_iter().collect())
        }

        /// Reads a `start` message.
        pub fn from_js(v: &JsValue) -> Result<Start, String> {
            if string(v, "type").as_deref() != Some("start") {
                return Err("not a `start` message".into());
            }
            let component = get(v, "component")
                .dyn_into::<js_sys::ArrayBuffer>()
                .map_err(|_| "`component` is not an ArrayBuffer")?;
            let size = |k| {
                number(v, k)
                    .and_then(side)
                    .ok_or_else(|| format!("`{k}` is not a canvas side"))
            };
            let bytes = |k| {
                number(v, k)
                    .filter(|b| b.is_finite() && *b >= 0.0)
                    .map(|b| b as u64)
                    .ok_or_else(|| format!("`{k}` is not a byte count"))
            };
            let gpu_errors = match string(v, "gpuErrors").as_deref() {
                Some("ignore") => GpuErrors::Ignore,
                _ => GpuErrors::Fallback,
            };
            Ok(Start {
                component: js_sys::Uint8Array::new(&component).to_vec(),
                width: size("width")?,
                height: size("height")?,
                memory_bytes: bytes("memoryBytes")?,
                gpu_bytes: bytes("gpuBytes")?,
                gpu_errors,
            })
        }
    }

    /// A `key` message from a keyboard event.
    pub fn key_message(down: bool, e: &web_sys::KeyboardEvent) -> JsValue {
        message(
            "key",
            &[
                ("down", down.into()),
                ("code", e.code().into()),
                ("key", e.key().into()),
                ("alt", e.alt_key().into()),
                ("ctrl", e.ctrl_key().into()),
                ("meta", e.meta_key().into()),
                ("shift", e.shift_key().into()),
            ],
        )
    }

    /// A `pointer` message.
    pub fn pointer_message(kind: &str, x: f64, y: f64) -> JsValue {
        message(
            "pointer",
            &[("kind", kind.into()), ("x", x.into()), ("y", y.into())],
        )
    }

    /// A `resize` message.
    pub fn resize_message(width: u32, height: u32) -> JsValue {
        message(
            "resize",
            &[("width", width.into()), ("height", height.into())],
        )
    }

    /// The surface input a page message carries (`None`: not one, or malformed).
    /// Whether `v` is the page's `prepare` message.
    pub fn is_prepare(v: &JsValue) -> bool {
        string(v, "type").as_deref() == Some("prepare")
    }

    pub fn input_of(v: &JsValue) -> Option<Input> {
        match string(v, "type")?.as_str() {
            "frame" => Some(Input::Frame),
            "pointer" => {
                let p = PointerEvent {
                    x: number(v, "x").and_then(coordinate)?,
                    y: number(v, "y").and_then(coordinate)?,
                };
                match string(v, "kind")?.as_str() {
                    "down" => Some(Input::PointerDown(p)),
                    "up" => Some(Input::PointerUp(p)),
                    "move" => Some(Input::PointerMove(p)),
                    _ => None,
                }
            }
            "key" => {
                let code = string(v, "code")?;
                let key = string(v, "key")?;
                let event = key_event_of(
                    &code,
                    key,
                    [
                        flag(v, "alt"),
                        flag(v, "ctrl"),
                        flag(v, "meta"),
                        flag(v, "shift"),
                    ],
                );
                Some(if flag(v, "down") {
                    Input::KeyDown(event)
                } else {
                    Input::KeyUp(event)
                })
            }
            "resize" => Some(Input::Resize(
                number(v, "width").and_then(side)?,
                number(v, "height").and_then(side)?,
            )),
            _ => None,
        }
    }

    /// What the worker says.
    pub enum FromWorker {
        /// Its message handler is installed; `true`: it needs the page's frame events.
        Ready(bool),
        /// A heartbeat.
        Alive,
        /// The guest read the last frame event.
        WantFrame,
        /// A presented frame.
        Frame(web_sys::ImageBitmap),
        /// The component failed.
        Failure {
            /// One of [`super::FAILURE_REASONS`].
            reason: &'static str,
            /// What happened (clipped).
            message: String,
        },
    }

    impl FromWorker {
        /// Reads a worker message; `Err` names what is wrong with it.
        pub fn from_js(v: &JsValue) -> Result<FromWorker, String> {
            let kind = string(v, "type").ok_or("a message without a `type`")?;
            match kind.as_str() {
                "ready" => Ok(FromWorker::Ready(
                    get(v, "pageFrames").as_bool().unwrap_or(true),
                )),
                "alive" => Ok(FromWorker::Alive),
                "want-frame" => Ok(FromWorker::WantFrame),
                "frame" => get(v, "bitmap")
                    .dyn_into::<web_sys::ImageBitmap>()
                    .map(FromWorker::Frame)
                    .map_err(|_| "a `frame` without an ImageBitmap".into()),
                "failure" => Ok(FromWorker::Failure {
                    reason: failure_reason(&string(v, "reason").unwrap_or_default()),
                    message: clip_message(&string(v, "message").unwrap_or_default()),
                }),
                other => Err(format!("an unknown message type {:?}", clip_message(other))),
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_reasons_are_kept_and_unknown_ones_become_trap() {
        assert_eq!(failure_reason("memory-limit"), "memory-limit");
        assert_eq!(failure_reason("gpu-limit"), "gpu-limit");
        assert_eq!(failure_reason("verified"), "trap");
        assert_eq!(
            failure_reason("cpu-limit"),
            "trap",
            "only the page's watchdog says cpu-limit"
        );
        assert_eq!(failure_reason(""), "trap");
    }

    #[test]
    fn sides_are_whole_positive_and_bounded() {
        assert_eq!(side(640.0), Some(640));
        assert_eq!(side(0.0), None);
        assert_eq!(side(1.5), None);
        assert_eq!(side(f64::NAN), None);
        assert_eq!(side(f64::from(MAX_SIDE) + 1.0), None);
    }

    proptest! {
        #[test]
        fn any_reason_maps_into_the_allowlist(s in ".*") {
            prop_assert!(FAILURE_REASONS.contains(&failure_reason(&s)));
        }

        #[test]
        fn clipped_messages_are_bounded_prefixes(s in ".{0,3000}") {
            let c = clip_message(&s);
            prop_assert!(c.chars().count() <= MAX_MESSAGE_CHARS + 1);
            prop_assert!(s.starts_with(c.trim_end_matches('…')));
        }

        #[test]
        fn coordinates_are_finite_and_bounded(v in proptest::num::f64::ANY) {
            if let Some(c) = coordinate(v) {
                prop_assert!(c.is_finite() && c.abs() <= f64::from(MAX_SIDE) * 4.0);
            }
        }

        #[test]
        fn sides_never_exceed_the_maximum(v in proptest::num::f64::ANY) {
            if let Some(s) = side(v) {
                prop_assert!((1..=MAX_SIDE).contains(&s));
            }
        }
    }
}
