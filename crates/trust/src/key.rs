//! Keys: ECDSA P-256 public keys (SPKI PEM/DER or JWK), private keys
//! (PKCS#8 or SEC1 PEM), and key ids.
//!
//! A key id is the SHA-256 of the key's DER-encoded SubjectPublicKeyInfo,
//! written `sha256:<hex>` — `openssl pkey -pubin -outform DER | sha256sum`
//! gives the same hex.

use core::fmt;
use core::str::FromStr;

use base64::Engine as _;
use p256::ecdsa::{signature::Signer as _, signature::Verifier as _, Signature, VerifyingKey};
use p256::pkcs8::{EncodePrivateKey, LineEnding};

use crate::digest::{parse_hex32, Digest};

/// A problem with key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The PEM/DER public key is not a P-256 SubjectPublicKeyInfo.
    #[error("not a P-256 public key (SPKI PEM/DER expected): {0}")]
    BadPublicKey(String),
    /// The private key is not a P-256 PKCS#8 or SEC1 key.
    #[error("not a P-256 private key (PKCS#8 or SEC1 PEM expected): {0}")]
    BadPrivateKey(String),
    /// The JWK is not an EC P-256 public key.
    #[error("not an EC P-256 JWK: {0}")]
    BadJwk(String),
    /// A key id string is malformed.
    #[error("key id must be `sha256:` followed by 64 lowercase hex digits, got `{0}`")]
    BadKeyId(String),
}

/// A key id: SHA-256 of the DER SubjectPublicKeyInfo.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 32]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for KeyId {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.strip_prefix("sha256:")
            .and_then(parse_hex32)
            .map(KeyId)
            .ok_or_else(|| KeyError::BadKeyId(s.chars().take(80).collect()))
    }
}

impl serde::Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A JSON Web Key for an EC P-256 public key (RFC 7518 §6.2).
///
/// The fields WebCrypto's `exportKey('jwk', …)` adds (`ext`, `key_ops`) and
/// the usual optional ones (`kid`, `use`, `alg`) are accepted and ignored;
/// anything else is an error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jwk {
    /// Must be `EC`.
    pub kty: String,
    /// Must be `P-256`.
    pub crv: String,
    /// base64url x coordinate (32 bytes).
    pub x: String,
    /// base64url y coordinate (32 bytes).
    pub y: String,
    /// Optional key id (not trusted; the key id is always recomputed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Optional intended use.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Optional algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// WebCrypto's extractable flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext: Option<bool>,
    /// WebCrypto's key operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
}

/// The DER AlgorithmIdentifier of a P-256 key: `SEQUENCE { OID id-ecPublicKey, OID prime256v1 }`.
const SPKI_ALGORITHM: [u8; 21] = [
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07,
];
/// Bytes of the DER SubjectPublicKeyInfo of an uncompressed P-256 point.
const SPKI_UNCOMPRESSED_LEN: usize = 2 + SPKI_ALGORITHM.len() + 3 + 65;
/// Any other DER (the RustCrypto decoder named the ASN.1 problem; this says what is expected).
const NOT_P256_SPKI: &str =
    "not a DER SubjectPublicKeyInfo of a P-256 key (id-ecPublicKey, prime256v1)";
/// The point is not on the curve (the RustCrypto decoder's words).
const BAD_POINT: &str = "ASN.1 error: malformed ASN.1 DER value for BIT STRING";

/// The SEC1 point of a DER SubjectPublicKeyInfo of a P-256 key.
///
/// DER leaves a P-256 key one encoding: `SEQUENCE { SPKI_ALGORITHM, BIT STRING { 0 unused bits,
/// point } }`, with short-form lengths (a valid point is at most 65 bytes), nothing after it. So
/// this accepts exactly what p256's `DecodePublicKey` accepted, without linking a DER decoder
/// into the browser loader; `tests/spki.rs` checks the two against each other.
fn spki_point(der: &[u8]) -> Option<&[u8]> {
    let ([0x30, len], rest) = der.split_first_chunk::<2>()? else {
        return None;
    };
    if *len >= 0x80 || rest.len() != usize::from(*len) {
        return None;
    }
    let rest = rest.strip_prefix(&SPKI_ALGORITHM)?;
    let ([0x03, len, 0x00], point) = rest.split_first_chunk::<3>()? else {
        return None;
    };
    if *len >= 0x80 || point.len() + 1 != usize::from(*len) {
        return None;
    }
    Some(point)
}

/// An ECDSA P-256 public key and its id.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    spki_der: Vec<u8>,
    id: KeyId,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id)
    }
}

impl PublicKey {
    fn from_verifying_key(key: VerifyingKey) -> Result<Self, KeyError> {
        // What `to_public_key_der` writes: the fixed header, then the uncompressed point.
        let point = key.to_sec1_point(false);
        let mut spki_der = Vec::with_capacity(SPKI_UNCOMPRESSED_LEN);
        spki_der.extend_from_slice(&[0x30, (SPKI_UNCOMPRESSED_LEN - 2) as u8]);
        spki_der.extend_from_slice(&SPKI_ALGORITHM);
        spki_der.extend_from_slice(&[0x03, 0x42, 0x00]);
        spki_der.extend_from_slice(point.as_bytes());
        let id = KeyId(Digest::of(&spki_der).0);
        Ok(PublicKey { key, spki_der, id })
    }

    /// Parses a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let point = spki_point(der).ok_or_else(|| KeyError::BadPublicKey(NOT_P256_SPKI.into()))?;
        let key = VerifyingKey::from_sec1_bytes(point)
            .map_err(|_| KeyError::BadPublicKey(BAD_POINT.into()))?;
        Self::from_verifying_key(key)
    }

    /// Parses a PEM `PUBLIC KEY` (SPKI), as openssl writes it.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        // RFC 7468 as the RustCrypto decoder read it (the same crate), with its messages.
        let pem_error =
            |e: pem_rfc7468::Error| KeyError::BadPublicKey(format!("ASN.1 error: PEM error: {e}"));
        let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes()).map_err(pem_error)?;
        if label != "PUBLIC KEY" {
            return Err(pem_error(pem_rfc7468::Error::UnexpectedTypeLabel {
                expected: "PUBLIC KEY",
            }));
        }
        Self::from_spki_der(&der)
    }

    /// Parses an EC P-256 JWK.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        if jwk.kty != "EC" || jwk.crv != "P-256" {
            return Err(KeyError::BadJwk(format!(
                "kty `{}` crv `{}`",
                jwk.kty, jwk.crv
            )));
        }
        let coord = |name: &str, v: &str| -> Result<Vec<u8>, KeyError> {
            let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(v)
                .map_err(|e| KeyError::BadJwk(format!("{name}: {e}")))?;
            if b.len() != 32 {
                return Err(KeyError::BadJwk(format!(
                    "{name} is {} bytes, expected 32",
                    b.len()
                )));
            }
            Ok(b)
        };
        let mut sec1 = vec![0x04];
        sec1.extend(coord("x", &jwk.x)?);
        sec1.extend(coord("y", &jwk.y)?);
        let key = VerifyingKey::from_sec1_bytes(&sec1)
            .map_err(|_| KeyError::BadJwk("point is not on the P-256 curve".into()))?;
        Self::from_verifying_key(key)
    }

    /// The key as an EC P-256 JWK (`kty`, `crv`, `x`, `y`).
    pub fn to_jwk(&self) -> Jwk {
        let point = self.key.to_sec1_point(false);
        let bytes = point.as_bytes();
        let enc = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        Jwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: enc(&bytes[1..33]),
            y: enc(&bytes[33..65]),
            kid: None,
            use_: None,
            alg: None,
            ext: None,
            key_ops: None,
        }
    }

    /// PEM `PUBLIC KEY` (SPKI), readable by openssl.
    pub fn to_pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.spki_der);
        let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(core::str::from_utf8(line).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END PUBLIC KEY-----\n");
        out
    }

    /// DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The key id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// Verifies a 64-byte r‖s ECDSA P-256/SHA-256 signature over `message`.
    ///
    /// Any other signature length, a zero `r` or `s`, or an out-of-range
    /// scalar is a failed verification. High-S signatures are accepted, as
    /// WebCrypto and openssl produce them.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify(message, &sig).is_ok()
    }
}

/// An ECDSA P-256 private key.
pub struct SigningKey {
    key: p256::ecdsa::SigningKey,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.public.id)
    }
}

impl SigningKey {
    fn from_inner(key: p256::ecdsa::SigningKey) -> Result<Self, KeyError> {
        let public = PublicKey::from_verifying_key(*key.verifying_key())?;
        Ok(SigningKey { key, public })
    }

    /// A key from 32 secret bytes (a big-endian scalar in `1..n`).
    ///
    /// Key generation lives with the caller, who owns the randomness: feed
    /// 32 random bytes and retry on the (astronomically rare) error.
    pub fn from_secret_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = p256::ecdsa::SigningKey::from_slice(bytes)
            .map_err(|_| KeyError::BadPrivateKey("scalar out of range".into()))?;
        Self::from_inner(key)
    }

    /// Parses a PEM private key: PKCS#8 `PRIVATE KEY` (what `openssl genpkey`
    /// writes) or SEC1 `EC PRIVATE KEY` (what `openssl ecparam -genkey` writes).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let secret = p256::SecretKey::from_pem(pem.trim())
            .map_err(|e| KeyError::BadPrivateKey(e.to_string()))?;
        Self::from_inner(secret.into())
    }

    /// PKCS#8 PEM (`PRIVATE KEY`), readable by openssl.
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|s| s.to_string())
            .map_err(|e| KeyError::BadPrivateKey(e.to_string()))
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// A deterministic (RFC 6979) ECDSA P-256/SHA-256 signature, 64-byte r‖s.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let sig: Signature = self.key.sign(message);
        let mut out = [0u8; 64];
        out.copy_from_slice(&sig.to_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_secret_bytes(&[7u8; 32]).unwrap()
    }

    #[test]
    fn pem_round_trips_preserve_the_key_id() {
        let k = key();
        let again = SigningKey::from_pem(&k.to_pkcs8_pem().unwrap()).unwrap();
        assert_eq!(again.public_key().id(), k.public_key().id());
        let public = PublicKey::from_pem(&k.public_key().to_pem()).unwrap();
        assert_eq!(public.id(), k.public_key().id());
        assert_eq!(
            PublicKey::from_jwk(&public.to_jwk()).unwrap().id(),
            public.id()
        );
    }

    #[test]
    fn key_id_is_the_sha256_of_the_spki_der() {
        let k = key();
        assert_eq!(
            k.public_key().id().0,
            Digest::of(k.public_key().spki_der()).0
        );
        let text = k.public_key().id().to_string();
        assert_eq!(text.parse::<KeyId>().unwrap(), k.public_key().id());
    }

    #[test]
    fn signatures_of_other_lengths_never_verify() {
        let k = key();
        let sig = k.sign(b"m");
        assert!(k.public_key().verify(b"m", &sig));
        assert!(!k.public_key().verify(b"m", &sig[..63]));
        let mut long = sig.to_vec();
        long.push(0);
        assert!(!k.public_key().verify(b"m", &long));
        assert!(!k.public_key().verify(b"m", &[0u8; 64]));
    }

    #[test]
    fn jwk_with_a_foreign_curve_is_rejected() {
        let mut jwk = key().public_key().to_jwk();
        jwk.crv = "P-384".into();
        assert!(matches!(
            PublicKey::from_jwk(&jwk),
            Err(KeyError::BadJwk(_))
        ));
    }
}
