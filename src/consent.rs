//! Consent: asking the user before a component runs in their browser.
//!
//! With `consent: 'dialog'` (the default) the loader shows its own modal `<dialog>` — labelled,
//! keyboard usable, focus kept inside, Escape denies — naming the signer, trust level, capabilities
//! and digest. The answer is remembered per (digest, key id) in `localStorage` and can be revoked
//! with `forgetConsent(digest?)`. With a callback the page asks in its own way and remembers
//! what it likes.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use js_sys::{Function, Promise};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, Document, HtmlDialogElement, HtmlElement};

use crate::error::LoadError;
use crate::options::ConsentMode;
use crate::{js, storage};

/// What the user is asked about (also what a consent callback receives).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentRequest {
    /// `sha256:<hex>` of the component.
    pub digest: String,
    /// The key that signed.
    pub key_id: String,
    /// The key's label in the keyring.
    pub key_label: Option<String>,
    /// Who signed, as they call themselves.
    pub signer: String,
    /// Effective trust level.
    pub trust_level: &'static str,
    /// Component name, as signed.
    pub name: Option<String>,
    /// Component version, as signed.
    pub version: Option<String>,
    /// Capabilities the component would get.
    pub capabilities: Vec<String>,
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Allowed?
    pub granted: bool,
    /// Taken from an earlier answer.
    pub remembered: bool,
}

fn consent_prefix(digest: &str) -> String {
    format!("{}consent:{digest}:", storage::PREFIX)
}

fn consent_key(req: &ConsentRequest) -> String {
    format!("{}{}", consent_prefix(&req.digest), req.key_id)
}

/// Forgets remembered answers: for one digest, or all. Returns how many were forgotten.
pub fn forget(digest: Option<&str>) -> u32 {
    match digest {
        Some(d) => storage::remove_prefixed(&consent_prefix(d)),
        None => storage::remove_prefixed(&format!("{}consent:", storage::PREFIX)),
    }
}

/// Asks (or recalls) whether the component may run here.
pub async fn ask(
    mode: &ConsentMode,
    req: &ConsentRequest,
    signal: Option<&AbortSignal>,
) -> Result<Answer, LoadError> {
    match mode {
        ConsentMode::Callback(f) => Ok(Answer {
            granted: callback(f, req).await,
            remembered: false,
        }),
        ConsentMode::Dialog => {
            let key = consent_key(req);
            match storage::get(&key).as_deref() {
                Some("allow") => {
                    return Ok(Answer {
                        granted: true,
                        remembered: true,
                    })
                }
                Some("deny") => {
                    return Ok(Answer {
                        granted: false,
                        remembered: true,
                    })
                }
                _ => {}
            }
            let granted = dialog(req, signal).await?;
            storage::set(&key, if granted { "allow" } else { "deny" });
            Ok(Answer {
                granted,
                remembered: false,
            })
        }
    }
}

/// Calls the page's function; anything but a (promised) `true` is a denial.
async fn callback(f: &Function, req: &ConsentRequest) -> bool {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let arg = match req.serialize(&serializer) {
        Ok(v) => v,
        Err(_) => return false,
    };
    let result = match f.call1(&JsValue::NULL, &arg) {
        Ok(v) => v,
        Err(e) => {
            js::console_error(&format!(
                "wasi-gfx-loader: the consent callback threw (taken as a denial): {}",
                js::describe(&e)
            ));
            return false;
        }
    };
    let result = match result.dyn_into::<Promise>() {
        Ok(p) => match js::wait(p).await {
            Ok(v) => v,
            Err(e) => {
                js::console_error(&format!(
                    "wasi-gfx-loader: the consent callback rejected (taken as a denial): {}",
                    js::describe(&e)
                ));
                return false;
            }
        },
        Err(v) => v,
    };
    result.as_bool() == Some(true)
}

fn element<T: JsCast>(doc: &Document, tag: &str) -> Result<T, LoadError> {
    doc.create_element(tag)
        .map_err(|e| LoadError::Internal(format!("createElement({tag}): {}", js::describe(&e))))?
        .dyn_into::<T>()
        .map_err(|_| LoadError::Internal(format!("<{tag}> has an unexpected type")))
}

fn text_el(doc: &Document, tag: &str, text: &str) -> Result<HtmlElement, LoadError> {
    let el: HtmlElement = element(doc, tag)?;
    el.set_text_content(Some(text));
    Ok(el)
}

fn style(el: &HtmlElement, props: &[(&str, &str)]) {
    let s = el.style();
    for (k, v) in props {
        let _ = s.set_property(k, v);
    }
}

fn append(parent: &HtmlElement, child: &HtmlElement) -> Result<(), LoadError> {
    parent
        .append_child(child)
        .map(|_| ())
        .map_err(|e| LoadError::Internal(format!("appendChild: {}", js::describe(&e))))
}

static NEXT_ID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Shows the modal dialog and waits for Allow, Deny, Escape or the page's abort.
async fn dialog(req: &ConsentRequest, signal: Option<&AbortSignal>) -> Result<bool, LoadError> {
    let doc = js::window()
        .and_then(|w| w.document())
        .ok_or_else(|| LoadError::Internal("no document for the consent dialog".into()))?;
    let body = doc
        .body()
        .ok_or_else(|| LoadError::Internal("no <body> for the consent dialog".into()))?;
    let n = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let title_id = format!("wasi-gfx-consent-title-{n}");
    let desc_id = format!("wasi-gfx-consent-desc-{n}");

    let dialog: HtmlDialogElement = element(&doc, "dialog")?;
    let d: &HtmlElement = dialog.unchecked_ref();
    d.set_class_name("wasi-gfx-consent");
    let _ = d.set_attribute("aria-labelledby", &title_id);
    let _ = d.set_attribute("aria-describedby", &desc_id);
    style(
        d,
        &[
            ("max-width", "32rem"),
            ("font", "15px/1.45 system-ui, sans-serif"),
            ("padding", "1.25rem 1.5rem"),
            ("border", "1px solid #888"),
            ("border-radius", "8px"),
        ],
    );

    let title = text_el(&doc, "h2", "Run this graphics component in your browser?")?;
    title.set_id(&title_id);
    style(&title, &[("margin", "0 0 .5rem"), ("font-size", "1.15rem")]);
    append(d, &title)?;

    let what = match (&req.name, &req.version) {
        (Some(n), Some(v)) => format!("{n} {v}"),
        (Some(n), None) => n.clone(),
        _ => "This component".into(),
    };
    let caps = if req.capabilities.is_empty() {
        "nothing beyond drawing on this page".to_owned()
    } else {
        req.capabilities.join(", ")
    };
    let desc = text_el(
        &doc,
        "p",
        &format!(
            "{what} is signed by {} at trust level {}. If you allow it, it runs on this page with: {caps}.",
            req.signer, req.trust_level
        ),
    )?;
    desc.set_id(&desc_id);
    append(d, &desc)?;

    let list: HtmlElement = element(&doc, "dl")?;
    style(
        &list,
        &[
            ("display", "grid"),
            ("grid-template-columns", "auto 1fr"),
            ("gap", ".25rem .75rem"),
            ("margin", ".5rem 0"),
        ],
    );
    let key = match &req.key_label {
        Some(l) => format!("{l} ({})", req.key_id),
        None => req.key_id.clone(),
    };
    for (term, value) in [
        ("Signer", req.signer.as_str()),
        ("Trust level", req.trust_level),
        ("Capabilities", caps.as_str()),
        ("Digest", req.digest.as_str()),
        ("Key", key.as_str()),
    ] {
        let dt = text_el(&doc, "dt", term)?;
        style(&dt, &[("font-weight", "600")]);
        let dd = text_el(&doc, "dd", value)?;
        style(&dd, &[("margin", "0"), ("word-break", "break-all")]);
        if term == "Digest" || term == "Key" {
            style(
                &dd,
                &[
                    ("font-family", "ui-monospace, monospace"),
                    ("font-size", ".85em"),
                ],
            );
        }
        let _ = dd.set_attribute("data-field", &term.to_ascii_lowercase().replace(' ', "-"));
        append(&list, &dt)?;
        append(&list, &dd)?;
    }
    append(d, &list)?;
    let note = text_el(
        &doc,
        "p",
        "Your answer is remembered for this exact component and key on this site.",
    )?;
    style(&note, &[("font-size", ".85em"), ("opacity", ".8")]);
    append(d, &note)?;

    let buttons: HtmlElement = element(&doc, "div")?;
    style(
        &buttons,
        &[
            ("display", "flex"),
            ("gap", ".75rem"),
            ("justify-content", "flex-end"),
        ],
    );
    let deny = text_el(&doc, "button", "Deny")?;
    let allow = text_el(&doc, "button", "Allow")?;
    for (b, v) in [(&deny, "deny"), (&allow, "allow")] {
        let _ = b.set_attribute("type", "button");
        let _ = b.set_attribute("value", v);
        style(b, &[("padding", ".4rem 1rem")]);
        append(&buttons, b)?;
    }
    append(d, &buttons)?;
    append(&body, d)?;

    // The answer arrives through a promise that the listeners below resolve.
    let resolver: Rc<RefCell<Option<Function>>> = Rc::new(RefCell::new(None));
    let r = Rc::clone(&resolver);
    let answer = Promise::new(&mut |resolve, _| {
        *r.borrow_mut() = Some(resolve);
    });
    let settle = {
        let resolver = Rc::clone(&resolver);
        move |v: JsValue| {
            if let Some(f) = resolver.borrow_mut().take() {
                let _ = f.call1(&JsValue::NULL, &v);
            }
        }
    };
    let mut listeners = Vec::new();
    {
        let s = settle.clone();
        listeners.push(EventListener::new(&allow, "click", move |_| {
            s(JsValue::TRUE)
        }));
        let s = settle.clone();
        listeners.push(EventListener::new(&deny, "click", move |_| {
            s(JsValue::FALSE)
        }));
        // Escape: the dialog's `cancel` event. Deny, and close ourselves.
        let s = settle.clone();
        listeners.push(EventListener::new_with_options(
            d,
            "cancel",
            EventListenerOptions::enable_prevent_default(),
            move |e| {
                e.prevent_default();
                s(JsValue::FALSE)
            },
        ));
        // Keep Tab and Shift+Tab inside the dialog: the two buttons are its only controls.
        let (first, last) = (deny.clone(), allow.clone());
        listeners.push(EventListener::new_with_options(
            d,
            "keydown",
            EventListenerOptions::enable_prevent_default(),
            move |e| {
                let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                if k.key() != "Tab" {
                    return;
                }
                let active = js::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element());
                let on = |el: &HtmlElement| {
                    active
                        .as_ref()
                        .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
                };
                if k.shift_key() && on(&first) {
                    e.prevent_default();
                    let _ = last.focus();
                } else if !k.shift_key() && on(&last) {
                    e.prevent_default();
                    let _ = first.focus();
                }
            },
        ));
        if let Some(sig) = signal {
            let s = settle.clone();
            listeners.push(EventListener::new(sig, "abort", move |_| {
                s(JsValue::from_str("aborted"))
            }));
        }
    }
    if let Err(e) = dialog.show_modal() {
        d.remove();
        return Err(LoadError::Internal(format!(
            "cannot show the consent dialog: {}",
            js::describe(&e)
        )));
    }
    let _ = deny.focus();
    if signal.is_some_and(|s| s.aborted()) {
        settle(JsValue::from_str("aborted"));
    }
    let result = js::wait(answer).await.unwrap_or(JsValue::FALSE);
    drop(listeners);
    dialog.close();
    d.remove();
    match result.as_bool() {
        Some(granted) => Ok(granted),
        None => Err(LoadError::Aborted),
    }
}
