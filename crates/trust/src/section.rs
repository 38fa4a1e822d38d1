//! The signature section's payload: a versioned list of DSSE envelopes.
//!
//! ```text
//! payload  = version:u8(=1) count:leb128(1..=16) envelope{count}
//! envelope = len:leb128(1..=65536) json-bytes[len]
//! ```
//!
//! LEB128 values must be minimal, and no byte may follow the last envelope.
//! Several envelopes let several signers make different claims about the
//! same bytes; several signatures in one envelope co-sign the same claims.

use crate::dsse::{Envelope, EnvelopeError, MAX_ENVELOPE_BYTES};
use crate::leb::{self, LebError};

/// The payload format version this crate reads and writes.
pub const FORMAT_VERSION: u8 = 1;
/// Hard cap on envelopes in one section.
pub const MAX_ENVELOPES: usize = 16;

/// A problem with the signature section's payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SectionError {
    /// The payload is empty.
    #[error("signature section is empty")]
    Empty,
    /// An unknown format version.
    #[error("signature section format version {0} is not supported (expected {FORMAT_VERSION})")]
    Version(u8),
    /// A count or length is unreadable.
    #[error("signature section: {what}: {source}")]
    Leb {
        /// Which value.
        what: &'static str,
        /// The LEB128 problem.
        source: LebError,
    },
    /// Zero envelopes or more than [`MAX_ENVELOPES`].
    #[error("signature section holds {0} envelopes (1 to {MAX_ENVELOPES} allowed)")]
    Count(u32),
    /// An envelope length of 0 or beyond the cap or the payload.
    #[error("envelope {index} claims {len} bytes, which is zero, over the cap, or past the end")]
    Length {
        /// Envelope index.
        index: usize,
        /// Claimed length.
        len: u32,
    },
    /// Bytes after the last envelope.
    #[error("{0} trailing bytes after the last envelope")]
    Trailing(usize),
    /// An envelope is not a valid DSSE envelope.
    #[error("envelope {index}: {source}")]
    Envelope {
        /// Envelope index.
        index: usize,
        /// The envelope problem.
        source: EnvelopeError,
    },
}

/// Parses a signature section payload.
pub fn decode(payload: &[u8]) -> Result<Vec<Envelope>, SectionError> {
    let (&version, mut rest) = payload.split_first().ok_or(SectionError::Empty)?;
    if version != FORMAT_VERSION {
        return Err(SectionError::Version(version));
    }
    let (count, n) = leb::read_u32(rest).map_err(|source| SectionError::Leb {
        what: "envelope count",
        source,
    })?;
    rest = &rest[n..];
    if count == 0 || count as usize > MAX_ENVELOPES {
        return Err(SectionError::Count(count));
    }
    let mut envelopes = Vec::with_capacity(count as usize);
    for index in 0..count as usize {
        let (len, n) = leb::read_u32(rest).map_err(|source| SectionError::Leb {
            what: "envelope length",
            source,
        })?;
        rest = &rest[n..];
        let len_usize = len as usize;
        if len == 0 || len_usize > MAX_ENVELOPE_BYTES || len_usize > rest.len() {
            return Err(SectionError::Length { index, len });
        }
        let (json, tail) = rest.split_at(len_usize);
        envelopes.push(
            Envelope::from_json(json).map_err(|source| SectionError::Envelope { index, source })?,
        );
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(SectionError::Trailing(rest.len()));
    }
    Ok(envelopes)
}

/// Encodes envelopes as a signature section payload.
pub fn encode(envelopes: &[Envelope]) -> Vec<u8> {
    let mut out = vec![FORMAT_VERSION];
    leb::write_u32(&mut out, envelopes.len() as u32);
    for env in envelopes {
        let json = env.to_json();
        leb::write_u32(&mut out, json.len() as u32);
        out.extend_from_slice(json.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsse::EnvelopeSignature;

    fn env() -> Envelope {
        Envelope {
            payload: "e30=".into(),
            payload_type: "t".into(),
            signatures: vec![EnvelopeSignature {
                keyid: None,
                sig: "AA==".into(),
            }],
        }
    }

    #[test]
    fn encode_then_decode_is_identity() {
        let e = vec![env(), env()];
        assert_eq!(decode(&encode(&e)).unwrap(), e);
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        let mut p = encode(&[env()]);
        p.push(0);
        assert_eq!(decode(&p), Err(SectionError::Trailing(1)));
    }

    #[test]
    fn non_minimal_count_is_rejected() {
        let mut p = encode(&[env()]);
        p.splice(1..2, [0x81, 0x00]);
        assert!(matches!(
            decode(&p),
            Err(SectionError::Leb {
                source: LebError::NotMinimal,
                ..
            })
        ));
    }

    #[test]
    fn oversized_counts_are_rejected() {
        let mut p = vec![FORMAT_VERSION];
        leb::write_u32(&mut p, 1_000_000);
        assert_eq!(decode(&p), Err(SectionError::Count(1_000_000)));
        let mut p = vec![FORMAT_VERSION, 1];
        leb::write_u32(&mut p, u32::MAX);
        assert!(matches!(decode(&p), Err(SectionError::Length { .. })));
    }
}
