//! Strict unsigned LEB128, as used by the WebAssembly binary format.
//!
//! Decoding is *strict*: only the minimal encoding of a value is accepted
//! (no redundant `0x80` continuation bytes, no trailing zero group), and a
//! value that does not fit in 32 bits is an error. Two parsers that accept
//! only minimal encodings can never disagree about where a section ends.

/// Why a LEB128 value could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LebError {
    /// The input ended in the middle of the value.
    #[error("unexpected end of input inside a LEB128 value")]
    Truncated,
    /// The value does not fit in 32 bits.
    #[error("LEB128 value does not fit in 32 bits")]
    Overflow,
    /// The value was encoded with more bytes than necessary.
    #[error("LEB128 value is not minimally encoded")]
    NotMinimal,
}

/// Reads a strict, minimally encoded `u32` from the front of `input`.
///
/// Returns the value and the number of bytes it occupied.
pub fn read_u32(input: &[u8]) -> Result<(u32, usize), LebError> {
    let mut value: u64 = 0;
    for (i, &byte) in input.iter().enumerate().take(5) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let len = i + 1;
            if value > u64::from(u32::MAX) {
                return Err(LebError::Overflow);
            }
            // A final group of zero after at least one byte means a shorter
            // encoding of the same value exists.
            if len > 1 && byte == 0 {
                return Err(LebError::NotMinimal);
            }
            return Ok((value as u32, len));
        }
    }
    if input.len() >= 5 {
        Err(LebError::Overflow)
    } else {
        Err(LebError::Truncated)
    }
}

/// Appends the minimal LEB128 encoding of `value` to `out`.
pub fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The number of bytes [`write_u32`] produces for `value`.
pub fn encoded_len(value: u32) -> usize {
    match value {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        0x4000..=0x1f_ffff => 3,
        0x20_0000..=0xfff_ffff => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn non_minimal_encodings_are_rejected() {
        assert_eq!(read_u32(&[0x80, 0x00]), Err(LebError::NotMinimal));
        assert_eq!(read_u32(&[0x81, 0x80, 0x00]), Err(LebError::NotMinimal));
        assert_eq!(read_u32(&[0x00]), Ok((0, 1)));
    }

    #[test]
    fn values_beyond_u32_are_rejected() {
        assert_eq!(
            read_u32(&[0xff, 0xff, 0xff, 0xff, 0x1f]),
            Err(LebError::Overflow)
        );
        assert_eq!(read_u32(&[0xff, 0xff, 0xff, 0xff, 0x0f]), Ok((u32::MAX, 5)));
        assert_eq!(
            read_u32(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            Err(LebError::Overflow)
        );
    }

    #[test]
    fn truncated_values_are_rejected() {
        assert_eq!(read_u32(&[]), Err(LebError::Truncated));
        assert_eq!(read_u32(&[0x80]), Err(LebError::Truncated));
    }

    proptest! {
        #[test]
        fn every_u32_round_trips_minimally(v: u32) {
            let mut out = Vec::new();
            write_u32(&mut out, v);
            prop_assert_eq!(out.len(), encoded_len(v));
            prop_assert_eq!(read_u32(&out), Ok((v, out.len())));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes: Vec<u8>) {
            let _ = read_u32(&bytes);
        }
    }
}
