//! Regenerates the fuzz seed corpora in `crates/trust/fuzz/corpus/`.
//!
//! Ignored by default; run it with
//!
//! ```text
//! cargo test -p gfx-trust --test gen_corpus -- --ignored
//! ```
//!
//! Output is deterministic (fixed keys, fixed times, RFC 6979 signatures), so
//! re-running it rewrites the same files. It only writes the `seed-*` files it
//! owns: inputs libFuzzer or a developer added next to them are left alone,
//! and seeds no longer generated are removed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use gfx_trust::container::{self, Container, MODULE_PREAMBLE, SIGNATURE_SECTION};
use gfx_trust::dsse::{Envelope, EnvelopeSignature};
use gfx_trust::fuzzing::{
    fixture_claims, fixture_component, fixture_entry, fixture_key, fixture_keyring_doc,
    FIXTURE_SUBJECT,
};
use gfx_trust::keyring::KeyringDoc;
use gfx_trust::leb;
use gfx_trust::sign::sign;
use gfx_trust::{section, verify, Claims, Reason, SigningKey, TrustLevel};
use time::OffsetDateTime;

mod common;
use common::components::{
    gen, nested_component_type, COMPONENTS, INSTANCES, VALIDATOR_0_247_PANICS,
};

type Seeds = BTreeMap<String, Vec<u8>>;

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")
}

fn signed_with(file: &[u8], key: &SigningKey, claims: Claims) -> Vec<u8> {
    sign(file, key, claims, FIXTURE_SUBJECT).expect("fixture is signable")
}

fn payload_of(file: &[u8]) -> Vec<u8> {
    let c = Container::parse(file).expect("fixture parses");
    file[c.signature_payload.expect("fixture is signed")].to_vec()
}

/// A custom section with `name` and `payload`.
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

fn raw_section(version: u8, envelopes: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![version];
    leb::write_u32(&mut out, envelopes.len() as u32);
    for e in envelopes {
        leb::write_u32(&mut out, e.len() as u32);
        out.extend_from_slice(e);
    }
    out
}

fn container_seeds() -> Seeds {
    let mut s = Seeds::new();
    let plain = fixture_component();
    let k1 = fixture_key(1);
    let publisher = fixture_claims(TrustLevel::PublisherSigned);
    let good = signed_with(&plain, &k1, publisher.clone());

    s.insert("unsigned".into(), plain.clone());
    s.insert("signed-verifies".into(), good.clone());
    s.insert(
        "signed-level-exceeds-key".into(),
        signed_with(&plain, &k1, fixture_claims(TrustLevel::EnterpriseTrusted)),
    );
    s.insert(
        "signed-revoked-key".into(),
        signed_with(&plain, &fixture_key(2), publisher.clone()),
    );
    s.insert(
        "signed-expired-key".into(),
        signed_with(&plain, &fixture_key(3), publisher.clone()),
    );
    s.insert(
        "signed-unknown-key".into(),
        signed_with(&plain, &fixture_key(4), publisher.clone()),
    );
    let mut expiring = publisher.clone();
    expiring.expires_at = Some(OffsetDateTime::from_unix_timestamp(1_772_323_200).unwrap());
    s.insert(
        "signed-statement-expired".into(),
        signed_with(&plain, &k1, expiring),
    );
    // Co-signed (one envelope, two signatures) and two envelopes.
    let cosigned = signed_with(&good, &fixture_key(2), publisher.clone());
    s.insert("cosigned-two-keys".into(), cosigned);
    let two_envelopes = signed_with(
        &good,
        &fixture_key(4),
        fixture_claims(TrustLevel::CommunityVerified),
    );
    s.insert("two-envelopes".into(), two_envelopes);

    // A signed core module.
    let mut module = MODULE_PREAMBLE.to_vec();
    module.extend_from_slice(&[0x01, 0x04, 0x01, 0x60, 0x00, 0x00]);
    s.insert(
        "signed-module".into(),
        signed_with(&module, &k1, publisher.clone()),
    );
    // Preamble swapped after signing.
    let mut swapped = good.clone();
    swapped[..8].copy_from_slice(&MODULE_PREAMBLE);
    s.insert("preamble-swapped".into(), swapped);

    // Truncations: at every section boundary, and inside the signature section.
    let c = Container::parse(&good).unwrap();
    for (i, sec) in c.sections.iter().enumerate() {
        s.insert(
            format!("truncated-before-section-{i}"),
            good[..sec.range.start].to_vec(),
        );
        s.insert(
            format!("truncated-inside-section-{i}"),
            good[..sec.range.start + (sec.range.len() / 2).max(1)].to_vec(),
        );
    }
    s.insert("truncated-preamble".into(), good[..5].to_vec());
    s.insert("empty".into(), Vec::new());
    s.insert("preamble-only".into(), plain[..8].to_vec());

    // Signature section moved to the end, duplicated, and an appended section.
    let unsigned = container::strip_signature(&good).unwrap();
    let sig_section = good[c.signature_section.clone().unwrap()].to_vec();
    let mut moved = unsigned.clone();
    moved.extend_from_slice(&sig_section);
    s.insert("signature-moved-to-end".into(), moved);
    let mut duplicated = good.clone();
    duplicated.extend_from_slice(&sig_section);
    s.insert("signature-duplicated".into(), duplicated);
    let mut appended = good.clone();
    appended.extend_from_slice(&custom("extra", b"appended after signing"));
    s.insert("appended-section".into(), appended);
    // An empty signature section, and one whose name overruns it.
    s.insert(
        "signature-section-empty".into(),
        container::with_signature_payload(&plain, b"").unwrap(),
    );
    let mut overrun = plain[..8].to_vec();
    overrun.extend_from_slice(&[0x00, 0x05, SIGNATURE_SECTION.len() as u8]);
    overrun.extend_from_slice(&SIGNATURE_SECTION.as_bytes()[..4]);
    s.insert("signature-name-overruns".into(), overrun);
    // Non-minimal section size; section size past the end.
    let mut non_minimal = plain[..8].to_vec();
    non_minimal.extend_from_slice(&[0x01, 0x81, 0x00, 0xaa]);
    s.insert("non-minimal-section-size".into(), non_minimal);
    let mut overlong = plain[..8].to_vec();
    overlong.extend_from_slice(&[0x01, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    s.insert("section-size-past-end".into(), overlong);
    // A single-byte flip inside the signed body.
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    s.insert("byte-flipped".into(), flipped);
    s
}

fn section_seeds(containers: &Seeds) -> Seeds {
    let mut s = Seeds::new();
    for (name, file) in containers {
        if name.starts_with("signed-")
            || name.starts_with("cosigned")
            || name.starts_with("two-envelopes")
        {
            s.insert(format!("from-{name}"), payload_of(file));
        }
    }
    let good = payload_of(&containers["signed-verifies"]);
    let envelopes = section::decode(&good).unwrap();
    let json = envelopes[0].to_json();

    let mut trailing = good.clone();
    trailing.push(0);
    s.insert("trailing-byte".into(), trailing);
    let mut non_minimal = good.clone();
    non_minimal.splice(1..2, [0x81, 0x00]);
    s.insert("non-minimal-count".into(), non_minimal);
    s.insert("count-zero".into(), vec![1, 0]);
    s.insert("count-17".into(), raw_section(1, &[json.as_bytes(); 17]));
    s.insert("length-zero".into(), vec![1, 1, 0]);
    s.insert("length-past-end".into(), vec![1, 1, 0xff, 0x01, b'{']);
    s.insert("version-2".into(), raw_section(2, &[json.as_bytes()]));
    s.insert("empty".into(), Vec::new());

    let variant = |f: &dyn Fn(&mut Envelope)| {
        let mut e = envelopes[0].clone();
        f(&mut e);
        section::encode(&[e])
    };
    s.insert(
        "sig-not-base64".into(),
        variant(&|e| e.signatures[0].sig = "*not base64*".into()),
    );
    s.insert(
        "keyid-malformed".into(),
        variant(&|e| e.signatures[0].keyid = Some("sha256:XYZ".into())),
    );
    s.insert(
        "keyid-missing".into(),
        variant(&|e| e.signatures[0].keyid = None),
    );
    s.insert(
        "payload-type-other".into(),
        variant(&|e| e.payload_type = "text/plain".into()),
    );
    s.insert(
        "signature-duplicated-in-envelope".into(),
        variant(&|e| {
            let again: EnvelopeSignature = e.signatures[0].clone();
            e.signatures.push(again)
        }),
    );
    s.insert(
        "signatures-empty".into(),
        raw_section(
            1,
            &[br#"{"payload":"e30=","payloadType":"t","signatures":[]}"#],
        ),
    );
    s.insert(
        "unknown-field".into(),
        raw_section(
            1,
            &[br#"{"payload":"e30=","payloadType":"t","signatures":[{"sig":"AA=="}],"x":1}"#],
        ),
    );
    s.insert(
        "duplicate-field".into(),
        raw_section(
            1,
            &[br#"{"payload":"e30=","payload":"e30=","payloadType":"t","signatures":[{"sig":"AA=="}]}"#],
        ),
    );
    s
}

fn json(doc: &KeyringDoc) -> Vec<u8> {
    doc.to_json_pretty().into_bytes()
}

fn keyring_seeds() -> Seeds {
    let mut s = Seeds::new();
    let k1 = fixture_key(1);
    let fixture = fixture_keyring_doc();
    s.insert("keyring-fixture.json".into(), json(&fixture));

    let one = KeyringDoc {
        keys: vec![fixture_entry(&k1, TrustLevel::PublisherSigned)],
        ..KeyringDoc::default()
    };
    s.insert("keyring-valid-pem.json".into(), json(&one));
    let mut jwk = one.clone();
    jwk.keys[0].public_key = None;
    jwk.keys[0].jwk = Some(k1.public_key().to_jwk());
    s.insert("keyring-valid-jwk.json".into(), json(&jwk));
    let mut unknown_alg = one.clone();
    unknown_alg.keys[0].algorithm = "ed25519".into();
    s.insert("keyring-unknown-algorithm.json".into(), json(&unknown_alg));
    let mut duplicate = one.clone();
    duplicate.keys.push(one.keys[0].clone());
    s.insert("keyring-duplicate-key.json".into(), json(&duplicate));
    let mut bad_id = one.clone();
    bad_id.keys[0].key_id = Some("sha256:NOT-HEX".into());
    s.insert("keyring-bad-key-id.json".into(), json(&bad_id));
    let mut wrong_id = one.clone();
    wrong_id.keys[0].key_id = Some(fixture_key(2).public_key().id().to_string());
    s.insert("keyring-mismatched-key-id.json".into(), json(&wrong_id));
    let mut bad_revoked = one.clone();
    bad_revoked.revoked = vec!["md5:1234".into()];
    s.insert("keyring-bad-revoked-id.json".into(), json(&bad_revoked));
    let mut window = one.clone();
    window.keys[0].not_before = Some(OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap());
    window.keys[0].not_after = Some(OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
    s.insert("keyring-inverted-window.json".into(), json(&window));
    let mut both = one.clone();
    both.keys[0].jwk = Some(k1.public_key().to_jwk());
    s.insert("keyring-pem-and-jwk.json".into(), json(&both));
    let mut neither = one.clone();
    neither.keys[0].public_key = None;
    s.insert("keyring-no-key-material.json".into(), json(&neither));
    let mut version = one.clone();
    version.version = 2;
    s.insert("keyring-version-2.json".into(), json(&version));
    s.insert(
        "keyring-unknown-field.json".into(),
        br#"{"version":1,"sequence":1,"keys":[],"extra":true}"#.to_vec(),
    );
    s.insert(
        "keyring-duplicate-field.json".into(),
        br#"{"version":1,"sequence":1,"sequence":2}"#.to_vec(),
    );
    s.insert(
        "keyring-bad-level.json".into(),
        br#"{"version":1,"sequence":1,"keys":[{"algorithm":"a","maxLevel":"root"}]}"#.to_vec(),
    );
    s.insert(
        "keyring-bad-time.json".into(),
        br#"{"version":1,"sequence":1,"keys":[{"algorithm":"ecdsa-p256-sha256","maxLevel":"untrusted","notAfter":"2026-13-01T00:00:00Z"}]}"#.to_vec(),
    );
    s.insert(
        "keyring-bad-pem.json".into(),
        br#"{"version":1,"sequence":1,"keys":[{"algorithm":"ecdsa-p256-sha256","maxLevel":"untrusted","publicKey":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}]}"#.to_vec(),
    );
    s.insert(
        "keyring-minimal.json".into(),
        br#"{"version":1,"sequence":0}"#.to_vec(),
    );
    s.insert("keyring-empty".into(), Vec::new());

    // Policies run through the same target (Policy::parse on UTF-8 input).
    let default_policy = include_bytes!("../policy/default.json");
    s.insert("policy-default.json".into(), default_policy.to_vec());
    s.insert(
        "policy-default.yaml".into(),
        json_to_block_yaml(default_policy).into_bytes(),
    );
    let text = String::from_utf8(default_policy.to_vec()).unwrap();
    s.insert(
        "policy-bad-size.json".into(),
        text.replacen("256MiB", "256MB", 1).into_bytes(),
    );
    s.insert(
        "policy-unknown-field.json".into(),
        text.replacen("\"version\": 1", "\"version\": 1, \"extra\": 0", 1)
            .into_bytes(),
    );
    s.insert(
        "policy-yaml-alias.yaml".into(),
        b"version: &v 1\nlevels: *v\ncomplexity: [*v, *v]\n".to_vec(),
    );
    s
}

/// The default policy rewritten as block YAML (JSON is valid YAML; this
/// re-indents it so the YAML path sees YAML syntax, not flow style only).
fn json_to_block_yaml(json: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(json).unwrap();
    let mut out = String::new();
    write_yaml(&value, 0, &mut out);
    out
}

fn write_yaml(v: &serde_json::Value, indent: usize, out: &mut String) {
    use serde_json::Value;
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Object(_) => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        write_yaml(v, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}{k}: {}\n", v)),
                }
            }
        }
        other => out.push_str(&format!("{pad}{other}\n")),
    }
}

/// Whole files for the inspect target: the hand-written components of
/// `tests/inspect.rs`, generated ones, truncations, a core module, nesting
/// past the limit.
fn inspect_seeds() -> Seeds {
    let mut s = Seeds::new();
    for (name, text) in [
        ("instances", INSTANCES),
        ("components", COMPONENTS),
        ("validator-0.247-panics", VALIDATOR_0_247_PANICS),
        ("core-module", "(module (func (export \"f\")))"),
    ] {
        s.insert(name.into(), wat::parse_str(text).expect("valid text"));
    }
    for seed in 0..6 {
        let choices = gen::tape(seed, 160);
        s.insert(
            format!("generated-{seed}"),
            gen::component(&mut gen::Tape::new(&choices)),
        );
    }
    let instances = s["instances"].clone();
    for cut in [9, 20, instances.len() / 2, instances.len() - 1] {
        s.insert(format!("instances-cut-at-{cut}"), instances[..cut].to_vec());
    }
    s.insert(
        "nested-past-the-limit".into(),
        nested_component_type(gfx_trust::inspect::MAX_NESTING + 1),
    );
    s.insert("fixture-component".into(), fixture_component());
    s
}

fn write_dir(target: &str, seeds: &Seeds) {
    let dir = corpus_root().join(target);
    fs::create_dir_all(&dir).unwrap();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("seed-") && !seeds.contains_key(&name["seed-".len()..]) {
            fs::remove_file(&path).unwrap();
        }
    }
    for (name, bytes) in seeds {
        fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    }
}

#[test]
#[ignore = "writes crates/trust/fuzz/corpus; run with --ignored to regenerate the seeds"]
fn regenerate_seed_corpora() {
    let containers = container_seeds();
    let sections = section_seeds(&containers);
    let keyrings = keyring_seeds();
    let inspects = inspect_seeds();
    // The seeds reach the paths their names promise.
    let ring = gfx_trust::fuzzing::fixture_keyring();
    let now = gfx_trust::fuzzing::fixture_now();
    for (name, reason) in [
        ("signed-verifies", Reason::Verified),
        ("signed-level-exceeds-key", Reason::LevelExceedsKey),
        ("signed-revoked-key", Reason::KeyRevoked),
        ("signed-expired-key", Reason::KeyExpired),
        ("signed-unknown-key", Reason::KeyUnknown),
        ("signed-statement-expired", Reason::SignatureExpired),
        ("cosigned-two-keys", Reason::Verified),
        ("two-envelopes", Reason::Verified),
        ("signed-module", Reason::Verified),
        ("preamble-swapped", Reason::SignatureInvalid),
        ("byte-flipped", Reason::SignatureInvalid),
        ("unsigned", Reason::Unsigned),
        ("signature-moved-to-end", Reason::Malformed),
    ] {
        assert_eq!(
            verify(&containers[name], ring, now).reason,
            reason,
            "{name}"
        );
    }
    for name in ["policy-default.json", "policy-default.yaml"] {
        let text = std::str::from_utf8(&keyrings[name]).unwrap();
        gfx_trust::Policy::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for name in [
        "keyring-fixture.json",
        "keyring-valid-pem.json",
        "keyring-valid-jwk.json",
    ] {
        gfx_trust::Keyring::from_json(&keyrings[name]).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // Every seed must itself pass the harness before it is written.
    for (target, seeds) in [
        ("container", &containers),
        ("section", &sections),
        ("keyring", &keyrings),
        ("inspect", &inspects),
    ] {
        let t = gfx_trust::fuzzing::Target::from_name(target).unwrap();
        for bytes in seeds.values() {
            t.run(bytes);
        }
        write_dir(target, seeds);
    }
}
