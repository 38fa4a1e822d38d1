//! Requests to the render server's JSON API (sessions, input): `fetch` with a JSON body, errors
//! as text. Downloads of components and keyrings are [`crate::source`]'s.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Request, RequestInit, Response};

use crate::js;

/// Sends `method url` with an optional JSON `body`; any HTTP status is a response, only a
/// network failure is an error. `DELETE`s are `keepalive`, so they outlive the page.
pub async fn request(method: &str, url: &str, body: Option<&str>) -> Result<Response, String> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(b));
        let headers = web_sys::Headers::new().map_err(|e| js::describe(&e))?;
        headers
            .set("content-type", "application/json")
            .map_err(|e| js::describe(&e))?;
        init.set_headers(&headers);
    }
    if method == "DELETE" {
        js::set(&init, "keepalive", &JsValue::TRUE);
    }
    let req = Request::new_with_str_and_init(url, &init).map_err(|e| js::describe(&e))?;
    let window = js::window().ok_or("no window")?;
    js::wait(window.fetch_with_request(&req))
        .await
        .map_err(|e| js::describe(&e))?
        .dyn_into::<Response>()
        .map_err(|_| "fetch did not return a Response".to_owned())
}

/// The body as text (empty when it cannot be read).
pub async fn text_of(response: &Response) -> String {
    match response.text() {
        Ok(p) => js::wait(p)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}
