//! The `gfx-sign` contract, through the real binary on real guest components
//! (`guests/dist/*.wasm`, built by `scripts/build-guests.sh`), with keys made
//! by both `gfx-sign` and openssl.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gfx-sign"))
}

/// A built guest component. Fails (never skips) when the guests are missing.
fn guest(name: &str) -> PathBuf {
    let dir = std::env::var_os("GFX_GUESTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests/dist"));
    let path = dir.join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run scripts/build-guests.sh (npm test does) before these tests",
        path.display()
    );
    path
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("spawn");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn gfx(dir: &Path, args: &[&str]) -> Run {
    run(bin().current_dir(dir).args(args))
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    let r = gfx(dir, args);
    assert_eq!(
        r.code, 0,
        "gfx-sign {args:?} failed: {}{}",
        r.stdout, r.stderr
    );
    r
}

fn openssl(dir: &Path, args: &[&str]) -> Run {
    let r = run(Command::new("openssl").current_dir(dir).args(args));
    assert_eq!(r.code, 0, "openssl {args:?} failed: {}", r.stderr);
    r
}

/// A temp dir with a key `k` (publisher cap) in `ring.json` and the triangle copied in.
fn setup() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::copy(guest("triangle"), d.join("triangle.wasm")).unwrap();
    ok(d, &["keygen", "--out", "k.pem"]);
    ok(
        d,
        &[
            "keyring",
            "add",
            "--keyring",
            "ring.json",
            "--key",
            "k.pub.pem",
            "--max-level",
            "publisher-signed",
            "--label",
            "Test publisher",
        ],
    );
    t
}

fn sign(d: &Path, key: &str, level: &str, input: &str, output: &str, extra: &[&str]) {
    let mut args = vec![
        "sign", "--key", key, "--level", level, "--signer", "Acme", input, "-o", output,
    ];
    args.extend_from_slice(extra);
    ok(d, &args);
}

fn verify_json(d: &Path, file: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["verify", "--keyring", "ring.json", file, "--json"];
    args.extend_from_slice(extra);
    let r = gfx(d, &args);
    (r.code, r.json())
}

#[test]
fn signed_guest_verifies_with_exit_0_and_reports_level_signer_key_and_digest() {
    let t = setup();
    let d = t.path();
    sign(
        d,
        "k.pem",
        "publisher-signed",
        "triangle.wasm",
        "signed.wasm",
        &[
            "--name",
            "triangle",
            "--version",
            "0.1.0",
            "--capability",
            "gpu",
        ],
    );
    let text = ok(d, &["verify", "--keyring", "ring.json", "signed.wasm"]);
    assert!(
        text.stdout.contains("level:    publisher-signed"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("signer:   Acme"));
    let (code, v) = verify_json(d, "signed.wasm", &[]);
    assert_eq!(code, 0);
    assert_eq!(v["verified"], true);
    assert_eq!(v["level"], "publisher-signed");
    assert_eq!(v["reason"], "verified");
    assert_eq!(v["signer"], "Acme");
    assert_eq!(v["name"], "triangle");
    assert_eq!(v["capabilities"], serde_json::json!(["gpu"]));
    assert!(v["keyId"].as_str().unwrap().starts_with("sha256:"));
    // The digest is that of the unsigned guest.
    let original = std::fs::read(d.join("triangle.wasm")).unwrap();
    let expected = gfx_trust::Digest::of(&original).to_string();
    assert_eq!(v["digest"], expected.as_str());
}

#[test]
fn every_failure_reason_exits_1_with_its_code() {
    let t = setup();
    let d = t.path();
    // unsigned
    let (code, v) = verify_json(d, "triangle.wasm", &[]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("unsigned")));
    assert_eq!(v["level"], "untrusted");
    // signature-invalid: one byte of the component body changed after signing
    sign(
        d,
        "k.pem",
        "publisher-signed",
        "triangle.wasm",
        "signed.wasm",
        &[],
    );
    let mut bytes = std::fs::read(d.join("signed.wasm")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(d.join("tampered.wasm"), &bytes).unwrap();
    let (code, v) = verify_json(d, "tampered.wasm", &[]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("signature-invalid")));
    // key-unknown
    ok(d, &["keygen", "--out", "stranger.pem"]);
    sign(
        d,
        "stranger.pem",
        "publisher-signed",
        "triangle.wasm",
        "stranger.wasm",
        &[],
    );
    let (code, v) = verify_json(d, "stranger.wasm", &[]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("key-unknown")));
    // level-exceeds-key
    sign(
        d,
        "k.pem",
        "enterprise-trusted",
        "triangle.wasm",
        "greedy.wasm",
        &[],
    );
    let (code, v) = verify_json(d, "greedy.wasm", &[]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("level-exceeds-key")));
    // signature-expired
    sign(
        d,
        "k.pem",
        "publisher-signed",
        "triangle.wasm",
        "expiring.wasm",
        &["--expires", "2099-01-01T00:00:00Z"],
    );
    assert_eq!(verify_json(d, "expiring.wasm", &[]).0, 0);
    let (code, v) = verify_json(d, "expiring.wasm", &["--at", "2099-06-01T00:00:00Z"]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("signature-expired")));
    // malformed: not WebAssembly, and a truncated signed file
    std::fs::write(d.join("junk.wasm"), b"definitely not wasm").unwrap();
    let (code, v) = verify_json(d, "junk.wasm", &[]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("malformed")));
    std::fs::write(d.join("cut.wasm"), &bytes[..40]).unwrap();
    let (code, v) = verify_json(d, "cut.wasm", &[]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("malformed")));
    // key-revoked (last: it changes the keyring)
    let id = v_key_id(d, "signed.wasm");
    ok(
        d,
        &[
            "keyring",
            "revoke",
            "--keyring",
            "ring.json",
            "--key-id",
            &id,
        ],
    );
    let (code, v) = verify_json(d, "signed.wasm", &[]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("key-revoked")));
}

fn v_key_id(d: &Path, file: &str) -> String {
    verify_json(d, file, &[]).1["keyId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn expired_key_exits_1_with_key_expired() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::copy(guest("animated-clear"), d.join("a.wasm")).unwrap();
    ok(d, &["keygen", "--out", "old.pem"]);
    ok(
        d,
        &[
            "keyring",
            "add",
            "--keyring",
            "ring.json",
            "--key",
            "old.pub.pem",
            "--max-level",
            "enterprise-trusted",
            "--not-after",
            "2020-01-01T00:00:00Z",
        ],
    );
    sign(d, "old.pem", "publisher-signed", "a.wasm", "s.wasm", &[]);
    let (code, v) = verify_json(d, "s.wasm", &[]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("key-expired")));
}

#[test]
fn usage_errors_exit_2() {
    let t = setup();
    let d = t.path();
    assert_eq!(gfx(d, &["frobnicate"]).code, 2);
    assert_eq!(
        gfx(d, &["verify", "triangle.wasm"]).code,
        2,
        "missing --keyring"
    );
    let r = gfx(d, &["verify", "--keyring", "missing.json", "triangle.wasm"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing.json"), "{}", r.stderr);
    std::fs::write(d.join("bad.json"), b"{\"version\":1,\"sequence\":\"x\"}").unwrap();
    let r = gfx(d, &["verify", "--keyring", "bad.json", "triangle.wasm"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("sequence"), "{}", r.stderr);
    let r = gfx(
        d,
        &[
            "sign",
            "--key",
            "k.pem",
            "--level",
            "root",
            "--signer",
            "x",
            "triangle.wasm",
            "-o",
            "o.wasm",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("root"), "{}", r.stderr);
    // keygen refuses to overwrite a key
    let r = gfx(d, &["keygen", "--out", "k.pem"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    // a private key is not a keyring entry
    let r = gfx(
        d,
        &[
            "keyring",
            "add",
            "--keyring",
            "ring.json",
            "--key",
            "k.pem",
            "--max-level",
            "untrusted",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("private key"), "{}", r.stderr);
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_can_read() {
    let t = setup();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(t.path().join("k.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let pem = std::fs::read_to_string(t.path().join("k.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
}

#[test]
fn signing_a_signed_file_adds_a_signature_and_keeps_the_others() {
    let t = setup();
    let d = t.path();
    ok(d, &["keygen", "--out", "k2.pem"]);
    ok(
        d,
        &[
            "keyring",
            "add",
            "--keyring",
            "ring.json",
            "--key",
            "k2.pub.pem",
            "--max-level",
            "enterprise-trusted",
        ],
    );
    sign(
        d,
        "k.pem",
        "publisher-signed",
        "triangle.wasm",
        "s.wasm",
        &[],
    );
    sign(d, "k2.pem", "enterprise-trusted", "s.wasm", "s.wasm", &[]);
    let (code, v) = verify_json(d, "s.wasm", &[]);
    assert_eq!(code, 0);
    assert_eq!(v["level"], "enterprise-trusted");
    assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(v["distinctKeys"], 2);
    let inspect = ok(d, &["inspect", "s.wasm", "--json"]).json();
    assert_eq!(inspect["claims"].as_array().unwrap().len(), 2);
}

#[test]
fn inspect_lists_sections_claims_digest_imports_and_exports() {
    let t = setup();
    let d = t.path();
    sign(
        d,
        "k.pem",
        "publisher-signed",
        "triangle.wasm",
        "s.wasm",
        &["--name", "triangle"],
    );
    let v = ok(d, &["inspect", "s.wasm", "--json"]).json();
    assert_eq!(v["kind"], "component");
    assert_eq!(v["signed"], true);
    assert_eq!(v["sections"][0]["name"], "wasi-gfx-signature");
    assert_eq!(v["claims"][0]["name"], "triangle");
    let imports: Vec<(&str, &str)> = v["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["interface"].as_str().unwrap(),
                i["version"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        imports,
        vec![
            ("wasi:webgpu/webgpu", "0.3.0-rc.2"),
            ("wasi-gfx:surface/surface", "0.2.0"),
            ("wasi-gfx:surface/surface-webgpu", "0.2.0"),
        ]
    );
    assert_eq!(v["exports"][0]["name"], "start");
    assert_eq!(v["exports"][0]["kind"], "func");
    let text = ok(d, &["inspect", "s.wasm"]).stdout;
    assert!(text.contains("NOT verified"), "{text}");
}

#[test]
fn detach_then_attach_restores_the_signed_file() {
    let t = setup();
    let d = t.path();
    sign(
        d,
        "k.pem",
        "publisher-signed",
        "triangle.wasm",
        "s.wasm",
        &[],
    );
    ok(
        d,
        &[
            "detach",
            "s.wasm",
            "-o",
            "bare.wasm",
            "--signature",
            "s.sig",
        ],
    );
    assert_eq!(
        std::fs::read(d.join("bare.wasm")).unwrap(),
        std::fs::read(d.join("triangle.wasm")).unwrap()
    );
    assert_eq!(verify_json(d, "bare.wasm", &[]).1["reason"], "unsigned");
    ok(
        d,
        &[
            "attach",
            "bare.wasm",
            "--signature",
            "s.sig",
            "-o",
            "again.wasm",
        ],
    );
    assert_eq!(
        std::fs::read(d.join("again.wasm")).unwrap(),
        std::fs::read(d.join("s.wasm")).unwrap()
    );
    // A DSSE JSON envelope attaches too.
    let env = ok(d, &["export-dsse", "s.wasm"]).stdout;
    std::fs::write(d.join("env.json"), env).unwrap();
    ok(
        d,
        &[
            "attach",
            "bare.wasm",
            "--signature",
            "env.json",
            "-o",
            "from-json.wasm",
        ],
    );
    assert_eq!(verify_json(d, "from-json.wasm", &[]).0, 0);
    // ...but not onto other bytes.
    std::fs::copy(guest("animated-clear"), d.join("other.wasm")).unwrap();
    let r = gfx(
        d,
        &[
            "attach",
            "other.wasm",
            "--signature",
            "env.json",
            "-o",
            "x.wasm",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("is for sha256:"), "{}", r.stderr);
}

#[test]
fn export_dsse_prints_a_dsse_envelope_with_an_in_toto_statement() {
    let t = setup();
    let d = t.path();
    sign(
        d,
        "k.pem",
        "publisher-signed",
        "triangle.wasm",
        "s.wasm",
        &[],
    );
    let env: Value = serde_json::from_str(&ok(d, &["export-dsse", "s.wasm"]).stdout).unwrap();
    assert_eq!(env["payloadType"], "application/vnd.in-toto+json");
    let body = gfx_trust::dsse::decode_base64(env["payload"].as_str().unwrap()).unwrap();
    let statement: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicate"]["level"], "publisher-signed");
    let digest = gfx_trust::Digest::of(&std::fs::read(d.join("triangle.wasm")).unwrap());
    assert_eq!(statement["subject"][0]["digest"]["sha256"], digest.hex());
    assert_eq!(
        gfx(d, &["export-dsse", "triangle.wasm"]).code,
        1,
        "unsigned file has no envelope"
    );
}

#[test]
fn keyring_list_shows_caps_labels_and_revocations() {
    let t = setup();
    let d = t.path();
    let v = ok(d, &["keyring", "list", "--keyring", "ring.json", "--json"]).json();
    assert_eq!(v["sequence"], 1);
    assert_eq!(v["keys"][0]["maxLevel"], "publisher-signed");
    assert_eq!(v["keys"][0]["label"], "Test publisher");
    assert_eq!(v["keys"][0]["status"], "active");
    let id = v["keys"][0]["keyId"].as_str().unwrap().to_owned();
    ok(
        d,
        &[
            "keyring",
            "revoke",
            "--keyring",
            "ring.json",
            "--key-id",
            &id,
        ],
    );
    let v = ok(d, &["keyring", "list", "--keyring", "ring.json", "--json"]).json();
    assert_eq!(v["sequence"], 2);
    assert_eq!(v["keys"][0]["status"], "revoked");
    assert_eq!(v["revoked"][0], id.as_str());
    // Adding the same key twice is refused.
    let r = gfx(
        d,
        &[
            "keyring",
            "add",
            "--keyring",
            "ring.json",
            "--key",
            "k.pub.pem",
            "--max-level",
            "untrusted",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

// ---- openssl interoperability ----

#[test]
fn openssl_keys_sign_and_sit_in_keyrings() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::copy(guest("triangle"), d.join("t.wasm")).unwrap();
    // PKCS#8 from genpkey, and SEC1 from ecparam.
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "p8.pem",
        ],
    );
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "sec1.pem",
        ],
    );
    for key in ["p8", "sec1"] {
        openssl(
            d,
            &[
                "pkey",
                "-in",
                &format!("{key}.pem"),
                "-pubout",
                "-out",
                &format!("{key}.pub.pem"),
            ],
        );
        ok(
            d,
            &[
                "keyring",
                "add",
                "--keyring",
                "ring.json",
                "--key",
                &format!("{key}.pub.pem"),
                "--max-level",
                "enterprise-trusted",
            ],
        );
        sign(
            d,
            &format!("{key}.pem"),
            "enterprise-trusted",
            "t.wasm",
            &format!("{key}.wasm"),
            &[],
        );
        let (code, v) = verify_json(d, &format!("{key}.wasm"), &[]);
        assert_eq!(code, 0, "{key}: {v}");
        // The key id is sha256 of the DER SPKI, as openssl computes it.
        let der = run(Command::new("openssl").current_dir(d).args([
            "pkey",
            "-pubin",
            "-in",
            &format!("{key}.pub.pem"),
            "-outform",
            "DER",
            "-out",
            &format!("{key}.der"),
        ]));
        assert_eq!(der.code, 0);
        let spki = std::fs::read(d.join(format!("{key}.der"))).unwrap();
        assert_eq!(
            v["keyId"],
            gfx_trust::Digest::of(&spki).to_string().as_str()
        );
    }
}

#[test]
fn gfx_sign_keys_load_in_openssl_and_its_signatures_verify_with_openssl() {
    let t = setup();
    let d = t.path();
    openssl(d, &["pkey", "-in", "k.pem", "-noout"]);
    openssl(d, &["pkey", "-pubin", "-in", "k.pub.pem", "-noout"]);
    sign(
        d,
        "k.pem",
        "publisher-signed",
        "triangle.wasm",
        "s.wasm",
        &[],
    );
    let env: Value = serde_json::from_str(&ok(d, &["export-dsse", "s.wasm"]).stdout).unwrap();
    let body = gfx_trust::dsse::decode_base64(env["payload"].as_str().unwrap()).unwrap();
    let pae = gfx_trust::dsse::pae(env["payloadType"].as_str().unwrap(), &body);
    std::fs::write(d.join("pae.bin"), &pae).unwrap();
    let raw =
        gfx_trust::dsse::decode_base64(env["signatures"][0]["sig"].as_str().unwrap()).unwrap();
    std::fs::write(d.join("sig.der"), raw_to_der(&raw)).unwrap();
    let r = openssl(
        d,
        &[
            "dgst",
            "-sha256",
            "-verify",
            "k.pub.pem",
            "-signature",
            "sig.der",
            "pae.bin",
        ],
    );
    assert!(r.stdout.contains("Verified OK"), "{}", r.stdout);
}

#[test]
fn an_envelope_signed_by_openssl_attaches_and_verifies() {
    // A publisher who signs with their own tooling: take our statement, sign
    // its PAE with openssl, wrap r||s in a DSSE envelope, attach.
    let t = setup();
    let d = t.path();
    sign(
        d,
        "k.pem",
        "publisher-signed",
        "triangle.wasm",
        "ours.wasm",
        &[],
    );
    let env: Value = serde_json::from_str(&ok(d, &["export-dsse", "ours.wasm"]).stdout).unwrap();
    let body = gfx_trust::dsse::decode_base64(env["payload"].as_str().unwrap()).unwrap();
    std::fs::write(
        d.join("pae.bin"),
        gfx_trust::dsse::pae("application/vnd.in-toto+json", &body),
    )
    .unwrap();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "o.pem",
        ],
    );
    openssl(d, &["pkey", "-in", "o.pem", "-pubout", "-out", "o.pub.pem"]);
    openssl(
        d,
        &[
            "dgst",
            "-sha256",
            "-sign",
            "o.pem",
            "-out",
            "o.sig.der",
            "pae.bin",
        ],
    );
    let raw = der_to_raw(&std::fs::read(d.join("o.sig.der")).unwrap());
    let id = ok(
        d,
        &[
            "keyring",
            "add",
            "--keyring",
            "ring.json",
            "--key",
            "o.pub.pem",
            "--max-level",
            "publisher-signed",
        ],
    )
    .stdout;
    let envelope = serde_json::json!({
        "payload": env["payload"],
        "payloadType": "application/vnd.in-toto+json",
        "signatures": [{ "keyid": id.trim(), "sig": gfx_trust::dsse::encode_base64(&raw) }],
    });
    std::fs::write(d.join("o.json"), envelope.to_string()).unwrap();
    ok(
        d,
        &[
            "attach",
            "triangle.wasm",
            "--signature",
            "o.json",
            "-o",
            "theirs.wasm",
        ],
    );
    let (code, v) = verify_json(d, "theirs.wasm", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["keyId"], id.trim());
}

/// 64-byte r||s → DER ECDSA-Sig-Value.
fn raw_to_der(raw: &[u8]) -> Vec<u8> {
    fn int(x: &[u8]) -> Vec<u8> {
        let mut x: Vec<u8> = x.iter().copied().skip_while(|b| *b == 0).collect();
        if x.first().is_none_or(|b| b & 0x80 != 0) {
            x.insert(0, 0);
        }
        let mut out = vec![0x02, x.len() as u8];
        out.extend(x);
        out
    }
    let mut body = int(&raw[..32]);
    body.extend(int(&raw[32..]));
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

/// DER ECDSA-Sig-Value → 64-byte r||s.
fn der_to_raw(der: &[u8]) -> Vec<u8> {
    assert_eq!(der[0], 0x30);
    let mut i = 2;
    let mut out = Vec::new();
    for _ in 0..2 {
        assert_eq!(der[i], 0x02);
        let len = der[i + 1] as usize;
        let v = &der[i + 2..i + 2 + len];
        let v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        let mut padded = vec![0u8; 32 - v.len()];
        padded.extend(v);
        out.extend(padded);
        i += 2 + len;
    }
    out
}
