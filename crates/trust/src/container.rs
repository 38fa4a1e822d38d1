//! The WebAssembly container: the 8-byte preamble and the top-level sections.
//!
//! This module owns *where* the signature lives: one custom section named
//! [`SIGNATURE_SECTION`], and only at index 0 (directly after the preamble).
//! It also owns the digest of a file, which covers the preamble and every
//! other top-level section byte for byte, i.e. the unsigned file.
//!
//! Nested modules inside a component are opaque section contents here: they
//! are covered by the digest, and a custom section of our name inside them
//! means nothing.

use core::ops::Range;

use sha2::{Digest as _, Sha256};

use crate::digest::Digest;
use crate::leb::{self, LebError};

/// Name of the custom section that carries signatures.
///
/// Deliberately not `signature`, which is the tool-conventions / wasmsign2
/// format (Ed25519 only).
pub const SIGNATURE_SECTION: &str = "wasi-gfx-signature";

/// Preamble of a core module: `\0asm` and version 1.
pub const MODULE_PREAMBLE: [u8; 8] = *b"\0asm\x01\x00\x00\x00";
/// Preamble of a component: `\0asm`, version 0x0d, layer 1.
pub const COMPONENT_PREAMBLE: [u8; 8] = *b"\0asm\x0d\x00\x01\x00";

/// Hard cap on the number of top-level sections we walk.
pub const MAX_SECTIONS: usize = 1 << 20;
/// Hard cap on the size of the signature section's content.
pub const MAX_SIGNATURE_SECTION: usize = 1 << 20;

/// What kind of WebAssembly binary the preamble announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A core module.
    Module,
    /// A component (component model, layer 1).
    Component,
}

/// A structural problem with the container.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    /// The file is shorter than the 8-byte preamble.
    #[error("file is {0} bytes, shorter than the 8-byte WebAssembly preamble")]
    TooShort(usize),
    /// The preamble is neither a module's nor a component's.
    #[error("not a WebAssembly module or component (preamble {0})")]
    BadPreamble(String),
    /// A section header's size is unreadable.
    #[error("section {index} at byte {offset}: size is unreadable: {source}")]
    BadSectionSize {
        /// Index of the section.
        index: usize,
        /// Byte offset of the section's id.
        offset: usize,
        /// The LEB128 problem.
        source: LebError,
    },
    /// A section claims more bytes than the file has.
    #[error("section {index} at byte {offset} claims {size} bytes but only {available} remain")]
    SectionOverrun {
        /// Index of the section.
        index: usize,
        /// Byte offset of the section's id.
        offset: usize,
        /// Claimed size.
        size: u32,
        /// Bytes left in the file.
        available: usize,
    },
    /// A custom section's name is unreadable or not UTF-8.
    #[error("custom section {index} at byte {offset} has a malformed name")]
    BadCustomName {
        /// Index of the section.
        index: usize,
        /// Byte offset of the section's id.
        offset: usize,
    },
    /// More sections than [`MAX_SECTIONS`].
    #[error("more than {MAX_SECTIONS} top-level sections")]
    TooManySections,
    /// The signature section appears somewhere other than index 0.
    #[error("signature section found at index {index} (byte {offset}); it is only valid as the first section")]
    SignatureMisplaced {
        /// Index of the section.
        index: usize,
        /// Byte offset of the section's id.
        offset: usize,
    },
    /// The file ended inside the signature section.
    #[error("file ends inside the signature section")]
    SignatureTruncated,
    /// The signature section is larger than [`MAX_SIGNATURE_SECTION`].
    #[error("signature section is {0} bytes, more than the {MAX_SIGNATURE_SECTION}-byte cap")]
    SignatureTooLarge(usize),
}

/// One top-level section, as byte ranges into the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Section id (0 = custom).
    pub id: u8,
    /// The whole section: id, size and content.
    pub range: Range<usize>,
    /// The content (after the size; for custom sections this includes the name).
    pub content: Range<usize>,
    /// The name, for custom sections.
    pub custom_name: Option<String>,
}

/// A structurally valid file, with the signature section located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// Module or component.
    pub kind: Kind,
    /// Every top-level section in order, the signature section included.
    pub sections: Vec<Section>,
    /// Range of the signature section's payload (after its name), if the file is signed.
    pub signature_payload: Option<Range<usize>>,
    /// Range of the whole signature section (id, size, name, payload), if signed.
    pub signature_section: Option<Range<usize>>,
}

impl Container {
    /// Walks the top-level structure of `bytes`.
    ///
    /// Fails on any structural defect, on a signature section anywhere but
    /// index 0, and on a second signature section.
    pub fn parse(bytes: &[u8]) -> Result<Self, ContainerError> {
        let kind = preamble_kind(bytes)?;
        let mut sections = Vec::new();
        let mut signature_payload = None;
        let mut signature_section = None;
        let mut offset = MODULE_PREAMBLE.len();
        while offset < bytes.len() {
            let index = sections.len();
            if index >= MAX_SECTIONS {
                return Err(ContainerError::TooManySections);
            }
            let (section, payload) = read_section(bytes, offset, index)?;
            if section.custom_name.as_deref() == Some(SIGNATURE_SECTION) {
                if index != 0 {
                    return Err(ContainerError::SignatureMisplaced { index, offset });
                }
                let payload = payload.unwrap_or(section.content.end..section.content.end);
                if payload.len() > MAX_SIGNATURE_SECTION {
                    return Err(ContainerError::SignatureTooLarge(payload.len()));
                }
                signature_payload = Some(payload);
                signature_section = Some(section.range.clone());
            }
            offset = section.range.end;
            sections.push(section);
        }
        Ok(Container {
            kind,
            sections,
            signature_payload,
            signature_section,
        })
    }

    /// The digest of the unsigned file: SHA-256 over the preamble and every
    /// section except the signature section.
    pub fn digest(&self, bytes: &[u8]) -> Digest {
        let mut hasher = Sha256::new();
        for part in self.unsigned_parts(bytes) {
            hasher.update(part);
        }
        Digest(hasher.finalize().into())
    }

    /// The file without its signature section, as (at most) two slices.
    pub fn unsigned_parts<'a>(&self, bytes: &'a [u8]) -> [&'a [u8]; 2] {
        match &self.signature_section {
            Some(sig) => [&bytes[..sig.start], &bytes[sig.end..]],
            None => [bytes, &[]],
        }
    }

    /// The file without its signature section, as one buffer.
    pub fn unsigned_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        self.unsigned_parts(bytes).concat()
    }
}

/// The kind the preamble announces.
pub fn preamble_kind(bytes: &[u8]) -> Result<Kind, ContainerError> {
    let Some(preamble) = bytes.get(..8) else {
        return Err(ContainerError::TooShort(bytes.len()));
    };
    if preamble == MODULE_PREAMBLE {
        Ok(Kind::Module)
    } else if preamble == COMPONENT_PREAMBLE {
        Ok(Kind::Component)
    } else {
        Err(ContainerError::BadPreamble(hex::encode(preamble)))
    }
}

/// Reads the section starting at `offset`; also returns the payload range of a custom section.
fn read_section(
    bytes: &[u8],
    offset: usize,
    index: usize,
) -> Result<(Section, Option<Range<usize>>), ContainerError> {
    let id = bytes[offset];
    let (size, size_len) =
        leb::read_u32(&bytes[offset + 1..]).map_err(|source| ContainerError::BadSectionSize {
            index,
            offset,
            source,
        })?;
    let start = offset + 1 + size_len;
    let available = bytes.len() - start;
    if size as usize > available {
        return Err(ContainerError::SectionOverrun {
            index,
            offset,
            size,
            available,
        });
    }
    let content = start..start + size as usize;
    let (custom_name, payload) = if id == 0 {
        let (name, payload) = custom_name(&bytes[content.clone()])
            .ok_or(ContainerError::BadCustomName { index, offset })?;
        (
            Some(name.to_owned()),
            Some(content.start + payload..content.end),
        )
    } else {
        (None, None)
    };
    Ok((
        Section {
            id,
            range: offset..content.end,
            content,
            custom_name,
        },
        payload,
    ))
}

/// Splits a custom section's content into its name and the offset of its payload.
pub(crate) fn custom_name(content: &[u8]) -> Option<(&str, usize)> {
    let (len, len_len) = leb::read_u32(content).ok()?;
    let end = len_len.checked_add(len as usize)?;
    let name = core::str::from_utf8(content.get(len_len..end)?).ok()?;
    Some((name, end))
}

/// Encodes a complete signature section (id, size, name, payload).
pub fn encode_signature_section(payload: &[u8]) -> Vec<u8> {
    let name = SIGNATURE_SECTION.as_bytes();
    let mut content = Vec::with_capacity(1 + name.len() + payload.len());
    leb::write_u32(&mut content, name.len() as u32);
    content.extend_from_slice(name);
    content.extend_from_slice(payload);
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(0);
    leb::write_u32(&mut out, content.len() as u32);
    out.extend_from_slice(&content);
    out
}

/// Builds a file with `payload` as its signature section, replacing any existing one.
pub fn with_signature_payload(bytes: &[u8], payload: &[u8]) -> Result<Vec<u8>, ContainerError> {
    if payload.len() > MAX_SIGNATURE_SECTION {
        return Err(ContainerError::SignatureTooLarge(payload.len()));
    }
    let container = Container::parse(bytes)?;
    let [head, tail] = container.unsigned_parts(bytes);
    let section = encode_signature_section(payload);
    let mut out = Vec::with_capacity(bytes.len() + section.len());
    out.extend_from_slice(&head[..8]);
    out.extend_from_slice(&section);
    out.extend_from_slice(&head[8..]);
    out.extend_from_slice(tail);
    Ok(out)
}

/// Removes the signature section, returning the unsigned file.
pub fn strip_signature(bytes: &[u8]) -> Result<Vec<u8>, ContainerError> {
    let container = Container::parse(bytes)?;
    Ok(container.unsigned_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(sections: &[&[u8]]) -> Vec<u8> {
        let mut out = COMPONENT_PREAMBLE.to_vec();
        for s in sections {
            out.extend_from_slice(s);
        }
        out
    }

    fn custom(name: &str, payload: &[u8]) -> Vec<u8> {
        let mut content = Vec::new();
        leb::write_u32(&mut content, name.len() as u32);
        content.extend_from_slice(name.as_bytes());
        content.extend_from_slice(payload);
        let mut out = vec![0];
        leb::write_u32(&mut out, content.len() as u32);
        out.extend(content);
        out
    }

    #[test]
    fn unsigned_digest_is_the_plain_sha256_of_the_file() {
        let file = component(&[&custom("x", b"abc")]);
        let c = Container::parse(&file).unwrap();
        assert_eq!(c.digest(&file).0, <[u8; 32]>::from(Sha256::digest(&file)));
        assert!(c.signature_payload.is_none());
    }

    #[test]
    fn digest_ignores_only_the_signature_section() {
        let plain = component(&[&custom("x", b"abc")]);
        let signed = with_signature_payload(&plain, b"sig").unwrap();
        let c = Container::parse(&signed).unwrap();
        assert_eq!(&signed[c.signature_payload.clone().unwrap()], b"sig");
        assert_eq!(
            c.digest(&signed),
            Container::parse(&plain).unwrap().digest(&plain)
        );
        assert_eq!(strip_signature(&signed).unwrap(), plain);
    }

    #[test]
    fn signature_section_after_index_zero_is_rejected() {
        let file = component(&[&custom("x", b""), &custom(SIGNATURE_SECTION, b"s")]);
        assert!(matches!(
            Container::parse(&file),
            Err(ContainerError::SignatureMisplaced { index: 1, .. })
        ));
    }

    #[test]
    fn non_minimal_section_size_is_rejected() {
        let mut file = COMPONENT_PREAMBLE.to_vec();
        file.extend_from_slice(&[0x01, 0x81, 0x00, 0xaa]);
        assert!(matches!(
            Container::parse(&file),
            Err(ContainerError::BadSectionSize {
                source: LebError::NotMinimal,
                ..
            })
        ));
    }
}
