//! One-input fuzz harnesses, shared by the cargo-fuzz targets in
//! `crates/trust/fuzz` and the corpus regression test
//! (`tests/fuzz_corpus.rs`), so that both run exactly the same code.
//!
//! Each `run_*` function feeds one arbitrary input through the parsers of one
//! [`Target`] and then checks invariants that must hold for *every* input:
//!
//! * [`run_container`]: [`Container::parse`], its digest, the streaming
//!   [`Digester`] over several chunkings, and [`verify`] against the fixed
//!   [`fixture_keyring`]. Streaming agrees with itself for every chunking and,
//!   whenever the structure parses, with the container digest, the signature
//!   payload and the verdict; stripping and re-adding the signature is
//!   byte-exact.
//! * [`run_section`]: [`section::decode`] and [`verify_section`] (for the
//!   digest of [`fixture_component`]); decoding re-encoded envelopes gives the
//!   same envelopes; each envelope body is also fed to [`Statement::from_json`].
//! * [`run_keyring`]: [`KeyringDoc::from_json`] and [`Keyring::from_json`]
//!   (the document round-trips through its own JSON), a fixed signed
//!   component is verified against the resulting keyring, and
//!   [`Policy::parse`] runs on the same bytes when they are UTF-8.
//! * [`run_inspect`]: [`inspect`] (the parse-only walk) against
//!   [`inspect_validated`], the validating implementation it replaced, kept
//!   here as the oracle: where wasmparser's validator accepts the input both
//!   give the same facts; where it rejects, `inspect` may accept or reject.
//!   Facts are coherent either way (sizes, totals, names, kinds). Input the
//!   walk refuses for nesting past [`MAX_NESTING`](crate::inspect::MAX_NESTING)
//!   is not given to the oracle, which would recurse into it without limit.
//!
//! The parsers must never panic; a broken invariant panics with a message
//! naming it, which libFuzzer records as a crash. Nothing here is part of the
//! trust core's API: the module exists only with the `fuzzing` feature (and
//! in this crate's unit tests).

use std::sync::OnceLock;

use time::OffsetDateTime;

use crate::container::{self, Container, COMPONENT_PREAMBLE};
use crate::digest::{Digest, Digester};
use crate::inspect::{inspect, ComponentFacts, InspectError, Item};
use crate::keyring::{KeyEntryDoc, KeyringDoc, ALGORITHM, MAX_KEYRING_BYTES};
use crate::section;
use crate::statement::{Claims, Statement};
use crate::verify::{verify, verify_section, Reason, Verdict};
use crate::{Keyring, Policy, SigningKey, TrustLevel};

/// The fuzz targets, named as in `crates/trust/fuzz/fuzz_targets/`
/// and `crates/trust/fuzz/corpus/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Whole files: container, digests, streaming digester, verify.
    Container,
    /// Signature section payloads: envelopes, statements, verify.
    Section,
    /// Keyring JSON (and policies, on the same bytes).
    Keyring,
    /// Whole files: `inspect` against the validating oracle.
    Inspect,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 4] = [
        Target::Container,
        Target::Section,
        Target::Keyring,
        Target::Inspect,
    ];

    /// The directory / fuzz target name.
    pub fn name(self) -> &'static str {
        match self {
            Target::Container => "container",
            Target::Section => "section",
            Target::Keyring => "keyring",
            Target::Inspect => "inspect",
        }
    }

    /// The target with this name.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Runs one input through this target.
    pub fn run(self, data: &[u8]) {
        match self {
            Target::Container => run_container(data),
            Target::Section => run_section(data),
            Target::Keyring => run_keyring(data),
            Target::Inspect => run_inspect(data),
        }
    }
}

// ---------------------------------------------------------------------------
// Fixtures: the fixed world the harnesses verify against. The seed corpus
// (`tests/gen_corpus.rs`) signs with the same keys, so mutated seeds reach
// deep into verification instead of stopping at "key unknown".
// ---------------------------------------------------------------------------

/// Name given to the signed subject in fixtures.
pub const FIXTURE_SUBJECT: &str = "demo.wasm";

/// A deterministic key: the P-256 scalar with all 32 bytes equal to `seed`
/// (`seed` must be 1..=127 so the scalar is valid).
///
/// In the fixture keyring, key 1 is trusted up to `publisher-signed`, key 2
/// is revoked, key 3 expired on 2026-03-01, and key 4 is unknown.
pub fn fixture_key(seed: u8) -> SigningKey {
    SigningKey::from_secret_bytes(&[seed; 32])
        .expect("fixture scalars 1..=127 are valid P-256 private keys")
}

/// The fixed "now" of every verification: 2026-06-01T00:00:00Z.
pub fn fixture_now() -> OffsetDateTime {
    unix(1_780_272_000)
}

fn unix(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).expect("fixture timestamps are in range")
}

/// A small but structurally real component: a custom section, a core module
/// section holding an empty core module, and an opaque type section.
pub fn fixture_component() -> Vec<u8> {
    let mut file = COMPONENT_PREAMBLE.to_vec();
    file.extend_from_slice(&[0x00, 0x06, 0x04, b'n', b'o', b't', b'e', 0x2a]);
    file.extend_from_slice(&[0x01, 0x08]);
    file.extend_from_slice(b"\0asm\x01\x00\x00\x00");
    file.extend_from_slice(&[0x07, 0x03, 0x01, 0x02, 0x03]);
    file
}

/// Claims at `level` by signer "Acme", issued 2026-01-01, not expiring.
pub fn fixture_claims(level: TrustLevel) -> Claims {
    Claims {
        level,
        signer: "Acme".into(),
        name: Some("demo".into()),
        version: Some("1.0.0".into()),
        capabilities: vec!["gpu".into(), "surface".into()],
        issued_at: unix(1_767_225_600),
        expires_at: None,
    }
}

/// A keyring entry for `key` capped at `max`, with its key id stated.
pub fn fixture_entry(key: &SigningKey, max: TrustLevel) -> KeyEntryDoc {
    KeyEntryDoc {
        key_id: Some(key.public_key().id().to_string()),
        algorithm: ALGORITHM.into(),
        public_key: Some(key.public_key().to_pem()),
        jwk: None,
        max_level: max,
        label: Some(format!("fixture key {}", key.public_key().id())),
        not_before: None,
        not_after: None,
    }
}

/// The fixture keyring document (see [`fixture_key`] for what each key may
/// do); it also lists one entry with an algorithm we do not know.
pub fn fixture_keyring_doc() -> KeyringDoc {
    let revoked = fixture_key(2);
    let mut expired = fixture_entry(&fixture_key(3), TrustLevel::EnterpriseTrusted);
    expired.not_before = Some(unix(1_735_689_600)); // 2025-01-01
    expired.not_after = Some(unix(1_772_323_200)); // 2026-03-01
    KeyringDoc {
        sequence: 7,
        keys: vec![
            fixture_entry(&fixture_key(1), TrustLevel::PublisherSigned),
            fixture_entry(&revoked, TrustLevel::EnterpriseTrusted),
            expired,
            KeyEntryDoc {
                key_id: None,
                algorithm: "ed25519".into(),
                public_key: None,
                jwk: None,
                max_level: TrustLevel::EnterpriseTrusted,
                label: Some("a key from the future".into()),
                not_before: None,
                not_after: None,
            },
        ],
        revoked: vec![revoked.public_key().id().to_string()],
        ..KeyringDoc::default()
    }
}

/// The fixture keyring, built once.
pub fn fixture_keyring() -> &'static Keyring {
    static RING: OnceLock<Keyring> = OnceLock::new();
    RING.get_or_init(|| {
        Keyring::from_doc(&fixture_keyring_doc()).expect("the fixture keyring is valid")
    })
}

/// [`fixture_component`] signed by key 1 at `publisher-signed` (verifies
/// against [`fixture_keyring`]), built once.
pub fn fixture_signed() -> &'static [u8] {
    static SIGNED: OnceLock<Vec<u8>> = OnceLock::new();
    SIGNED.get_or_init(|| {
        crate::sign::sign(
            &fixture_component(),
            &fixture_key(1),
            fixture_claims(TrustLevel::PublisherSigned),
            FIXTURE_SUBJECT,
        )
        .expect("the fixture component is signable")
    })
}

/// The digest of [`fixture_component`]: what the section target verifies
/// signature payloads against.
pub fn fixture_digest() -> Digest {
    Digest::of(&fixture_component())
}

// ---------------------------------------------------------------------------
// Harnesses.
// ---------------------------------------------------------------------------

/// Checks what every verdict must satisfy, whatever the input.
fn check_verdict(v: &Verdict) {
    assert_eq!(
        v.verified,
        v.reason == Reason::Verified,
        "`verified` disagrees with reason {}",
        v.reason
    );
    if v.verified {
        let accepted = v
            .accepted
            .as_ref()
            .expect("a verified verdict names its signature");
        assert!(v.distinct_keys >= 1, "verified without a passing key");
        assert_eq!(
            v.level, accepted.claims.level,
            "level is not the claimed one"
        );
        assert!(
            v.level <= accepted.key_max_level,
            "level {} above the key's cap {}",
            v.level,
            accepted.key_max_level
        );
        assert!(
            v.signatures.iter().any(|s| s.reason == Reason::Verified),
            "verified but no signature check passed"
        );
    } else {
        assert_eq!(
            v.level,
            TrustLevel::Untrusted,
            "unverified but not untrusted"
        );
        assert_eq!(v.distinct_keys, 0, "unverified but keys counted");
    }
}

/// Small deterministic PRNG for choosing chunk sizes from the input itself.
struct XorShift(u64);

impl XorShift {
    fn seeded_by(data: &[u8]) -> Self {
        // FNV-1a; never zero so xorshift does not get stuck.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in data {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        XorShift(h | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Streams `data` through a [`Digester`] in chunks of the given sizes (the
/// last size repeats until the data is consumed).
fn stream(data: &[u8], mut next_size: impl FnMut() -> usize) -> StreamResult {
    let mut d = Digester::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = next_size().clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        d.update(chunk);
        rest = tail;
    }
    assert_eq!(
        d.bytes_seen(),
        data.len() as u64,
        "digester lost count of bytes"
    );
    d.finish()
}

type StreamResult = Result<(Digest, Option<Vec<u8>>), container::ContainerError>;

/// The container target: see the module documentation.
pub fn run_container(data: &[u8]) {
    // The streaming digester, over several chunkings: all must agree.
    let whole = stream(data, || usize::MAX);
    let bytewise = stream(data, || 1);
    let mut rng = XorShift::seeded_by(data);
    let random = stream(data, || match rng.next() % 4 {
        0 => 1 + (rng.next() % 8) as usize,
        1 => 1 + (rng.next() % 64) as usize,
        _ => 1 + (rng.next() % 4096) as usize,
    });
    assert_eq!(
        whole, bytewise,
        "digester depends on chunking (whole vs 1-byte)"
    );
    assert_eq!(
        whole, random,
        "digester depends on chunking (whole vs random)"
    );

    let ring = fixture_keyring();
    let now = fixture_now();
    let verdict = verify(data, ring, now);
    check_verdict(&verdict);

    let container = match Container::parse(data) {
        Ok(c) => c,
        Err(e) => {
            assert_eq!(
                verdict.reason,
                Reason::Malformed,
                "unparsable file not malformed: {e}"
            );
            assert_eq!(verdict.digest, None, "unparsable file has a digest");
            return;
        }
    };

    // Structure parsed: the digest is defined, and every path agrees on it.
    let digest = container.digest(data);
    let payload = container.signature_payload.clone().map(|r| {
        data.get(r)
            .expect("signature payload range is inside the file")
            .to_vec()
    });
    assert_eq!(
        Digest::of(&container.unsigned_bytes(data)),
        digest,
        "digest is not the hash of the unsigned bytes"
    );
    let (streamed_digest, streamed_payload) = match whole {
        Ok(v) => v,
        Err(e) => panic!("file parses but the streaming digester fails: {e}"),
    };
    assert_eq!(
        streamed_digest, digest,
        "streaming digest != container digest"
    );
    assert_eq!(
        streamed_payload, payload,
        "streaming signature payload != container's"
    );
    assert_eq!(
        verdict.digest,
        Some(digest),
        "verdict digest != container digest"
    );

    // The streaming path (as the browser runs it) reaches the same verdict.
    let streamed_verdict = verify_section(streamed_payload.as_deref(), streamed_digest, ring, now);
    assert_eq!(
        streamed_verdict, verdict,
        "streaming verdict != whole-file verdict"
    );

    // Stripping yields a valid unsigned file with the same digest; putting
    // the same payload back is byte-exact (every encoding is canonical).
    let stripped = match container::strip_signature(data) {
        Ok(s) => s,
        Err(e) => panic!("file parses but cannot be stripped: {e}"),
    };
    match Container::parse(&stripped) {
        Ok(c) => {
            assert!(c.signature_payload.is_none(), "stripped file still signed");
            assert_eq!(c.digest(&stripped), digest, "stripping changed the digest");
            assert_eq!(
                Digest::of(&stripped),
                digest,
                "stripped file hash != digest"
            );
        }
        Err(e) => panic!("stripped file does not parse: {e}"),
    }
    if let Some(payload) = &payload {
        match container::with_signature_payload(&stripped, payload) {
            Ok(resigned) => assert_eq!(resigned, data, "re-adding the signature is not byte-exact"),
            Err(e) => panic!("cannot re-add the signature payload: {e}"),
        }
    }
}

/// The section target: see the module documentation.
pub fn run_section(data: &[u8]) {
    let decoded = section::decode(data);
    if let Ok(envelopes) = &decoded {
        let again = section::decode(&section::encode(envelopes));
        assert_eq!(again.as_ref(), Ok(envelopes), "decode(encode(e)) != e");
        for env in envelopes {
            // Statements are normally parsed only after a signature verifies;
            // parse them here too so the fuzzer reaches that parser.
            if let Ok(body) = env.body() {
                if let Ok(statement) = Statement::from_json(&body) {
                    let reparsed = Statement::from_json(&statement.to_json());
                    assert_eq!(reparsed.as_ref(), Ok(&statement), "statement round trip");
                }
            }
        }
    }

    let verdict = verify_section(
        Some(data),
        fixture_digest(),
        fixture_keyring(),
        fixture_now(),
    );
    check_verdict(&verdict);
    assert_eq!(
        verdict.digest,
        Some(fixture_digest()),
        "verdict lost the digest"
    );
    match &decoded {
        Ok(envelopes) => {
            let total: usize = envelopes.iter().map(|e| e.signatures.len()).sum();
            assert_eq!(
                verdict.signatures.len(),
                total,
                "not every signature was checked"
            );
        }
        Err(e) => {
            assert_eq!(
                verdict.reason,
                Reason::Malformed,
                "undecodable section not malformed: {e}"
            );
            assert!(
                verdict.signatures.is_empty(),
                "undecodable section has checks"
            );
        }
    }
}

/// The keyring target: see the module documentation.
pub fn run_keyring(data: &[u8]) {
    let doc = KeyringDoc::from_json(data);
    let ring = Keyring::from_json(data);

    if let Ok(doc) = &doc {
        let from_doc = Keyring::from_doc(doc);
        assert_eq!(
            from_doc, ring,
            "Keyring::from_json != from_doc(KeyringDoc::from_json)"
        );
        let json = doc.to_json_pretty();
        if json.len() <= MAX_KEYRING_BYTES {
            let reparsed = KeyringDoc::from_json(json.as_bytes());
            assert_eq!(
                reparsed.as_ref(),
                Ok(doc),
                "keyring document JSON round trip"
            );
        }
    } else {
        assert!(ring.is_err(), "keyring accepted but its document rejected");
    }

    if let (Ok(doc), Ok(ring)) = (&doc, &ring) {
        assert!(
            ring.check_not_rollback(ring.sequence()).is_ok(),
            "own sequence is a rollback"
        );
        assert_eq!(
            ring.keys().len() + ring.ignored().len(),
            doc.keys.len(),
            "keys neither trusted nor ignored"
        );
        for (i, k) in ring.keys().iter().enumerate() {
            let id = k.key.id();
            assert_eq!(
                ring.find(&id).map(|f| f.key.id()),
                Some(id),
                "key not found by id"
            );
            assert!(
                ring.keys()[..i].iter().all(|other| other.key.id() != id),
                "duplicate key accepted"
            );
        }
        for ignored in ring.ignored() {
            assert!(ignored.index < doc.keys.len(), "ignored index out of range");
            assert_ne!(ignored.algorithm, ALGORITHM, "known algorithm ignored");
        }
        // The keyring's semantics, applied to a real signature.
        let verdict = verify(fixture_signed(), ring, fixture_now());
        check_verdict(&verdict);
        if verdict.verified {
            let accepted = verdict.accepted.as_ref().expect("checked by check_verdict");
            assert!(!ring.is_revoked(&accepted.key_id), "revoked key accepted");
        }
    }

    if let Ok(text) = core::str::from_utf8(data) {
        if let Ok(policy) = Policy::parse(text) {
            assert_eq!(policy.validate(), Ok(()), "parsed policy does not validate");
            match serde_json::to_vec(&policy) {
                Ok(json) => assert_eq!(
                    Policy::from_json(&json).as_ref(),
                    Ok(&policy),
                    "policy JSON round trip"
                ),
                Err(e) => panic!("a parsed policy does not serialize: {e}"),
            }
        }
    }
}

/// The inspect target: see the module documentation.
pub fn run_inspect(data: &[u8]) {
    let facts = inspect(data);
    match &facts {
        Ok(f) => check_facts(f, data),
        // The walk refuses nesting the validator would recurse into without
        // limit (a stack overflow is no panic to catch): no oracle here.
        Err(e) if crate::inspect::is_nested_too_deep(e) => return,
        Err(_) => {}
    }
    if let Some(Ok(expected)) = oracle(data) {
        assert_eq!(
            facts,
            Ok(expected),
            "inspect disagrees with the validating oracle"
        );
    }
}

/// [`inspect_validated`], or `None` where the validator itself panics:
/// wasmparser 0.247 asserts on some valid components (an instance type with
/// two `(eq T)` type exports of one type, passed as an instantiation
/// argument; fixed in later wasmparser), and the oracle's own bugs are not
/// what the inspect target looks for. Under cargo-fuzz (`cfg(fuzzing)`),
/// whose panic hook aborts, the hook is silenced around the call.
pub fn oracle(data: &[u8]) -> Option<Result<ComponentFacts, InspectError>> {
    #[cfg(fuzzing)]
    let hook = std::panic::take_hook();
    #[cfg(fuzzing)]
    std::panic::set_hook(Box::new(|_| {}));
    let answer = std::panic::catch_unwind(|| inspect_validated(data)).ok();
    #[cfg(fuzzing)]
    std::panic::set_hook(hook);
    answer
}

/// What facts must satisfy, whatever the input.
fn check_facts(f: &ComponentFacts, data: &[u8]) {
    assert_eq!(f.bytes, data.len() as u64, "facts give the wrong size");
    let total = f
        .imports
        .iter()
        .map(|i| i.functions)
        .fold(0u32, u32::saturating_add);
    assert_eq!(f.imported_functions, total, "imported functions miscounted");
    if container::preamble_kind(data) != Ok(container::Kind::Component) {
        assert!(
            f.imports.is_empty() && f.exports.is_empty(),
            "a core module has component imports or exports"
        );
    }
    for i in f.imports.iter().chain(&f.exports) {
        assert_eq!(
            *i,
            crate::inspect::item(&i.name, i.kind, i.functions),
            "interface or version not taken from the name"
        );
        match i.kind {
            "func" => assert_eq!(i.functions, 1, "a function counts as {}", i.functions),
            "instance" => {}
            "type" | "module" | "component" | "value" => {
                assert_eq!(i.functions, 0, "a {} counts functions", i.kind)
            }
            other => panic!("unknown kind {other}"),
        }
    }
}

/// The implementation `inspect` replaced: validate the whole binary with
/// wasmparser's validator (every proposal it knows), then read the top-level
/// imports' and exports' types from it. The differential oracle of
/// [`run_inspect`] and of `tests/inspect.rs`; not part of the trust core
/// (it needs wasmparser's `validate` feature, which only tests and fuzzing
/// enable).
pub fn inspect_validated(bytes: &[u8]) -> Result<ComponentFacts, InspectError> {
    use wasmparser::{
        component_types::ComponentEntityType, Parser, Payload, Validator, WasmFeatures,
    };

    fn kind_and_functions(
        ty: Option<ComponentEntityType>,
        types: &wasmparser::types::Types,
    ) -> (&'static str, u32) {
        match ty {
            Some(ComponentEntityType::Func(_)) => ("func", 1),
            Some(ComponentEntityType::Instance(id)) => {
                let n = types[id]
                    .exports
                    .values()
                    .filter(|t| matches!(t, ComponentEntityType::Func(_)))
                    .count();
                ("instance", u32::try_from(n).unwrap_or(u32::MAX))
            }
            Some(ComponentEntityType::Module(_)) => ("module", 0),
            Some(ComponentEntityType::Component(_)) => ("component", 0),
            Some(ComponentEntityType::Value(_)) => ("value", 0),
            Some(ComponentEntityType::Type { .. }) => ("type", 0),
            None => ("unknown", 0),
        }
    }

    let invalid = |e: wasmparser::BinaryReaderError| InspectError::Invalid(e.to_string());
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let types = validator.validate_all(bytes).map_err(invalid)?;

    let mut import_names = Vec::new();
    let mut export_names = Vec::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    import_names.push(import.map_err(invalid)?.name.0.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    export_names.push(export.map_err(invalid)?.name.0.to_owned());
                }
            }
            _ => {}
        }
    }

    let items = |names: &[String], import: bool| -> Vec<Item> {
        names
            .iter()
            .map(|n| {
                let ty = if import {
                    types.component_entity_type_of_import(n)
                } else {
                    types.component_entity_type_of_export(n)
                };
                let (kind, f) = kind_and_functions(ty, &types);
                crate::inspect::item(n, kind, f)
            })
            .collect()
    };
    let imports = items(&import_names, true);
    let exports = items(&export_names, false);
    let imported_functions = imports
        .iter()
        .map(|i| i.functions)
        .fold(0u32, u32::saturating_add);
    Ok(ComponentFacts {
        bytes: bytes.len() as u64,
        imports,
        exports,
        imported_functions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_verify_as_documented() {
        let v = verify(fixture_signed(), fixture_keyring(), fixture_now());
        assert!(v.verified, "{v:?}");
        assert_eq!(v.level, TrustLevel::PublisherSigned);
        assert_eq!(fixture_keyring().ignored().len(), 1);
    }

    #[test]
    fn harnesses_accept_the_fixtures_and_garbage() {
        for target in Target::ALL {
            for input in [
                &b""[..],
                b"\0asm\x0d\x00\x01\x00",
                fixture_signed(),
                b"{\"version\":1,\"sequence\":0}",
                b"\x01\x01\x02{}",
            ] {
                target.run(input);
            }
        }
        run_keyring(fixture_keyring_doc().to_json_pretty().as_bytes());
    }
}
