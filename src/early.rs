//! What the loader's script started before the loader's wasm was ready.
//!
//! `loadComponent` in `www/src/index.ts` sends the component's and the keyring's GET the moment
//! it is called, and starts the sandbox worker, so that they download and start while the
//! loader's own wasm is fetched and instantiated (tens of ms on a cold page; a worker takes as
//! long to run its script). It hands them over as `{requests: [[url, response promise, sent
//! at], …], worker: [worker, errors so far]}`; the pipeline takes a request where it would have
//! sent the same itself ([`Early::take`]: the same absolute URL, the same page signal) and the
//! worker where it would have started one ([`Early::take_worker`]), and starts its own for
//! anything else. A request nobody takes is dropped (its response is never read); a worker
//! nobody takes is terminated.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The requests sent early, not yet taken.
#[derive(Default)]
pub struct Early {
    requests: std::cell::RefCell<Vec<Sent>>,
    worker: std::cell::RefCell<Option<(web_sys::Worker, js_sys::Array)>>,
}

/// One request sent early.
struct Sent {
    url: String,
    response: JsFuture,
    /// `performance.now()` when it was sent.
    at: f64,
}

impl Early {
    /// Reads the script's `{requests, worker}`; anything malformed is as if not started early
    /// (the pipeline then starts its own).
    pub fn from_js(value: &JsValue) -> Early {
        let mut requests = Vec::new();
        let get = |name: &str| js_sys::Reflect::get(value, &name.into()).unwrap_or_default();
        let worker = get("worker")
            .dyn_into::<js_sys::Array>()
            .ok()
            .and_then(|w| {
                Some((
                    w.get(0).dyn_into::<web_sys::Worker>().ok()?,
                    w.get(1).dyn_into::<js_sys::Array>().ok()?,
                ))
            });
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
            worker: std::cell::RefCell::new(worker),
        }
    }

    /// The sandbox worker started early, and the first error it reported so far.
    pub fn take_worker(&self) -> Option<(web_sys::Worker, Option<String>)> {
        let (worker, errors) = self.worker.borrow_mut().take()?;
        let error = errors.iter().next().and_then(|e| e.as_string());
        Some((worker, error))
    }

    /// The response of the request sent early for `url` (absolute), and when it was sent.
    pub fn take(&self, url: &str) -> Option<(JsFuture, f64)> {
        let mut requests = self.requests.borrow_mut();
        let i = requests.iter().position(|r| r.url == url)?;
        let sent = requests.swap_remove(i);
        Some((sent.response, sent.at))
    }
}

impl Drop for Early {
    fn drop(&mut self) {
        if let Some((worker, _)) = self.worker.get_mut().take() {
            worker.terminate();
        }
    }
}
