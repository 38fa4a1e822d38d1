//! Verification: which signature, if any, vouches for these exact bytes, and
//! at what effective level.
//!
//! Every signature is checked in the same order — key known → signature
//! valid → statement well-formed → statement about *these* bytes → key not
//! revoked → key within its validity → statement not expired → level within
//! the key's cap — and fails at the first step it does not pass. The
//! effective level is the highest level any fully passing signature claims;
//! when none passes, the reported reason is that of the signature that got
//! furthest, so a tampered file says `signature-invalid`, not `key-unknown`.
//! Nothing here panics or allocates without bound on any input.

use time::OffsetDateTime;

use crate::container::Container;
use crate::digest::Digest;
use crate::dsse::{decode_base64, Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::key::KeyId;
use crate::keyring::Keyring;
use crate::level::TrustLevel;
use crate::section;
use crate::statement::{rfc3339, Claims, Statement};

/// Machine-readable outcome of verification.
///
/// The failure variants are ordered by how far a signature got; see the
/// module documentation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The file is not a structurally valid module/component, or its
    /// signature section (or a signed statement) is malformed.
    Malformed,
    /// No signature section.
    Unsigned,
    /// No signature names a key in the keyring.
    KeyUnknown,
    /// A signature does not verify, or verifies for other bytes.
    SignatureInvalid,
    /// The signing key is revoked.
    KeyRevoked,
    /// The signing key is outside its validity window.
    KeyExpired,
    /// The signed statement has expired.
    SignatureExpired,
    /// The claimed level is above the key's cap.
    LevelExceedsKey,
    /// A signature verified.
    Verified,
}

impl Reason {
    /// The kebab-case code (`signature-invalid`, …).
    pub fn code(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::Unsigned => "unsigned",
            Reason::KeyUnknown => "key-unknown",
            Reason::SignatureInvalid => "signature-invalid",
            Reason::KeyRevoked => "key-revoked",
            Reason::KeyExpired => "key-expired",
            Reason::SignatureExpired => "signature-expired",
            Reason::LevelExceedsKey => "level-exceeds-key",
            Reason::Verified => "verified",
        }
    }

    /// How far a signature got (for choosing which failure to report).
    fn progress(self) -> u8 {
        match self {
            Reason::Unsigned => 0,
            Reason::KeyUnknown => 1,
            Reason::SignatureInvalid => 2,
            Reason::Malformed => 3,
            Reason::KeyRevoked => 4,
            Reason::KeyExpired => 5,
            Reason::SignatureExpired => 6,
            Reason::LevelExceedsKey => 7,
            Reason::Verified => 8,
        }
    }
}

impl core::fmt::Display for Reason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}

/// The outcome of one signature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureCheck {
    /// Index of the envelope in the signature section.
    pub envelope: usize,
    /// Index of the signature in its envelope.
    pub index: usize,
    /// The key id the signature names, as written (unauthenticated).
    pub key_id: Option<String>,
    /// Outcome.
    pub reason: Reason,
    /// Human-readable detail.
    pub message: String,
}

/// The signature that decided the verdict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// The signing key.
    pub key_id: KeyId,
    /// The key's label in the keyring.
    pub key_label: Option<String>,
    /// The key's cap.
    pub key_max_level: TrustLevel,
    /// What the signer claims.
    pub claims: Claims,
}

/// The result of verifying a file against a keyring.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// Whether a signature verified.
    pub verified: bool,
    /// Effective trust level (`untrusted` unless verified).
    pub level: TrustLevel,
    /// Why.
    pub reason: Reason,
    /// Human-readable explanation.
    pub message: String,
    /// The file's digest, if its structure could be read.
    pub digest: Option<Digest>,
    /// The winning signature (when verified), or the one that got furthest.
    pub accepted: Option<Accepted>,
    /// Every signature's outcome.
    pub signatures: Vec<SignatureCheck>,
    /// How many distinct keys produced a fully valid signature.
    pub distinct_keys: usize,
}

impl Verdict {
    fn failed(reason: Reason, message: String, digest: Option<Digest>) -> Self {
        Verdict {
            verified: false,
            level: TrustLevel::Untrusted,
            reason,
            message,
            digest,
            accepted: None,
            signatures: Vec::new(),
            distinct_keys: 0,
        }
    }
}

/// Verifies a whole file.
pub fn verify(bytes: &[u8], keyring: &Keyring, now: OffsetDateTime) -> Verdict {
    match Container::parse(bytes) {
        Ok(container) => {
            let digest = container.digest(bytes);
            verify_parsed(&container, bytes, digest, keyring, now)
        }
        Err(e) => Verdict::failed(Reason::Malformed, e.to_string(), None),
    }
}

/// Verifies a parsed file whose digest was computed elsewhere (for example by
/// [`Digester`](crate::digest::Digester) or WebCrypto while downloading).
///
/// `digest` must be the digest of the same bytes; the browser computes it
/// while streaming to avoid hashing twice.
pub fn verify_parsed(
    container: &Container,
    bytes: &[u8],
    digest: Digest,
    keyring: &Keyring,
    now: OffsetDateTime,
) -> Verdict {
    let payload = container
        .signature_payload
        .clone()
        .and_then(|r| bytes.get(r));
    verify_section(payload, digest, keyring, now)
}

/// Verifies a signature section payload (or its absence) for a digest.
pub fn verify_section(
    payload: Option<&[u8]>,
    digest: Digest,
    keyring: &Keyring,
    now: OffsetDateTime,
) -> Verdict {
    let Some(payload) = payload else {
        return Verdict::failed(
            Reason::Unsigned,
            "the component carries no signature".into(),
            Some(digest),
        );
    };
    let envelopes = match section::decode(payload) {
        Ok(e) => e,
        Err(e) => return Verdict::failed(Reason::Malformed, e.to_string(), Some(digest)),
    };

    let mut checks = Vec::new();
    let mut passing: Vec<Accepted> = Vec::new();
    let mut furthest: Option<(Reason, String, Option<Accepted>)> = None;
    for (e, envelope) in envelopes.iter().enumerate() {
        for (i, sig) in envelope.signatures.iter().enumerate() {
            let outcome = check_signature(
                envelope,
                &sig.sig,
                sig.keyid.as_deref(),
                digest,
                keyring,
                now,
            );
            let (reason, message, accepted) = match outcome {
                Ok(a) => (
                    Reason::Verified,
                    format!("verified by {}", a.key_id),
                    Some(a),
                ),
                Err(f) => (f.reason, f.message, f.partial.map(|a| *a)),
            };
            checks.push(SignatureCheck {
                envelope: e,
                index: i,
                key_id: sig.keyid.as_ref().map(|k| k.chars().take(80).collect()),
                reason,
                message: message.clone(),
            });
            if reason == Reason::Verified {
                if let Some(a) = accepted {
                    passing.push(a);
                }
            } else if furthest
                .as_ref()
                .is_none_or(|(r, _, _)| reason.progress() > r.progress())
            {
                furthest = Some((reason, message, accepted));
            }
        }
    }

    let mut distinct = crate::sorted(passing.iter().map(|a| a.key_id).collect());
    distinct.dedup();
    // Highest claimed level wins; the first signature wins ties.
    let best = passing
        .iter()
        .enumerate()
        .max_by_key(|(i, a)| (a.claims.level, usize::MAX - i));
    match best {
        Some((_, a)) => Verdict {
            verified: true,
            level: a.claims.level,
            reason: Reason::Verified,
            message: format!(
                "signed by {} ({}) at level {}",
                a.claims.signer,
                a.key_label.as_deref().unwrap_or("unlabelled key"),
                a.claims.level
            ),
            digest: Some(digest),
            accepted: Some(a.clone()),
            signatures: checks,
            distinct_keys: distinct.len(),
        },
        None => {
            let (reason, message, accepted) =
                furthest.unwrap_or((Reason::Malformed, "no signatures".into(), None));
            Verdict {
                verified: false,
                level: TrustLevel::Untrusted,
                reason,
                message,
                digest: Some(digest),
                accepted,
                signatures: checks,
                distinct_keys: 0,
            }
        }
    }
}

/// Why one signature did not pass, and what it established before failing.
struct Failure {
    reason: Reason,
    message: String,
    partial: Option<Box<Accepted>>,
}

fn fail(reason: Reason, message: impl Into<String>) -> Failure {
    Failure {
        reason,
        message: message.into(),
        partial: None,
    }
}

fn check_signature(
    envelope: &Envelope,
    sig_b64: &str,
    keyid: Option<&str>,
    digest: Digest,
    keyring: &Keyring,
    now: OffsetDateTime,
) -> Result<Accepted, Failure> {
    // 1. A key we know. The key id is only a hint for choosing the key; the
    //    signature check below is what binds it.
    let Some(id) = keyid.and_then(|k| k.parse::<KeyId>().ok()) else {
        return Err(fail(
            Reason::KeyUnknown,
            "signature names no key id of ours",
        ));
    };
    let Some(trusted) = keyring.find(&id) else {
        return Err(fail(
            Reason::KeyUnknown,
            format!("key {id} is not in the keyring"),
        ));
    };
    // 2. The signature verifies over PAE(payloadType, body).
    let body = envelope
        .body()
        .map_err(|e| fail(Reason::SignatureInvalid, format!("{e}")))?;
    let signature = decode_base64(sig_b64)
        .ok_or_else(|| fail(Reason::SignatureInvalid, "signature is not valid base64"))?;
    let message = crate::dsse::pae(&envelope.payload_type, &body);
    if !trusted.key.verify(&message, &signature) {
        return Err(fail(
            Reason::SignatureInvalid,
            format!("signature by {id} does not verify"),
        ));
    }
    // 3. Only now parse what was signed, strictly.
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(fail(
            Reason::Malformed,
            format!("signed payload type is not {IN_TOTO_PAYLOAD_TYPE}"),
        ));
    }
    let statement =
        Statement::from_json(&body).map_err(|e| fail(Reason::Malformed, e.to_string()))?;
    let accepted = Accepted {
        key_id: id,
        key_label: trusted.label.clone(),
        key_max_level: trusted.max_level,
        claims: statement.claims.clone(),
    };
    let with = |reason, message: String| Failure {
        reason,
        message,
        partial: Some(Box::new(accepted.clone())),
    };
    // 4. About these bytes.
    if statement.digest != digest {
        return Err(with(
            Reason::SignatureInvalid,
            format!(
                "signature is for {} but the component is {digest}",
                statement.digest
            ),
        ));
    }
    // 5-7. Key standing and time.
    if keyring.is_revoked(&id) {
        return Err(with(Reason::KeyRevoked, format!("key {id} is revoked")));
    }
    if let Some(nb) = trusted.not_before {
        if now < nb {
            return Err(with(
                Reason::KeyExpired,
                format!("key {id} is not valid before {}", rfc3339(nb)),
            ));
        }
    }
    if let Some(na) = trusted.not_after {
        if now > na {
            return Err(with(
                Reason::KeyExpired,
                format!("key {id} expired at {}", rfc3339(na)),
            ));
        }
    }
    if let Some(exp) = statement.claims.expires_at {
        if now >= exp {
            return Err(with(
                Reason::SignatureExpired,
                format!("signature expired at {}", rfc3339(exp)),
            ));
        }
    }
    // 8. Within the key's cap.
    if statement.claims.level > trusted.max_level {
        return Err(with(
            Reason::LevelExceedsKey,
            format!(
                "claims {} but key {id} may vouch for at most {}",
                statement.claims.level, trusted.max_level
            ),
        ));
    }
    Ok(accepted)
}
