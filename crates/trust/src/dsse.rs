//! DSSE: the Dead Simple Signing Envelope (v1.0.0).
//!
//! A signature covers `PAE(payloadType, payload)`, never the JSON. The JSON
//! envelope is only transport; it is parsed strictly (unknown and duplicate
//! fields are errors) and bounded in size.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

/// The payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Hard cap on an envelope's JSON size.
pub const MAX_ENVELOPE_BYTES: usize = 64 * 1024;
/// Hard cap on signatures in one envelope.
pub const MAX_SIGNATURES: usize = 16;

/// A problem decoding an envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Larger than [`MAX_ENVELOPE_BYTES`].
    #[error("envelope is {0} bytes, more than the {MAX_ENVELOPE_BYTES}-byte cap")]
    TooLarge(usize),
    /// Not the JSON shape of a DSSE envelope.
    #[error("not a DSSE envelope: {0}")]
    Json(String),
    /// A base64 field does not decode.
    #[error("DSSE field `{0}` is not valid base64")]
    Base64(&'static str),
    /// No signatures, or more than [`MAX_SIGNATURES`].
    #[error("envelope has {0} signatures (1 to {MAX_SIGNATURES} allowed)")]
    SignatureCount(usize),
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// Unauthenticated hint: `sha256:<hex>` of the signer's SPKI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyid: Option<String>,
    /// base64 of the 64-byte r‖s signature.
    pub sig: String,
}

/// A DSSE JSON envelope.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Envelope {
    /// base64 of the serialized body.
    pub payload: String,
    /// How to interpret the body.
    pub payload_type: String,
    /// The signatures over `PAE(payloadType, payload)`.
    pub signatures: Vec<EnvelopeSignature>,
}

/// DSSE allows standard and URL-safe base64; padding is optional.
const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes standard or URL-safe base64, padded or not.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s).or_else(|_| URL_SAFE.decode(s)).ok()
}

/// Standard padded base64, as the DSSE examples write it.
pub fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The Pre-Authentication Encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let t = payload_type.as_bytes();
    let mut out = Vec::with_capacity(t.len() + body.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(t.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(t);
    out.push(b' ');
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(body);
    out
}

impl Envelope {
    /// Parses an envelope strictly.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeError::TooLarge(bytes.len()));
        }
        let env: Envelope =
            serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Json(e.to_string()))?;
        if env.signatures.is_empty() || env.signatures.len() > MAX_SIGNATURES {
            return Err(EnvelopeError::SignatureCount(env.signatures.len()));
        }
        Ok(env)
    }

    /// Compact JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain strings and vectors cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The decoded body.
    pub fn body(&self) -> Result<Vec<u8>, EnvelopeError> {
        decode_base64(&self.payload).ok_or(EnvelopeError::Base64("payload"))
    }

    /// The bytes every signature must cover.
    pub fn signed_message(&self) -> Result<Vec<u8>, EnvelopeError> {
        Ok(pae(&self.payload_type, &self.body()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_specification_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn unknown_and_duplicate_envelope_fields_are_rejected() {
        let dup = br#"{"payload":"","payload":"","payloadType":"t","signatures":[{"sig":""}]}"#;
        assert!(matches!(
            Envelope::from_json(dup),
            Err(EnvelopeError::Json(_))
        ));
        let unknown = br#"{"payload":"","payloadType":"t","signatures":[{"sig":""}],"x":1}"#;
        assert!(matches!(
            Envelope::from_json(unknown),
            Err(EnvelopeError::Json(_))
        ));
        let none = br#"{"payload":"","payloadType":"t","signatures":[]}"#;
        assert_eq!(
            Envelope::from_json(none),
            Err(EnvelopeError::SignatureCount(0))
        );
    }

    #[test]
    fn both_base64_alphabets_decode() {
        assert_eq!(decode_base64("-_8="), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64("+/8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64("*"), None);
    }
}
