//! Requests the loader's script sent before the loader's wasm was ready.
//!
//! `loadComponent` in `www/src/index.ts` sends the component's and the keyring's GET the moment
//! it is called, so that they download while the loader's own wasm is fetched and instantiated
//! (tens of ms on a cold page, more over a real network). It hands them over as
//! `{requests: [[url, response promise, sent at], …]}`; the pipeline takes one where it would
//! have sent the same request itself ([`Early::take`]: the same absolute URL, the same page
//! signal), and sends its own for anything else. A request nobody takes is dropped; its
//! response is never read.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The requests sent early, not yet taken.
#[derive(Default)]
pub struct Early {
    requests: std::cell::RefCell<Vec<Sent>>,
}

/// One request sent early.
struct Sent {
    url: String,
    response: JsFuture,
    /// `performance.now()` when it was sent.
    at: f64,
}

impl Early {
    /// Reads the script's `{requests}`; anything malformed is as if not sent early (the
    /// pipeline then sends its own).
    pub fn from_js(value: &JsValue) -> Early {
        let mut requests = Vec::new();
        let get = |name: &str| js_sys::Reflect::get(value, &name.into()).unwrap_or_default();
        if let Some(list) = get("requests").dyn_ref::<js_sys::Array>() {
            for entry in list.iter() {
                let Some(entry) = entry.dyn_ref::<js_sys::Array>() else {
                    continue;
                };
                let (url, promise, at) = (entry.get(0), entry.get(1), entry.get(2));
                let (Some(url), Some(promise), Some(at)) = (
                    url.as_string(),
                    promise.dyn_into::<js_sys::Promise>().ok(),
                    at.as_f64(),
                ) else {
                    continue;
                };
                requests.push(Sent {
                    url,
                    response: JsFuture::from(promise),
                    at,
                });
            }
        }
        Early {
            requests: std::cell::RefCell::new(requests),
        }
    }

    /// The response of the request sent early for `url` (absolute), and when it was sent.
    pub fn take(&self, url: &str) -> Option<(JsFuture, f64)> {
        let mut requests = self.requests.borrow_mut();
        let i = requests.iter().position(|r| r.url == url)?;
        let sent = requests.swap_remove(i);
        Some((sent.response, sent.at))
    }
}
