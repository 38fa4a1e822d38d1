//! The JSON input events `POST /v1/sessions/{id}/input` accepts, and their translation into the
//! guest's surface events.
//!
//! A body is one event or an array of up to [`MAX_EVENTS`]:
//!
//! ```json
//! [{"type": "pointer-down", "x": 10.5, "y": 20},
//!  {"type": "key-down", "key": "key-a", "text": "a", "shiftKey": false},
//!  {"type": "resize", "width": 640, "height": 480}]
//! ```
//!
//! `key` is a case of the WIT `key` enum (`key-a`, `digit1`, `arrow-left`, ...); the browser's
//! `KeyboardEvent.code` (`KeyA`, `Digit1`, `ArrowLeft`) is accepted too.

use heck::ToKebabCase;
use serde::Deserialize;
use surface_wasmtime::KeyEvent;

use crate::error::ApiError;
use crate::render::Input;
use crate::render::canvas::{KeyKind, PointerKind};

include!(concat!(env!("OUT_DIR"), "/keys.rs"));

/// Most events in one request.
pub const MAX_EVENTS: usize = 256;

/// Longest `text` of a key event, in bytes.
pub const MAX_TEXT: usize = 64;

/// One input event as sent over HTTP.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum InputEvent {
    /// Pointer pressed.
    PointerDown {
        /// Canvas pixels from the left.
        x: f64,
        /// Canvas pixels from the top.
        y: f64,
    },
    /// Pointer released.
    PointerUp {
        /// Canvas pixels from the left.
        x: f64,
        /// Canvas pixels from the top.
        y: f64,
    },
    /// Pointer moved.
    PointerMove {
        /// Canvas pixels from the left.
        x: f64,
        /// Canvas pixels from the top.
        y: f64,
    },
    /// Key pressed.
    #[serde(rename_all = "camelCase")]
    KeyDown {
        /// WIT key name or `KeyboardEvent.code`.
        #[serde(default)]
        key: Option<String>,
        /// Text the key produces.
        #[serde(default)]
        text: Option<String>,
        /// Modifier.
        #[serde(default)]
        alt_key: bool,
        /// Modifier.
        #[serde(default)]
        ctrl_key: bool,
        /// Modifier.
        #[serde(default)]
        meta_key: bool,
        /// Modifier.
        #[serde(default)]
        shift_key: bool,
    },
    /// Key released.
    #[serde(rename_all = "camelCase")]
    KeyUp {
        /// WIT key name or `KeyboardEvent.code`.
        #[serde(default)]
        key: Option<String>,
        /// Text the key produces.
        #[serde(default)]
        text: Option<String>,
        /// Modifier.
        #[serde(default)]
        alt_key: bool,
        /// Modifier.
        #[serde(default)]
        ctrl_key: bool,
        /// Modifier.
        #[serde(default)]
        meta_key: bool,
        /// Modifier.
        #[serde(default)]
        shift_key: bool,
    },
    /// The canvas changed size.
    Resize {
        /// Pixels.
        width: u32,
        /// Pixels.
        height: u32,
    },
}

/// Parses a request body into events.
pub fn parse_body(body: &[u8]) -> Result<Vec<InputEvent>, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("bad-input", format!("input is not JSON: {e}")))?;
    let events: Vec<serde_json::Value> = match value {
        serde_json::Value::Array(items) => items,
        single => vec![single],
    };
    if events.len() > MAX_EVENTS {
        return Err(ApiError::bad_request(
            "bad-input",
            format!(
                "{} events in one request; the limit is {MAX_EVENTS}",
                events.len()
            ),
        ));
    }
    events
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_path_to_error::deserialize(v)
                .map_err(|e| ApiError::bad_request("bad-input", format!("event {i}: {e}")))
        })
        .collect()
}

/// The key enum case for a WIT name or a `KeyboardEvent.code`.
pub fn key_named(name: &str) -> Option<surface_wasmtime::Key> {
    key_from_name(name).or_else(|| key_from_name(&name.to_kebab_case()))
}

fn key_event(
    key: Option<String>,
    text: Option<String>,
    modifiers: [bool; 4],
) -> Result<KeyEvent, ApiError> {
    let key = match key {
        None => None,
        Some(name) => Some(key_named(&name).ok_or_else(|| {
            ApiError::bad_request(
                "bad-input",
                format!("unknown key {name:?} (use a WIT key name such as \"key-a\" or a KeyboardEvent.code such as \"KeyA\"; {KEY_COUNT} are known)"),
            )
        })?),
    };
    if text.as_ref().is_some_and(|t| t.len() > MAX_TEXT) {
        return Err(ApiError::bad_request(
            "bad-input",
            format!("key text longer than {MAX_TEXT} bytes"),
        ));
    }
    let [alt_key, ctrl_key, meta_key, shift_key] = modifiers;
    Ok(KeyEvent {
        key,
        text,
        alt_key,
        ctrl_key,
        meta_key,
        shift_key,
    })
}

fn point(x: f64, y: f64) -> Result<(f64, f64), ApiError> {
    if x.is_finite() && y.is_finite() {
        Ok((x, y))
    } else {
        Err(ApiError::bad_request(
            "bad-input",
            "pointer coordinates must be finite numbers",
        ))
    }
}

impl InputEvent {
    /// The render core's input. `check_size` vets resizes against the session's limits.
    pub fn into_input(
        self,
        check_size: impl Fn(u32, u32) -> Result<(), ApiError>,
    ) -> Result<Input, ApiError> {
        Ok(match self {
            InputEvent::PointerDown { x, y } => {
                let (x, y) = point(x, y)?;
                Input::Pointer(PointerKind::Down, x, y)
            }
            InputEvent::PointerUp { x, y } => {
                let (x, y) = point(x, y)?;
                Input::Pointer(PointerKind::Up, x, y)
            }
            InputEvent::PointerMove { x, y } => {
                let (x, y) = point(x, y)?;
                Input::Pointer(PointerKind::Move, x, y)
            }
            InputEvent::KeyDown {
                key,
                text,
                alt_key,
                ctrl_key,
                meta_key,
                shift_key,
            } => Input::Key(
                KeyKind::Down,
                key_event(key, text, [alt_key, ctrl_key, meta_key, shift_key])?,
            ),
            InputEvent::KeyUp {
                key,
                text,
                alt_key,
                ctrl_key,
                meta_key,
                shift_key,
            } => Input::Key(
                KeyKind::Up,
                key_event(key, text, [alt_key, ctrl_key, meta_key, shift_key])?,
            ),
            InputEvent::Resize { width, height } => {
                check_size(width, height)?;
                Input::Resize(width, height)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wit_names_and_keyboard_codes_name_the_same_key() {
        for (wit, code) in [
            ("key-a", "KeyA"),
            ("digit1", "Digit1"),
            ("arrow-left", "ArrowLeft"),
            ("f12", "F12"),
            ("numpad-add", "NumpadAdd"),
            ("space", "Space"),
        ] {
            let a = key_named(wit).unwrap_or_else(|| panic!("{wit}"));
            let b = key_named(code).unwrap_or_else(|| panic!("{code}"));
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        assert!(key_named("no-such-key").is_none());
        const { assert!(KEY_COUNT > 100) };
    }

    #[test]
    fn one_event_or_an_array_parses() {
        assert_eq!(
            parse_body(br#"{"type":"pointer-move","x":1,"y":2}"#)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            parse_body(
                br#"[{"type":"key-down","key":"KeyA"},{"type":"resize","width":4,"height":5}]"#
            )
            .unwrap()
            .len(),
            2
        );
    }

    #[test]
    fn unknown_fields_types_and_garbage_are_refused_with_a_code() {
        for body in [
            &br#"{"type":"pointer-move","x":1,"y":2,"z":3}"#[..],
            br#"{"type":"teleport"}"#,
            br#"{"x":1}"#,
            b"\xff\xfe",
            br#"[1,2,3]"#,
            br#"{"type":"resize","width":-1,"height":2}"#,
        ] {
            let e = parse_body(body).unwrap_err();
            assert_eq!(e.code, "bad-input");
        }
        let many = format!(
            "[{}]",
            vec![r#"{"type":"pointer-move","x":1,"y":2}"#; MAX_EVENTS + 1].join(",")
        );
        assert_eq!(parse_body(many.as_bytes()).unwrap_err().code, "bad-input");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_body(&bytes);
        }
    }
}
