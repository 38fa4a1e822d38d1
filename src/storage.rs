//! What the loader remembers in the page origin's `localStorage`: consent answers and the newest
//! keyring sequence per URL. Every key starts with [`PREFIX`]. Where storage is unavailable
//! (opaque origins, disabled storage, quota) the loader simply remembers nothing.

/// Prefix of every key the loader writes.
pub const PREFIX: &str = "wasi-gfx-loader:v1:";

fn local_storage() -> Option<web_sys::Storage> {
    crate::js::window()?.local_storage().ok().flatten()
}

/// The stored value, if any.
pub fn get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// Stores a value; failures (quota, disabled storage) are ignored: remembering is best effort.
pub fn set(key: &str, value: &str) {
    if let Some(s) = local_storage() {
        let _ = s.set_item(key, value);
    }
}

/// Removes every key starting with `prefix`; returns how many.
pub fn remove_prefixed(prefix: &str) -> u32 {
    let Some(s) = local_storage() else { return 0 };
    let n = s.length().unwrap_or(0);
    let keys: Vec<String> = (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(prefix))
        .collect();
    for k in &keys {
        let _ = s.remove_item(k);
    }
    keys.len() as u32
}
