//! Content digests (`sha256:<hex>`) and the streaming digester.
//!
//! [`Digester`] computes the same digest as [`Container::digest`] while the
//! bytes are still arriving: it recognises the signature section at the front
//! of the stream, keeps it aside, and hashes everything else as it comes. The
//! structure of the whole file is still checked afterwards by
//! [`Container::parse`]; the digester only needs the first section header.
//!
//! [`Container::digest`]: crate::container::Container::digest
//! [`Container::parse`]: crate::container::Container::parse

use core::fmt;
use core::str::FromStr;

use sha2::{Digest as _, Sha256};

use crate::container::{Container, ContainerError, MAX_SIGNATURE_SECTION, SIGNATURE_SECTION};
use crate::leb;

/// A SHA-256 digest, written `sha256:<64 lowercase hex digits>`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Digest(Sha256::digest(bytes).into())
    }

    /// The 64 lowercase hex digits, without the `sha256:` prefix.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a digest string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected `sha256:` followed by 64 lowercase hex digits")]
pub struct DigestParseError;

impl FromStr for Digest {
    type Err = DigestParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex = s.strip_prefix("sha256:").ok_or(DigestParseError)?;
        parse_hex32(hex).map(Digest).ok_or(DigestParseError)
    }
}

/// Parses exactly 64 lowercase hex digits.
pub(crate) fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Where the streaming digester is.
enum State {
    /// Collecting the preamble and the first section's header.
    Head(Vec<u8>),
    /// Inside the signature section: `remaining` bytes of it still to come.
    Signature { remaining: usize },
    /// Past the signature section (or there is none): hash everything.
    Body,
}

/// Computes a file's digest incrementally, keeping the signature section aside.
///
/// ```
/// # use gfx_trust::digest::Digester;
/// let file = b"\0asm\x0d\x00\x01\x00";
/// let mut d = Digester::new();
/// d.update(&file[..3]);
/// d.update(&file[3..]);
/// let (digest, signature) = d.finish().unwrap();
/// assert_eq!(digest, gfx_trust::Digest::of(file));
/// assert!(signature.is_none());
/// ```
pub struct Digester {
    state: State,
    hasher: Sha256,
    signature: Option<Vec<u8>>,
    len: u64,
}

impl Default for Digester {
    fn default() -> Self {
        Self::new()
    }
}

/// How far the head of the stream has been understood.
enum Head {
    /// More bytes are needed to decide.
    NeedMore,
    /// The first section is the signature section: its header is `header_len`
    /// bytes (id, size, name) and its payload `payload_len` bytes.
    Signed {
        header_len: usize,
        payload_len: usize,
    },
    /// The first section (if any) is not ours.
    Unsigned,
}

impl Digester {
    /// A digester at the start of a file.
    pub fn new() -> Self {
        Digester {
            state: State::Head(Vec::new()),
            hasher: Sha256::new(),
            signature: None,
            len: 0,
        }
    }

    /// Feeds the next chunk of the file.
    pub fn update(&mut self, mut chunk: &[u8]) {
        self.len += chunk.len() as u64;
        while !chunk.is_empty() {
            match &mut self.state {
                State::Body => {
                    self.hasher.update(chunk);
                    return;
                }
                State::Signature { remaining } => {
                    let take = (*remaining).min(chunk.len());
                    if let Some(sig) = &mut self.signature {
                        sig.extend_from_slice(&chunk[..take]);
                    }
                    *remaining -= take;
                    chunk = &chunk[take..];
                    if *remaining == 0 {
                        self.state = State::Body;
                    }
                }
                State::Head(head) => {
                    head.extend_from_slice(chunk);
                    chunk = &[];
                    let head = core::mem::take(head);
                    self.decide(head);
                }
            }
        }
    }

    /// Tries to classify the buffered head and moves to the next state.
    fn decide(&mut self, head: Vec<u8>) {
        match classify(&head) {
            Head::NeedMore => self.state = State::Head(head),
            Head::Unsigned => {
                self.hasher.update(&head);
                self.state = State::Body;
            }
            Head::Signed {
                header_len,
                payload_len,
            } => {
                self.hasher.update(&head[..8]);
                let payload_start = header_len;
                let available = head.len() - payload_start;
                let in_head = available.min(payload_len);
                let mut sig = Vec::with_capacity(payload_len);
                sig.extend_from_slice(&head[payload_start..payload_start + in_head]);
                self.signature = Some(sig);
                let rest = &head[payload_start + in_head..];
                if in_head == payload_len {
                    self.state = State::Body;
                    self.hasher.update(rest);
                } else {
                    self.state = State::Signature {
                        remaining: payload_len - in_head,
                    };
                }
            }
        }
    }

    /// Total bytes fed so far.
    pub fn bytes_seen(&self) -> u64 {
        self.len
    }

    /// The digest of the unsigned file, and the signature section's payload if
    /// the file starts with one.
    ///
    /// Fails if the stream ended inside the preamble, the first section
    /// header, or the signature section.
    pub fn finish(self) -> Result<(Digest, Option<Vec<u8>>), ContainerError> {
        match self.state {
            State::Body => Ok((Digest(self.hasher.finalize().into()), self.signature)),
            State::Signature { .. } => Err(ContainerError::SignatureTruncated),
            State::Head(head) => {
                // The stream ended before its head could be classified: it is a
                // preamble alone, or a defective file the structure check names.
                Container::parse(&head)?;
                let mut hasher = self.hasher;
                hasher.update(&head);
                Ok((Digest(hasher.finalize().into()), None))
            }
        }
    }
}

/// Classifies the head of a stream (preamble + first section header).
fn classify(head: &[u8]) -> Head {
    if head.len() < 8 {
        return Head::NeedMore;
    }
    let rest = &head[8..];
    let Some(&id) = rest.first() else {
        return Head::NeedMore;
    };
    if id != 0 {
        return Head::Unsigned;
    }
    let (size, size_len) = match leb::read_u32(&rest[1..]) {
        Ok(v) => v,
        Err(leb::LebError::Truncated) => return Head::NeedMore,
        Err(_) => return Head::Unsigned, // structure check reports it later
    };
    let name_at = 1 + size_len;
    let (name_len, name_len_len) = match leb::read_u32(&rest[name_at..]) {
        Ok(v) => v,
        Err(leb::LebError::Truncated) => return Head::NeedMore,
        Err(_) => return Head::Unsigned,
    };
    if name_len as usize != SIGNATURE_SECTION.len() {
        return Head::Unsigned;
    }
    let name_start = name_at + name_len_len;
    let Some(name) = rest.get(name_start..name_start + name_len as usize) else {
        return Head::NeedMore;
    };
    if name != SIGNATURE_SECTION.as_bytes() {
        return Head::Unsigned;
    }
    let header_in_content = name_len_len + name_len as usize;
    let Some(payload_len) = (size as usize).checked_sub(header_in_content) else {
        return Head::Unsigned; // name overruns the section: structurally invalid
    };
    if payload_len > MAX_SIGNATURE_SECTION {
        return Head::Unsigned; // rejected by the structure check
    }
    Head::Signed {
        header_len: 8 + name_start + name_len as usize,
        payload_len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{with_signature_payload, COMPONENT_PREAMBLE};
    use proptest::prelude::*;

    fn sample(payload_len: usize, body: &[u8]) -> Vec<u8> {
        let mut file = COMPONENT_PREAMBLE.to_vec();
        file.extend_from_slice(body);
        with_signature_payload(&file, &vec![7u8; payload_len]).unwrap()
    }

    #[test]
    fn digest_display_round_trips() {
        let d = Digest::of(b"x");
        assert_eq!(d.to_string().parse::<Digest>(), Ok(d));
        assert!("sha256:ABC".parse::<Digest>().is_err());
        assert!(d.to_string().to_uppercase().parse::<Digest>().is_err());
    }

    proptest! {
        #[test]
        fn streaming_digest_matches_container_digest_for_any_chunking(
            payload_len in 0usize..300,
            body in proptest::collection::vec(1u8..=12, 0..40),
            cuts in proptest::collection::vec(0usize..400, 0..6),
        ) {
            // body: a run of tiny non-custom sections (id 1..=12, size 0) -> valid structure
            let body: Vec<u8> = body.iter().flat_map(|&id| [id, 0]).collect();
            let file = sample(payload_len, &body);
            let container = Container::parse(&file).unwrap();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (file.len() + 1)).collect();
            cuts.sort();
            let mut d = Digester::new();
            let mut at = 0;
            for c in cuts { d.update(&file[at..c]); at = c; }
            d.update(&file[at..]);
            let (digest, sig) = d.finish().unwrap();
            prop_assert_eq!(digest, container.digest(&file));
            prop_assert_eq!(sig.as_deref(), Some(&file[container.signature_payload.clone().unwrap()]));
        }

        #[test]
        fn streaming_arbitrary_bytes_never_panics(bytes: Vec<u8>, cut in 0usize..64) {
            let mut d = Digester::new();
            let cut = cut.min(bytes.len());
            d.update(&bytes[..cut]);
            d.update(&bytes[cut..]);
            let _ = d.finish();
        }
    }
}
