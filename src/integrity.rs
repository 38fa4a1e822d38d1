//! Integrity: the digest of the unsigned component and the verdict of its signatures.
//!
//! Two SHA-256 implementations compute the same digest: WebCrypto (`crypto.subtle.digest`, native
//! code, several times faster than wasm; present in secure contexts) and the `sha2` crate in wasm
//! (everywhere; it can hash while the bytes stream in). The ECDSA P-256 check and everything after
//! it is `gfx-trust`, compiled to wasm, in both cases — the same code the CLI and the render server
//! run, so all three reach the same verdict on the same bytes.
//!
//! The unsigned file is the preamble followed by every section after the signature section. Rather
//! than copy it, [`Checked`] moves the 8-byte preamble in place over the end of the (already
//! extracted) signature section, so the unsigned component is one contiguous slice of the
//! downloaded buffer: what WebCrypto hashes, and what later stages compile.

use gfx_trust::container::Container;
use gfx_trust::digest::Digester;
use gfx_trust::verify::verify_section;
use gfx_trust::{Digest, Keyring, Verdict};
use js_sys::{Uint8Array, WebAssembly};
use wasm_bindgen::JsCast;

use crate::error::LoadError;
use crate::js;
use crate::options::HashChoice;

/// Which SHA-256 ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashEngine {
    /// `crypto.subtle.digest`.
    WebCrypto,
    /// The `sha2` crate, in wasm.
    Wasm,
}

impl HashEngine {
    /// `webcrypto` / `wasm`.
    pub fn as_str(self) -> &'static str {
        match self {
            HashEngine::WebCrypto => "webcrypto",
            HashEngine::Wasm => "wasm",
        }
    }

    /// The engine `choice` selects in this browser.
    pub fn select(choice: HashChoice) -> Result<HashEngine, LoadError> {
        match choice {
            HashChoice::Wasm => Ok(HashEngine::Wasm),
            HashChoice::WebCrypto if webcrypto_available() => Ok(HashEngine::WebCrypto),
            HashChoice::WebCrypto => Err(LoadError::InvalidOptions(
                "options.hash is 'webcrypto' but crypto.subtle is not available (insecure context?)"
                    .into(),
            )),
            HashChoice::Auto if webcrypto_available() => Ok(HashEngine::WebCrypto),
            HashChoice::Auto => Ok(HashEngine::Wasm),
        }
    }
}

/// Whether `crypto.subtle` exists here.
pub fn webcrypto_available() -> bool {
    let crypto = js::get(&js_sys::global(), "crypto");
    let subtle = js::get(&crypto, "subtle");
    !subtle.is_undefined() && !subtle.is_null()
}

/// A component whose signatures have been checked.
pub struct Checked {
    /// The verdict.
    pub verdict: Verdict,
    /// Its digest (also in the verdict).
    pub digest: Digest,
    /// Which SHA-256 ran.
    pub engine: HashEngine,
    /// Time spent hashing and verifying, ms.
    pub ms: f64,
    bytes: Vec<u8>,
    start: usize,
}

impl Checked {
    /// The unsigned component (the file without its signature section).
    pub fn component(&self) -> &[u8] {
        &self.bytes[self.start..]
    }
}

/// Checks `bytes` against `keyring` as of `now`.
///
/// `streamed` is a digester that already saw every byte (the wasm path while downloading); without
/// it the wasm path hashes here. A file whose structure cannot be read at all is
/// [`LoadError::ComponentInvalid`]; every other problem is a verdict (`unsigned`,
/// `signature-invalid`, `malformed`, …).
pub async fn check(
    mut bytes: Vec<u8>,
    streamed: Option<Digester>,
    engine: HashEngine,
    keyring: &Keyring,
    now: time::OffsetDateTime,
) -> Result<Checked, LoadError> {
    let started = js::now_ms();
    let container =
        Container::parse(&bytes).map_err(|e| LoadError::ComponentInvalid(e.to_string()))?;
    let payload: Option<Vec<u8>> = container
        .signature_payload
        .clone()
        .and_then(|r| bytes.get(r))
        .map(<[u8]>::to_vec);
    let start = unsign_in_place(&mut bytes, &container);
    let digest = match (engine, streamed) {
        (HashEngine::Wasm, Some(d)) => {
            let (digest, _) = d
                .finish()
                .map_err(|e| LoadError::ComponentInvalid(e.to_string()))?;
            digest
        }
        (HashEngine::Wasm, None) => Digest::of(&bytes[start..]),
        (HashEngine::WebCrypto, _) => webcrypto_sha256(&bytes[start..]).await?,
    };
    let verdict = verify_section(payload.as_deref(), digest, keyring, now);
    Ok(Checked {
        verdict,
        digest,
        engine,
        ms: js::now_ms() - started,
        bytes,
        start,
    })
}

/// Rewrites `bytes` so that `bytes[start..]` is the unsigned file, and returns `start`.
///
/// The signature section sits right after the preamble (index 0), so copying the preamble over its
/// last 8 bytes leaves exactly "preamble ‖ every other section" from there on.
fn unsign_in_place(bytes: &mut [u8], container: &Container) -> usize {
    match &container.signature_section {
        Some(sig) if sig.start == 8 && sig.len() >= 8 && sig.end <= bytes.len() => {
            let start = sig.end - 8;
            bytes.copy_within(0..8, start);
            start
        }
        _ => 0,
    }
}

/// SHA-256 by WebCrypto of a slice of wasm memory.
///
/// `digest()` copies its input before returning (WebCrypto spec, "get a copy of the bytes held
/// by"), and nothing allocates between taking the view and the call, so the view cannot go stale.
async fn webcrypto_sha256(data: &[u8]) -> Result<Digest, LoadError> {
    let internal = |what: &str, e: &wasm_bindgen::JsValue| {
        LoadError::Internal(format!("WebCrypto {what}: {}", js::describe(e)))
    };
    let crypto = js::get(&js_sys::global(), "crypto");
    let subtle: web_sys::SubtleCrypto = js::get(&crypto, "subtle")
        .dyn_into()
        .map_err(|e| internal("unavailable", &e))?;
    let memory: WebAssembly::Memory = wasm_bindgen::memory()
        .dyn_into()
        .map_err(|e| internal("memory", &e))?;
    let view = Uint8Array::new_with_byte_offset_and_length(
        &memory.buffer(),
        data.as_ptr() as u32,
        data.len() as u32,
    );
    let promise = subtle
        .digest_with_str_and_buffer_source("SHA-256", &view)
        .map_err(|e| internal("digest", &e))?;
    let out = js::wait(promise)
        .await
        .map_err(|e| internal("digest", &e))?;
    let out = Uint8Array::new(&out);
    let mut digest = [0u8; 32];
    if out.length() != 32 {
        return Err(LoadError::Internal(format!(
            "WebCrypto SHA-256 returned {} bytes",
            out.length()
        )));
    }
    out.copy_to(&mut digest);
    Ok(Digest(digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigning_in_place_leaves_the_unsigned_file() {
        let key = gfx_trust::SigningKey::from_secret_bytes(&[7; 32]).expect("key");
        let unsigned = b"\0asm\x0d\x00\x01\x00\x00\x03\x01ab".to_vec();
        let claims = gfx_trust::Claims {
            level: gfx_trust::TrustLevel::PublisherSigned,
            signer: "t".into(),
            name: None,
            version: None,
            capabilities: vec![],
            issued_at: time::OffsetDateTime::UNIX_EPOCH,
            expires_at: None,
        };
        let mut signed = gfx_trust::sign::sign(&unsigned, &key, claims, "t").expect("sign");
        let container = Container::parse(&signed).expect("parse");
        let start = unsign_in_place(&mut signed, &container);
        assert_eq!(&signed[start..], &unsigned[..]);
        assert_eq!(Digest::of(&signed[start..]), Digest::of(&unsigned));
    }

    #[test]
    fn an_unsigned_file_is_left_alone() {
        let mut bytes = b"\0asm\x0d\x00\x01\x00\x00\x03\x01ab".to_vec();
        let container = Container::parse(&bytes).expect("parse");
        assert_eq!(unsign_in_place(&mut bytes, &container), 0);
        assert_eq!(&bytes[..], b"\0asm\x0d\x00\x01\x00\x00\x03\x01ab");
    }
}
