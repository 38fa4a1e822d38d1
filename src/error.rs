//! [`LoadError`]: every way `loadComponent` can fail, each with a stable machine-readable code.
//!
//! The JavaScript shell turns the plain object from [`LoadError::to_js`] into an instance of its
//! `LoadError` class (a subclass of `Error`), so pages can `catch (e) { if (e.code === …) }`.

use js_sys::Object;
use wasm_bindgen::JsValue;

use crate::js;

/// Why a component could not be loaded or shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The options object is missing something or has the wrong type.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// The component or keyring could not be downloaded.
    #[error("cannot fetch {url}: {detail}")]
    FetchFailed {
        /// What was fetched.
        url: String,
        /// Why (network error or HTTP status).
        detail: String,
    },
    /// The download is larger than the loader accepts.
    #[error("the component is larger than the {limit}-byte limit")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The bytes are not a WebAssembly component the loader can read.
    #[error("not a valid WebAssembly component: {0}")]
    ComponentInvalid(String),
    /// The keyring is not valid keyring JSON.
    #[error("invalid keyring: {0}")]
    KeyringInvalid(String),
    /// The keyring is older than one this browser has already seen.
    #[error("keyring rollback: sequence {got} is lower than {seen}, seen before from {url}")]
    KeyringRollback {
        /// Where the keyring came from.
        url: String,
        /// Its sequence number.
        got: u64,
        /// The highest sequence seen from that URL.
        seen: u64,
    },
    /// The policy override is invalid.
    #[error("invalid policy: {0}")]
    PolicyInvalid(String),
    /// The policy forbids showing the component at all.
    #[error("{message}")]
    Rejected {
        /// The decision's reason (`needs-review`, `import-denied`).
        reason: &'static str,
        /// Explanation.
        message: String,
    },
    /// The component runtime refused the component before compiling it (`import-denied`,
    /// `unsupported-feature`, `memory-limit`), and no render server was there to show it instead.
    #[error("{0}")]
    Refused(gfx_component::PlanError),
    /// Server frames were needed but the render server could not provide them.
    #[error("the render server cannot show this component: {0}")]
    FallbackUnavailable(String),
    /// No frame arrived in time.
    #[error("no frame within {0} ms")]
    Timeout(u32),
    /// The page aborted the load through its `AbortSignal`.
    #[error("the load was aborted")]
    Aborted,
    /// A defect of the loader or an unexpected browser failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl LoadError {
    /// The stable code (`fallback-unavailable`, …).
    pub fn code(&self) -> &'static str {
        match self {
            LoadError::InvalidOptions(_) => "invalid-options",
            LoadError::FetchFailed { .. } => "fetch-failed",
            LoadError::TooLarge { .. } => "too-large",
            LoadError::ComponentInvalid(_) => "component-invalid",
            LoadError::KeyringInvalid(_) => "keyring-invalid",
            LoadError::KeyringRollback { .. } => "keyring-rollback",
            LoadError::PolicyInvalid(_) => "policy-invalid",
            LoadError::Rejected { .. } => "rejected",
            LoadError::Refused(e) => match e.code() {
                "import-denied" => "import-denied",
                "unsupported-feature" => "unsupported-feature",
                "memory-limit" => "memory-limit",
                _ => "component-invalid",
            },
            LoadError::FallbackUnavailable(_) => "fallback-unavailable",
            LoadError::Timeout(_) => "timeout",
            LoadError::Aborted => "aborted",
            LoadError::Internal(_) => "internal",
        }
    }

    /// The decision reason, for errors that have one.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            LoadError::Rejected { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// `{code, message, reason?}` for the JavaScript shell.
    pub fn to_js(&self) -> JsValue {
        let o = Object::new();
        js::set(&o, "code", &JsValue::from_str(self.code()));
        js::set(&o, "message", &JsValue::from_str(&self.to_string()));
        if let Some(r) = self.reason() {
            js::set(&o, "reason", &JsValue::from_str(r));
        }
        js::set(&o, "wasiGfxLoaderError", &JsValue::TRUE);
        o.into()
    }
}

impl From<LoadError> for JsValue {
    fn from(e: LoadError) -> JsValue {
        e.to_js()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_kebab_case_code() {
        let all = [
            LoadError::InvalidOptions(String::new()),
            LoadError::FetchFailed {
                url: String::new(),
                detail: String::new(),
            },
            LoadError::TooLarge { limit: 1 },
            LoadError::ComponentInvalid(String::new()),
            LoadError::KeyringInvalid(String::new()),
            LoadError::KeyringRollback {
                url: String::new(),
                got: 1,
                seen: 2,
            },
            LoadError::PolicyInvalid(String::new()),
            LoadError::Refused(gfx_component::PlanError::UnsupportedFeature {
                feature: String::new(),
            }),
            LoadError::Rejected {
                reason: "needs-review",
                message: String::new(),
            },
            LoadError::FallbackUnavailable(String::new()),
            LoadError::Timeout(1),
            LoadError::Aborted,
            LoadError::Internal(String::new()),
        ];
        for e in all {
            let code = e.code();
            assert!(
                !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{code}"
            );
        }
    }
}
