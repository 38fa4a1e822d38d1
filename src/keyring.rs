//! The page's keyring: given inline or fetched from a URL, parsed by `gfx-trust`, and — for
//! keyrings fetched from a URL — checked against rollback: this browser remembers the highest
//! `sequence` it has seen from each URL (in `localStorage`) and refuses an older keyring from it.

use gfx_trust::Keyring;
use web_sys::AbortSignal;

use crate::early::Early;
use crate::error::LoadError;
use crate::options::KeyringSource;
use crate::{js, source, storage};

/// Largest keyring accepted, bytes.
pub const MAX_KEYRING_BYTES: usize = 1 << 20;

/// The keyring, ready for verification.
pub async fn resolve(
    source: &KeyringSource,
    signal: Option<&AbortSignal>,
    early: &Early,
) -> Result<Keyring, LoadError> {
    match source {
        KeyringSource::Inline(json) => parse(json.as_bytes()),
        KeyringSource::Url(url) => {
            let response = source::fetch(url, signal, early).await?;
            let text = js::wait(response.text().map_err(|e| LoadError::FetchFailed {
                url: url.clone(),
                detail: js::describe(&e),
            })?)
            .await
            .map_err(|e| LoadError::FetchFailed {
                url: url.clone(),
                detail: js::describe(&e),
            })?
            .as_string()
            .unwrap_or_default();
            let keyring = parse(text.as_bytes())?;
            check_rollback(url, &keyring)?;
            Ok(keyring)
        }
    }
}

fn parse(bytes: &[u8]) -> Result<Keyring, LoadError> {
    if bytes.len() > MAX_KEYRING_BYTES {
        return Err(LoadError::KeyringInvalid(format!(
            "{} bytes, more than the {MAX_KEYRING_BYTES}-byte limit",
            bytes.len()
        )));
    }
    Keyring::from_json(bytes).map_err(|e| LoadError::KeyringInvalid(e.to_string()))
}

fn rollback_key(url: &str) -> String {
    format!("{}keyring-sequence:{url}", storage::PREFIX)
}

/// Refuses a keyring older than the newest seen from `url`, then remembers this one's sequence.
fn check_rollback(url: &str, keyring: &Keyring) -> Result<(), LoadError> {
    let key = rollback_key(url);
    let seen = storage::get(&key).and_then(|v| v.parse::<u64>().ok());
    if let Some(seen) = seen {
        if keyring.check_not_rollback(seen).is_err() {
            return Err(LoadError::KeyringRollback {
                url: url.to_owned(),
                got: keyring.sequence(),
                seen,
            });
        }
    }
    if seen.is_none_or(|s| keyring.sequence() > s) {
        storage::set(&key, &keyring.sequence().to_string());
    }
    Ok(())
}
