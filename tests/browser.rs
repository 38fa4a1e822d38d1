//! In-browser tests of the loader's verification (wasm-bindgen-test in headless Chromium, flags in
//! `webdriver.json`): the WebCrypto path and the wasm path reach the same digest and the same
//! verdict on the same bytes — valid, tampered, re-keyed, truncated and garbage alike.
#![cfg(target_arch = "wasm32")]

use gfx_trust::digest::Digester;
use gfx_trust::{Claims, Keyring, SigningKey, TrustLevel};
use wasi_gfx_loader::integrity::{self, HashEngine};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const COMPONENT_PREAMBLE: &[u8] = b"\0asm\x0d\x00\x01\x00";

/// A structurally valid component of about `size` bytes: the preamble and custom sections of
/// deterministic pseudo-random bytes.
fn component(size: usize) -> Vec<u8> {
    let mut out = COMPONENT_PREAMBLE.to_vec();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    while out.len() < size {
        let n = (size - out.len()).clamp(16, 60_000);
        let mut body = vec![4u8];
        body.extend_from_slice(b"data");
        for _ in 0..n {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            body.push(state as u8);
        }
        out.push(0);
        let mut len = body.len() as u32;
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
        out.extend_from_slice(&body);
    }
    out
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_secret_bytes(&[seed; 32]).expect("key")
}

fn sign(bytes: &[u8], key: &SigningKey) -> Vec<u8> {
    let claims = Claims {
        level: TrustLevel::PublisherSigned,
        signer: "Browser Test".into(),
        name: Some("test".into()),
        version: Some("1.0.0".into()),
        capabilities: vec!["gpu".into()],
        issued_at: time::OffsetDateTime::UNIX_EPOCH,
        expires_at: None,
    };
    gfx_trust::sign::sign(bytes, key, claims, "test.wasm").expect("sign")
}

fn keyring(key: &SigningKey) -> Keyring {
    let json = serde_json::json!({
        "version": 1,
        "sequence": 1,
        "keys": [{
            "algorithm": "ecdsa-p256-sha256",
            "publicKey": key.public_key().to_pem(),
            "maxLevel": "publisher-signed",
            "label": "test key"
        }]
    });
    Keyring::from_json(json.to_string().as_bytes()).expect("keyring")
}

/// Both engines (and the wasm engine fed in chunks, as while downloading) on the same bytes.
async fn all_engines(
    bytes: &[u8],
    ring: &Keyring,
) -> Vec<Result<(String, String, String), String>> {
    let now = wasi_gfx_loader::js::wall_clock();
    let mut out = Vec::new();
    for (engine, chunked) in [
        (HashEngine::WebCrypto, false),
        (HashEngine::Wasm, false),
        (HashEngine::Wasm, true),
    ] {
        let streamed = chunked.then(|| {
            let mut d = Digester::new();
            for c in bytes.chunks(7919) {
                d.update(c);
            }
            d
        });
        let r = integrity::check(bytes.to_vec(), streamed, engine, ring, now).await;
        out.push(
            r.map(|c| {
                (
                    c.digest.to_string(),
                    c.verdict.reason.code().to_owned(),
                    serde_json::to_string(&c.verdict).expect("json"),
                )
            })
            .map_err(|e| e.code().to_owned()),
        );
    }
    out
}

async fn assert_agree(bytes: &[u8], ring: &Keyring) -> Result<(String, String, String), String> {
    let results = all_engines(bytes, ring).await;
    assert_eq!(results[0], results[1], "webcrypto vs wasm");
    assert_eq!(results[0], results[2], "webcrypto vs streamed wasm");
    results[0].clone()
}

#[wasm_bindgen_test]
fn webcrypto_is_available_in_the_test_browser() {
    assert!(integrity::webcrypto_available());
}

#[wasm_bindgen_test]
async fn engines_agree_on_a_valid_signature() {
    let k = key(1);
    let unsigned = component(4096);
    let signed = sign(&unsigned, &k);
    let (digest, reason, _) = assert_agree(&signed, &keyring(&k)).await.expect("verifies");
    assert_eq!(reason, "verified");
    assert_eq!(digest, gfx_trust::Digest::of(&unsigned).to_string());
}

#[wasm_bindgen_test]
async fn engines_agree_on_a_large_signed_component() {
    let k = key(2);
    let signed = sign(&component(3 << 20), &k);
    let (_, reason, _) = assert_agree(&signed, &keyring(&k)).await.expect("verifies");
    assert_eq!(reason, "verified");
}

#[wasm_bindgen_test]
async fn engines_agree_on_unsigned_and_unknown_keys() {
    let k = key(3);
    let unsigned = component(2048);
    let (_, reason, _) = assert_agree(&unsigned, &keyring(&k))
        .await
        .expect("readable");
    assert_eq!(reason, "unsigned");
    let other = sign(&unsigned, &key(4));
    let (_, reason, _) = assert_agree(&other, &keyring(&k)).await.expect("readable");
    assert_eq!(reason, "key-unknown");
}

#[wasm_bindgen_test]
async fn engines_agree_on_every_tampered_byte_position_sampled() {
    let k = key(5);
    let ring = keyring(&k);
    let signed = sign(&component(1500), &k);
    for i in (0..signed.len()).step_by(37) {
        let mut t = signed.clone();
        t[i] ^= 0x01;
        let r = assert_agree(&t, &ring).await;
        if let Ok((_, reason, _)) = &r {
            assert_ne!(reason, "verified", "flip at byte {i} verified");
        }
    }
}

#[wasm_bindgen_test]
async fn engines_agree_on_truncations_and_garbage() {
    let k = key(6);
    let ring = keyring(&k);
    let signed = sign(&component(1200), &k);
    for cut in [0, 3, 8, 9, 10, 40, signed.len() / 2, signed.len() - 1] {
        let r = assert_agree(&signed[..cut], &ring).await;
        if let Ok((_, reason, _)) = &r {
            assert_ne!(reason, "verified", "truncation at {cut} verified");
        }
    }
    let garbage: Vec<u8> = (0..997u32).map(|i| (i * 31 + 7) as u8).collect();
    assert_eq!(
        assert_agree(&garbage, &ring).await,
        Err("component-invalid".into())
    );
}

#[wasm_bindgen_test]
async fn verify_component_reports_the_verdict_to_javascript() {
    let k = key(7);
    let signed = sign(&component(1024), &k);
    let ring_json = serde_json::json!({
        "version": 1, "sequence": 1,
        "keys": [{"algorithm": "ecdsa-p256-sha256", "publicKey": k.public_key().to_pem(),
                  "maxLevel": "publisher-signed", "label": "test key"}]
    })
    .to_string();
    let ring = js_sys::JSON::parse(&ring_json).expect("json");
    for hash in ["webcrypto", "wasm"] {
        let opts = js_sys::Object::new();
        js_sys::Reflect::set(&opts, &"hash".into(), &hash.into()).expect("set");
        let bytes = js_sys::Uint8Array::from(&signed[..]);
        let out = wasi_gfx_loader::verify_component(bytes.into(), ring.clone(), opts.into())
            .await
            .expect("verified");
        let get = |k: &str| js_sys::Reflect::get(&out, &JsValue::from_str(k)).expect("field");
        assert_eq!(get("reason").as_string().as_deref(), Some("verified"));
        assert_eq!(
            get("trustLevel").as_string().as_deref(),
            Some("publisher-signed")
        );
        assert_eq!(get("signer").as_string().as_deref(), Some("Browser Test"));
        assert_eq!(get("hash").as_string().as_deref(), Some(hash));
    }
}

#[wasm_bindgen_test]
fn forgetting_consent_removes_only_the_named_digest() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let p = wasi_gfx_loader::storage::PREFIX;
    storage
        .set_item(&format!("{p}consent:sha256:aa:key1"), "allow")
        .unwrap();
    storage
        .set_item(&format!("{p}consent:sha256:aa:key2"), "deny")
        .unwrap();
    storage
        .set_item(&format!("{p}consent:sha256:bb:key1"), "allow")
        .unwrap();
    storage.set_item("unrelated", "x").unwrap();
    assert_eq!(wasi_gfx_loader::forget_consent(Some("sha256:aa".into())), 2);
    assert_eq!(
        storage
            .get_item(&format!("{p}consent:sha256:bb:key1"))
            .unwrap()
            .as_deref(),
        Some("allow")
    );
    assert_eq!(wasi_gfx_loader::forget_consent(None), 1);
    assert_eq!(storage.get_item("unrelated").unwrap().as_deref(), Some("x"));
}
