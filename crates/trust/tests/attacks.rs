//! Every attack listed in DESIGN.md ("Signature format"), one test each,
//! plus the DSSE known-answer vector and the single-byte-flip property.

mod common;

use common::*;
use gfx_trust::container::{self, Container, ContainerError, MODULE_PREAMBLE, SIGNATURE_SECTION};
use gfx_trust::dsse::{decode_base64, encode_base64, pae, Envelope, EnvelopeSignature};
use gfx_trust::keyring::{KeyringDoc, KeyringError};
use gfx_trust::{section, verify, Keyring, Reason, SigningKey, TrustLevel};
use proptest::prelude::*;
use time::Duration;

fn verdict(bytes: &[u8], ring: &Keyring) -> gfx_trust::Verdict {
    verify(bytes, ring, now())
}

fn envelopes(bytes: &[u8]) -> Vec<Envelope> {
    let c = Container::parse(bytes).unwrap();
    section::decode(&bytes[c.signature_payload.unwrap()]).unwrap()
}

fn with_envelopes(bytes: &[u8], envs: &[Envelope]) -> Vec<u8> {
    container::with_signature_payload(bytes, &section::encode(envs)).unwrap()
}

#[test]
fn dsse_specification_p256_known_answer_vector() {
    // protocol.md "Test Vectors": d, and the expected deterministic signature.
    let d_dec = "97358161215184420915383655311931858321456579547487070936769975997791359926199";
    let key = SigningKey::from_secret_bytes(&decimal_to_be32(d_dec)).unwrap();
    let message = pae("http://example.com/HelloWorld", b"hello world");
    assert_eq!(
        message,
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    );
    let sig = key.sign(&message);
    assert_eq!(
        encode_base64(&sig),
        "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="
    );
    // The public key in the vector (decimal X, Y) verifies it.
    let x = decimal_to_be32(
        "46950820868899156662930047687818585632848591499744589407958293238635476079160",
    );
    let y = decimal_to_be32(
        "5640078356564379163099075877009565129882514886557779369047442380624545832820",
    );
    let jwk = gfx_trust::key::Jwk {
        kty: "EC".into(),
        crv: "P-256".into(),
        x: base64_url(&x),
        y: base64_url(&y),
        kid: None,
        use_: None,
        alg: None,
        ext: None,
        key_ops: None,
    };
    let public = gfx_trust::PublicKey::from_jwk(&jwk).unwrap();
    assert_eq!(public.id(), key.public_key().id());
    let env: Envelope = Envelope::from_json(
        br#"{"payload": "aGVsbG8gd29ybGQ=", "payloadType": "http://example.com/HelloWorld", "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}"#,
    )
    .unwrap();
    let sig = decode_base64(&env.signatures[0].sig).unwrap();
    assert!(public.verify(&env.signed_message().unwrap(), &sig));
}

fn base64_url(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Big-endian 32 bytes of a decimal number (schoolbook, for test vectors).
fn decimal_to_be32(dec: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for digit in dec.bytes() {
        let mut carry = u32::from(digit - b'0');
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0, "overflow");
    }
    out
}

#[test]
fn a_signed_component_verifies_at_its_claimed_level() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let v = verdict(&signed(&k, TrustLevel::PublisherSigned), &ring);
    assert!(v.verified, "{v:?}");
    assert_eq!(
        (v.level, v.reason),
        (TrustLevel::PublisherSigned, Reason::Verified)
    );
    assert_eq!(v.digest, Some(gfx_trust::Digest::of(&component())));
}

#[test]
fn preamble_swap_module_for_component_never_verifies() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let mut file = signed(&k, TrustLevel::PublisherSigned);
    file[..8].copy_from_slice(&MODULE_PREAMBLE);
    let v = verdict(&file, &ring);
    assert!(!v.verified);
    assert_eq!(v.reason, Reason::SignatureInvalid);
}

#[test]
fn truncation_at_any_section_boundary_never_verifies() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let file = signed(&k, TrustLevel::PublisherSigned);
    let c = Container::parse(&file).unwrap();
    for s in &c.sections[1..] {
        let v = verdict(&file[..s.range.start], &ring);
        assert!(!v.verified, "truncated at {}", s.range.start);
        assert_eq!(v.reason, Reason::SignatureInvalid);
    }
    // Inside the signature section itself: structure error.
    let sig = c.signature_section.unwrap();
    assert_eq!(
        verdict(&file[..sig.end - 1], &ring).reason,
        Reason::Malformed
    );
}

#[test]
fn any_appended_section_never_verifies() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let mut file = signed(&k, TrustLevel::PublisherSigned);
    file.extend_from_slice(&[0x00, 0x02, 0x01, b'x']);
    assert_eq!(verdict(&file, &ring).reason, Reason::SignatureInvalid);
}

#[test]
fn signature_section_moved_or_duplicated_is_malformed() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let file = signed(&k, TrustLevel::PublisherSigned);
    let c = Container::parse(&file).unwrap();
    let sig = c.signature_section.clone().unwrap();
    // moved to the end
    let mut moved = file[..8].to_vec();
    moved.extend_from_slice(&file[sig.end..]);
    moved.extend_from_slice(&file[sig.clone()]);
    let v = verdict(&moved, &ring);
    assert_eq!(v.reason, Reason::Malformed);
    assert!(
        v.message.contains("only valid as the first section"),
        "{}",
        v.message
    );
    // duplicated
    let mut dup = file.clone();
    dup.extend_from_slice(&file[sig]);
    assert_eq!(verdict(&dup, &ring).reason, Reason::Malformed);
    assert!(matches!(
        Container::parse(&dup),
        Err(ContainerError::SignatureMisplaced { .. })
    ));
}

#[test]
fn level_beyond_the_keys_cap_is_untrusted() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::CommunityVerified)]);
    let v = verdict(&signed(&k, TrustLevel::EnterpriseTrusted), &ring);
    assert!(!v.verified);
    assert_eq!(
        (v.level, v.reason),
        (TrustLevel::Untrusted, Reason::LevelExceedsKey)
    );
}

#[test]
fn metadata_swapped_between_two_signed_components_never_verifies() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let a = signed(&k, TrustLevel::PublisherSigned);
    let mut other = component();
    other.extend_from_slice(&[0x00, 0x02, 0x01, b'b']);
    let b =
        gfx_trust::sign::sign(&other, &k, claims(TrustLevel::CommunityVerified), "b.wasm").unwrap();
    // Put a's signature section onto b's bytes.
    let swapped = with_envelopes(&b, &envelopes(&a));
    let v = verdict(&swapped, &ring);
    assert!(!v.verified);
    assert_eq!(v.reason, Reason::SignatureInvalid);
    assert!(v.message.contains("signature is for"), "{}", v.message);
}

#[test]
fn expired_and_not_yet_valid_keys_are_untrusted() {
    let k = key(1);
    let file = signed(&k, TrustLevel::PublisherSigned);
    let mut doc = KeyringDoc {
        keys: vec![entry(&k, TrustLevel::EnterpriseTrusted)],
        ..KeyringDoc::default()
    };
    doc.keys[0].not_after = Some(now() - Duration::days(1));
    let v = verdict(&file, &Keyring::from_doc(&doc).unwrap());
    assert_eq!(v.reason, Reason::KeyExpired);
    doc.keys[0].not_after = None;
    doc.keys[0].not_before = Some(now() + Duration::days(1));
    let v = verdict(&file, &Keyring::from_doc(&doc).unwrap());
    assert_eq!(v.reason, Reason::KeyExpired);
    assert!(v.message.contains("not valid before"), "{}", v.message);
}

#[test]
fn expired_signature_is_untrusted() {
    let k = key(1);
    let mut c = claims(TrustLevel::PublisherSigned);
    c.expires_at = Some(now() - Duration::seconds(1));
    let file = gfx_trust::sign::sign(&component(), &k, c, "x").unwrap();
    let v = verdict(&file, &keyring(&[(&k, TrustLevel::EnterpriseTrusted)]));
    assert_eq!(v.reason, Reason::SignatureExpired);
}

#[test]
fn revoked_key_is_untrusted() {
    let k = key(1);
    let mut doc = KeyringDoc {
        keys: vec![entry(&k, TrustLevel::EnterpriseTrusted)],
        ..KeyringDoc::default()
    };
    doc.revoked.push(k.public_key().id().to_string());
    let v = verdict(
        &signed(&k, TrustLevel::PublisherSigned),
        &Keyring::from_doc(&doc).unwrap(),
    );
    assert_eq!(
        (v.level, v.reason),
        (TrustLevel::Untrusted, Reason::KeyRevoked)
    );
}

#[test]
fn keyring_rollback_is_refused() {
    let k = key(1);
    let mut doc = KeyringDoc {
        keys: vec![entry(&k, TrustLevel::EnterpriseTrusted)],
        ..KeyringDoc::default()
    };
    doc.sequence = 7;
    let ring = Keyring::from_doc(&doc).unwrap();
    assert!(ring.check_not_rollback(7).is_ok());
    assert!(ring.check_not_rollback(3).is_ok());
    assert_eq!(
        ring.check_not_rollback(8),
        Err(KeyringError::Rollback { found: 7, seen: 8 })
    );
}

#[test]
fn one_key_twice_even_as_r_and_n_minus_s_counts_once() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let file = signed(&k, TrustLevel::PublisherSigned);
    let mut envs = envelopes(&file);
    let sig = decode_base64(&envs[0].signatures[0].sig).unwrap();
    let malleated = negate_s(&sig);
    assert_ne!(malleated, sig);
    let first = envs[0].signatures[0].clone();
    envs[0].signatures.push(EnvelopeSignature {
        keyid: first.keyid.clone(),
        sig: encode_base64(&malleated),
    });
    envs[0].signatures.push(first);
    let v = verdict(&with_envelopes(&file, &envs), &ring);
    assert!(v.verified);
    assert_eq!(
        v.signatures
            .iter()
            .filter(|s| s.reason == Reason::Verified)
            .count(),
        3
    );
    assert_eq!(v.distinct_keys, 1);
}

#[test]
fn two_distinct_keys_count_twice() {
    let (a, b) = (key(1), key(2));
    let ring = keyring(&[
        (&a, TrustLevel::EnterpriseTrusted),
        (&b, TrustLevel::EnterpriseTrusted),
    ]);
    let once = signed(&a, TrustLevel::PublisherSigned);
    let twice =
        gfx_trust::sign::sign(&once, &b, claims(TrustLevel::PublisherSigned), "demo.wasm").unwrap();
    assert_eq!(
        envelopes(&twice).len(),
        1,
        "same claims co-sign one envelope"
    );
    let v = verdict(&twice, &ring);
    assert_eq!(v.distinct_keys, 2);
}

/// (r, s) -> (r, n - s): the other valid encoding of the same ECDSA signature.
fn negate_s(sig: &[u8]) -> Vec<u8> {
    // n of P-256, big-endian.
    let n =
        hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551").unwrap();
    let s = &sig[32..];
    let mut out = sig[..32].to_vec();
    let mut res = [0u8; 32];
    let mut borrow = 0i32;
    for i in (0..32).rev() {
        let mut v = i32::from(n[i]) - i32::from(s[i]) - borrow;
        borrow = 0;
        if v < 0 {
            v += 256;
            borrow = 1;
        }
        res[i] = v as u8;
    }
    out.extend_from_slice(&res);
    out
}

#[test]
fn high_s_signatures_are_accepted() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let file = signed(&k, TrustLevel::PublisherSigned);
    let mut envs = envelopes(&file);
    let sig = decode_base64(&envs[0].signatures[0].sig).unwrap();
    envs[0].signatures[0].sig = encode_base64(&negate_s(&sig));
    // Exactly one of (r, s) and (r, n-s) is high-S; both must verify.
    assert!(verdict(&with_envelopes(&file, &envs), &ring).verified);
}

#[test]
fn unknown_key_id_or_algorithm_is_ignored() {
    let (good, stranger) = (key(1), key(9));
    let ring = keyring(&[(&good, TrustLevel::EnterpriseTrusted)]);
    let by_stranger = signed(&stranger, TrustLevel::PublisherSigned);
    let v = verdict(&by_stranger, &ring);
    assert_eq!(v.reason, Reason::KeyUnknown);
    // A stranger's signature next to a good one does not spoil it.
    let both = gfx_trust::sign::sign(
        &by_stranger,
        &good,
        claims(TrustLevel::PublisherSigned),
        "demo.wasm",
    )
    .unwrap();
    assert!(verdict(&both, &ring).verified);
    // A keyring entry with an unknown algorithm is skipped, not fatal.
    let mut doc = KeyringDoc {
        keys: vec![entry(&good, TrustLevel::EnterpriseTrusted)],
        ..KeyringDoc::default()
    };
    let mut foreign = entry(&stranger, TrustLevel::EnterpriseTrusted);
    foreign.algorithm = "ml-dsa-65".into();
    doc.keys.push(foreign);
    let ring = Keyring::from_doc(&doc).unwrap();
    assert_eq!(ring.ignored().len(), 1);
    assert!(verdict(&both, &ring).verified);
    assert_eq!(verdict(&by_stranger, &ring).reason, Reason::KeyUnknown);
}

#[test]
fn non_minimal_leb_in_the_signature_section_is_malformed() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let file = signed(&k, TrustLevel::PublisherSigned);
    let c = Container::parse(&file).unwrap();
    let payload = &file[c.signature_payload.unwrap()];
    // count 1 encoded as 0x81 0x00
    let mut bad = vec![payload[0], 0x81, 0x00];
    bad.extend_from_slice(&payload[2..]);
    let v = verdict(
        &container::with_signature_payload(&component(), &bad).unwrap(),
        &ring,
    );
    assert_eq!(v.reason, Reason::Malformed);
    // section size itself non-minimal
    let sig = c.signature_section.unwrap();
    let mut padded = file[..8].to_vec();
    let content = &file[sig.start + 1 + leb_len(&file[sig.start + 1..])..sig.end];
    padded.push(0);
    padded.extend_from_slice(&padded_leb(content.len() as u32));
    padded.extend_from_slice(content);
    padded.extend_from_slice(&file[sig.end..]);
    assert_eq!(verdict(&padded, &ring).reason, Reason::Malformed);
}

fn leb_len(b: &[u8]) -> usize {
    gfx_trust::leb::read_u32(b).unwrap().1
}

fn padded_leb(v: u32) -> Vec<u8> {
    vec![
        (v & 0x7f) as u8 | 0x80,
        ((v >> 7) & 0x7f) as u8 | 0x80,
        ((v >> 14) & 0x7f) as u8 | 0x80,
        ((v >> 21) & 0x7f) as u8 | 0x80,
        (v >> 28) as u8,
    ]
}

#[test]
fn trailing_bytes_after_envelopes_are_malformed() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let file = signed(&k, TrustLevel::PublisherSigned);
    let c = Container::parse(&file).unwrap();
    let mut payload = file[c.signature_payload.unwrap()].to_vec();
    payload.push(0);
    let v = verdict(
        &container::with_signature_payload(&component(), &payload).unwrap(),
        &ring,
    );
    assert_eq!(v.reason, Reason::Malformed);
    assert!(v.message.contains("trailing"), "{}", v.message);
}

#[test]
fn oversized_counts_are_malformed() {
    let ring = keyring(&[(&key(1), TrustLevel::EnterpriseTrusted)]);
    let mut payload = vec![1u8];
    gfx_trust::leb::write_u32(&mut payload, u32::MAX);
    let v = verdict(
        &container::with_signature_payload(&component(), &payload).unwrap(),
        &ring,
    );
    assert_eq!(v.reason, Reason::Malformed);
    // A section claiming more bytes than the file has.
    let mut file = component();
    file.extend_from_slice(&[0x01, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert_eq!(verdict(&file, &ring).reason, Reason::Malformed);
}

#[test]
fn stripped_signature_is_untrusted() {
    let k = key(1);
    let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
    let stripped = container::strip_signature(&signed(&k, TrustLevel::PublisherSigned)).unwrap();
    let v = verdict(&stripped, &ring);
    assert_eq!(
        (v.level, v.reason),
        (TrustLevel::Untrusted, Reason::Unsigned)
    );
}

#[test]
fn our_section_name_inside_a_nested_module_is_just_content() {
    // The signature section name inside a nested module section is opaque
    // content covered by the digest, not a second signature section.
    let mut file = component();
    let mut nested = b"\0asm\x01\x00\x00\x00".to_vec();
    nested.extend_from_slice(&container::encode_signature_section(b"junk"));
    file.push(0x01);
    gfx_trust::leb::write_u32(&mut file, nested.len() as u32);
    file.extend_from_slice(&nested);
    let k = key(1);
    let signed =
        gfx_trust::sign::sign(&file, &k, claims(TrustLevel::PublisherSigned), "n").unwrap();
    assert!(verdict(&signed, &keyring(&[(&k, TrustLevel::EnterpriseTrusted)])).verified);
    let _ = SIGNATURE_SECTION;
}

#[test]
fn signing_twice_with_the_same_key_and_claims_changes_nothing() {
    let k = key(1);
    let once = signed(&k, TrustLevel::PublisherSigned);
    let twice =
        gfx_trust::sign::sign(&once, &k, claims(TrustLevel::PublisherSigned), "demo.wasm").unwrap();
    assert_eq!(once, twice);
}

#[test]
fn signing_keeps_existing_signatures() {
    let (a, b) = (key(1), key(2));
    let once = signed(&a, TrustLevel::PublisherSigned);
    let twice = gfx_trust::sign::sign(
        &once,
        &b,
        claims(TrustLevel::CommunityVerified),
        "demo.wasm",
    )
    .unwrap();
    assert_eq!(envelopes(&twice).len(), 2);
    // Either key alone verifies its own claim.
    let v = verdict(&twice, &keyring(&[(&a, TrustLevel::EnterpriseTrusted)]));
    assert_eq!(v.level, TrustLevel::PublisherSigned);
    let v = verdict(&twice, &keyring(&[(&b, TrustLevel::EnterpriseTrusted)]));
    assert_eq!(v.level, TrustLevel::CommunityVerified);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn a_single_byte_flip_anywhere_never_verifies(pos in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let k = key(1);
        let ring = keyring(&[(&k, TrustLevel::EnterpriseTrusted)]);
        let mut file = signed(&k, TrustLevel::PublisherSigned);
        let i = pos.index(file.len());
        file[i] ^= xor;
        let v = verdict(&file, &ring);
        prop_assert!(!v.verified, "flip at {} by {:#x} still verified", i, xor);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_verifier(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let ring = keyring(&[(&key(1), TrustLevel::EnterpriseTrusted)]);
        let v = verdict(&bytes, &ring);
        prop_assert!(!v.verified);
    }

    #[test]
    fn arbitrary_signature_payloads_never_panic(payload in proptest::collection::vec(any::<u8>(), 0..512)) {
        let ring = keyring(&[(&key(1), TrustLevel::EnterpriseTrusted)]);
        let file = container::with_signature_payload(&component(), &payload).unwrap();
        prop_assert!(!verdict(&file, &ring).verified);
    }
}
