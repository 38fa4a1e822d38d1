//! `gfx-sign keyring add | revoke | list`.

use std::path::Path;
use std::process::ExitCode;

use gfx_trust::key::{KeyId, PublicKey};
use gfx_trust::keyring::{KeyEntryDoc, KeyringDoc, ALGORITHM};
use gfx_trust::statement::rfc3339;
use gfx_trust::{Keyring, TrustLevel};
use serde_json::json;
use time::OffsetDateTime;

use crate::error::{usage, CliError};
use crate::files;

/// Reads and validates a keyring document.
pub fn load(path: &Path) -> Result<(KeyringDoc, Keyring), CliError> {
    let bytes = files::read(path)?;
    let doc =
        KeyringDoc::from_json(&bytes).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    let ring = Keyring::from_doc(&doc).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    Ok((doc, ring))
}

fn save(path: &Path, doc: &KeyringDoc) -> Result<(), CliError> {
    // Validate before writing: never write a keyring we could not read back.
    Keyring::from_doc(doc).map_err(usage)?;
    files::write(path, doc.to_json_pretty().as_bytes(), false)
}

/// Arguments of `keyring add`.
pub struct KeyringAdd<'a> {
    /// Keyring file.
    pub keyring: &'a Path,
    /// Public key file.
    pub key: &'a Path,
    /// Cap.
    pub max_level: TrustLevel,
    /// Label.
    pub label: Option<String>,
    /// Validity start.
    pub not_before: Option<OffsetDateTime>,
    /// Validity end.
    pub not_after: Option<OffsetDateTime>,
}

/// Adds a key, creating the keyring if needed.
pub fn keyring_add(a: KeyringAdd<'_>) -> Result<ExitCode, CliError> {
    let pem = files::read_text(a.key)?;
    if pem.contains("PRIVATE KEY") {
        return Err(usage(format!(
            "{} is a private key; add the public key (.pub.pem) to keyrings",
            a.key.display()
        )));
    }
    let key = PublicKey::from_pem(&pem).map_err(|e| usage(format!("{}: {e}", a.key.display())))?;
    let mut doc = if a.keyring.exists() {
        load(a.keyring)?.0
    } else {
        KeyringDoc::default()
    };
    let id = key.id();
    if doc
        .keys
        .iter()
        .any(|k| k.key_id.as_deref() == Some(&id.to_string()))
    {
        return Err(CliError::Refused(format!(
            "key {id} is already in {}",
            a.keyring.display()
        )));
    }
    doc.keys.push(KeyEntryDoc {
        key_id: Some(id.to_string()),
        algorithm: ALGORITHM.into(),
        public_key: Some(key.to_pem()),
        jwk: None,
        max_level: a.max_level,
        label: a.label,
        not_before: a.not_before,
        not_after: a.not_after,
    });
    doc.sequence += 1;
    save(a.keyring, &doc).map_err(|e| match e {
        // A duplicate hidden behind another spelling (JWK, no keyId).
        CliError::Usage(m) if m.contains("already in the keyring") => CliError::Refused(m),
        other => other,
    })?;
    println!("{id}");
    eprintln!(
        "added to {} with max level {} (sequence {})",
        a.keyring.display(),
        a.max_level,
        doc.sequence
    );
    Ok(ExitCode::SUCCESS)
}

/// Revokes a key id.
pub fn keyring_revoke(path: &Path, key_id: &str) -> Result<ExitCode, CliError> {
    let id: KeyId = key_id.parse().map_err(usage)?;
    let (mut doc, ring) = load(path)?;
    if ring.is_revoked(&id) {
        return Err(CliError::Refused(format!("key {id} is already revoked")));
    }
    if ring.find(&id).is_none() {
        eprintln!("note: {id} is not in the keyring; revoking it anyway");
    }
    doc.revoked.push(id.to_string());
    doc.sequence += 1;
    save(path, &doc)?;
    eprintln!(
        "revoked {id} in {} (sequence {})",
        path.display(),
        doc.sequence
    );
    Ok(ExitCode::SUCCESS)
}

fn status(ring: &Keyring, k: &gfx_trust::keyring::TrustedKey, now: OffsetDateTime) -> &'static str {
    if ring.is_revoked(&k.key.id()) {
        "revoked"
    } else if k.not_after.is_some_and(|t| now > t) {
        "expired"
    } else if k.not_before.is_some_and(|t| now < t) {
        "not-yet-valid"
    } else {
        "active"
    }
}

/// Lists the keyring.
pub fn keyring_list(path: &Path, json: bool) -> Result<ExitCode, CliError> {
    let (_, ring) = load(path)?;
    let now = OffsetDateTime::now_utc();
    if json {
        let keys: Vec<_> = ring
            .keys()
            .iter()
            .map(|k| {
                json!({
                    "keyId": k.key.id().to_string(),
                    "algorithm": ALGORITHM,
                    "maxLevel": k.max_level,
                    "label": k.label,
                    "notBefore": k.not_before.map(rfc3339),
                    "notAfter": k.not_after.map(rfc3339),
                    "status": status(&ring, k, now),
                })
            })
            .collect();
        let revoked: Vec<String> = ring.revoked().map(|id| id.to_string()).collect();
        super::print_json(&json!({
            "sequence": ring.sequence(),
            "keys": keys,
            "revoked": revoked,
            "ignored": ring.ignored(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    println!("keyring {} (sequence {})", path.display(), ring.sequence());
    if ring.keys().is_empty() {
        println!("  no keys");
    }
    for k in ring.keys() {
        println!("  {}", k.key.id());
        println!("    max level: {}", k.max_level);
        println!("    label:     {}", k.label.as_deref().unwrap_or("-"));
        let window = match (k.not_before, k.not_after) {
            (None, None) => "always".to_string(),
            (b, a) => format!(
                "{} .. {}",
                b.map(rfc3339).unwrap_or_else(|| "-".into()),
                a.map(rfc3339).unwrap_or_else(|| "-".into())
            ),
        };
        println!("    valid:     {window}");
        println!("    status:    {}", status(&ring, k, now));
    }
    for i in ring.ignored() {
        println!(
            "  keys[{}]: ignored (unknown algorithm {})",
            i.index, i.algorithm
        );
    }
    let revoked: Vec<String> = ring.revoked().map(|id| id.to_string()).collect();
    if !revoked.is_empty() {
        println!("  revoked:");
        for r in revoked {
            println!("    {r}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
