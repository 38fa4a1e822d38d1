//! `PublicKey::from_pem` / `from_spki_der` against the RustCrypto SPKI decoder they replaced
//! (p256's `DecodePublicKey`, still linked here through the private-key PEM support): the same
//! inputs are accepted, with the same key id, and PEM-level failures keep their messages.

use gfx_trust::key::{KeyError, PublicKey};
use gfx_trust::Digest;
use p256::ecdsa::VerifyingKey;
use p256::pkcs8::{DecodePublicKey, EncodePublicKey};
use proptest::prelude::*;

/// The key id the old code computed (SHA-256 of the re-encoded SPKI), or its error message.
fn oracle(key: Result<VerifyingKey, p256::pkcs8::spki::Error>) -> Result<[u8; 32], String> {
    let key = key.map_err(|e| e.to_string())?;
    Ok(Digest::of(key.to_public_key_der().unwrap().as_bytes()).0)
}

fn ours(key: Result<PublicKey, KeyError>) -> Result<[u8; 32], String> {
    match key {
        Ok(k) => {
            assert_eq!(k.id().0, Digest::of(k.spki_der()).0);
            Ok(k.id().0)
        }
        Err(KeyError::BadPublicKey(m)) => Err(m),
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

fn check_der(der: &[u8]) {
    let want = oracle(VerifyingKey::from_public_key_der(der));
    let got = ours(PublicKey::from_spki_der(der));
    assert_eq!(
        got.is_ok(),
        want.is_ok(),
        "{der:02x?}: ours {got:?}, oracle {want:?}"
    );
    if want.is_ok() {
        assert_eq!(got, want);
    }
}

fn check_pem(pem: &str) {
    let want = oracle(VerifyingKey::from_public_key_pem(pem.trim()));
    let got = ours(PublicKey::from_pem(pem));
    assert_eq!(
        got.is_ok(),
        want.is_ok(),
        "{pem:?}: ours {got:?}, oracle {want:?}"
    );
    match (&got, &want) {
        (Ok(_), _) => assert_eq!(got, want),
        // Failures of the PEM layer (the same crate underneath) keep their exact text.
        (Err(g), Err(w)) if w.starts_with("ASN.1 error: PEM error") => assert_eq!(g, w, "{pem:?}"),
        _ => {}
    }
}

/// A P-256 verifying key from 32 random bytes (the top byte keeps the scalar below the order).
fn key(mut secret: [u8; 32]) -> VerifyingKey {
    secret[0] = 0x11;
    *p256::ecdsa::SigningKey::from_slice(&secret)
        .unwrap()
        .verifying_key()
}

const ALGORITHM: [u8; 21] = [
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07,
];

/// An SPKI DER of `key`: uncompressed by the RustCrypto encoder, compressed by hand.
fn spki(key: &VerifyingKey, compressed: bool) -> Vec<u8> {
    if !compressed {
        return key.to_public_key_der().unwrap().as_bytes().to_vec();
    }
    let point = key.to_sec1_point(true);
    let mut der = vec![0x30, 0x39];
    der.extend_from_slice(&ALGORITHM);
    der.extend_from_slice(&[0x03, 0x22, 0x00]);
    der.extend_from_slice(point.as_bytes());
    der
}

fn pem_of(der: &[u8], line_ending: &str, width: usize) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN PUBLIC KEY-----{line_ending}");
    for line in b64.as_bytes().chunks(width.max(1)) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push_str(line_ending);
    }
    out.push_str("-----END PUBLIC KEY-----");
    out.push_str(line_ending);
    out
}

#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn apply(bytes: &mut Vec<u8>, edits: &[Edit]) {
    for e in edits {
        let n = bytes.len();
        match *e {
            Edit::Set(i, b) if n > 0 => bytes[i % n] = b,
            Edit::Insert(i, b) => bytes.insert(i % (n + 1), b),
            Edit::Remove(i) if n > 0 => {
                bytes.remove(i % n);
            }
            Edit::Truncate(i) => bytes.truncate(i % (n + 1)),
            _ => {}
        }
    }
}

/// Bytes that matter to DER (tags, lengths, the point tags) and to PEM (boundaries, line ends,
/// Base64 and its padding, header colons, NUL), and any byte.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        prop::sample::select(vec![
            0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x13, 0x22, 0x30, 0x39, 0x42, 0x59,
            0x7f, 0x80, 0x81, 0xff, b'-', b'\n', b'\r', b' ', b'\t', b'=', b'+', b'/', b':', b'A',
            b'a', b'0', b'E', b'N', b'D',
        ]),
        any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), interesting_byte()).prop_map(|(i, b)| Edit::Set(i, b)),
        2 => (any::<usize>(), interesting_byte()).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => any::<usize>().prop_map(Edit::Remove),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

#[test]
fn valid_keys_are_accepted_with_the_same_id() {
    for seed in 0..16u8 {
        let k = key([seed; 32]);
        for compressed in [false, true] {
            let der = spki(&k, compressed);
            check_der(&der);
            for (le, width) in [
                ("\n", 64),
                ("\r\n", 64),
                ("\r", 64),
                ("\n", 76),
                ("\n", 1000),
            ] {
                check_pem(&pem_of(&der, le, width));
            }
        }
        check_pem(&format!(
            "preamble text\n{}",
            pem_of(&spki(&k, false), "\n", 64)
        ));
        check_pem(&format!("  {}  \n\n", pem_of(&spki(&k, false), "\n", 64)));
        // The uncompressed and compressed forms name the same key.
        assert_eq!(
            ours(PublicKey::from_spki_der(&spki(&k, true))),
            ours(PublicKey::from_spki_der(&spki(&k, false)))
        );
    }
}

#[test]
fn pem_failures_keep_their_messages() {
    let der = spki(&key([3; 32]), false);
    let good = pem_of(&der, "\n", 64);
    for bad in [
        good.replace("PUBLIC KEY", "PRIVATE KEY"),
        good.replace("-----END PUBLIC KEY-----", "-----END PRIVATE KEY-----"),
        good.replace("-----BEGIN", "----BEGIN"),
        good.replacen('M', "*", 1),
        good.replacen('\n', "\nProc-Type: 4,ENCRYPTED\n", 1),
        good.replace("\n-----END", "=\n-----END"),
        String::new(),
        "not pem".into(),
        "\0-----BEGIN PUBLIC KEY-----".into(),
    ] {
        check_pem(&bad);
        assert!(PublicKey::from_pem(&bad).is_err(), "{bad:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn edited_der_is_judged_like_the_rustcrypto_decoder(
        secret in any::<[u8; 32]>(),
        compressed in any::<bool>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let mut der = spki(&key(secret), compressed);
        apply(&mut der, &edits);
        check_der(&der);
        check_pem(&pem_of(&der, "\n", 64));
    }

    #[test]
    fn edited_pem_is_judged_like_the_rustcrypto_decoder(
        secret in any::<[u8; 32]>(),
        compressed in any::<bool>(),
        crlf in any::<bool>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let der = spki(&key(secret), compressed);
        let mut pem = pem_of(&der, if crlf { "\r\n" } else { "\n" }, 64).into_bytes();
        apply(&mut pem, &edits);
        if let Ok(pem) = String::from_utf8(pem) {
            check_pem(&pem);
        }
    }

    #[test]
    fn arbitrary_der_is_judged_like_the_rustcrypto_decoder(
        der in prop::collection::vec(interesting_byte(), 0..100),
    ) {
        check_der(&der);
    }
}
