//! JSON documents (keyrings, policies) into their types, with the field path in errors where the
//! `field-paths` feature is on.

use serde::de::DeserializeOwned;

/// Deserializes `bytes`; the error names the field (`at `levels.trusted`: ...`) with
/// `field-paths`, else serde_json's message (line, column, what was expected).
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    #[cfg(feature = "field-paths")]
    {
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(de)
            .map_err(|e| format!("at `{}`: {}", e.path(), e.inner()))
    }
    #[cfg(not(feature = "field-paths"))]
    {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}
