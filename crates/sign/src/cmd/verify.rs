//! `gfx-sign verify`.
//!
//! The `--json` output is a stable contract:
//!
//! ```json
//! { "verified": true, "level": "publisher-signed", "reason": "verified",
//!   "message": "…", "digest": "sha256:…", "signer": "Acme",
//!   "keyId": "sha256:…", "keyLabel": "…", "name": "…", "version": "…",
//!   "capabilities": [], "issuedAt": "…", "expiresAt": null,
//!   "distinctKeys": 1, "signatures": [{ "envelope": 0, "index": 0,
//!   "keyId": "sha256:…", "reason": "verified", "message": "…" }] }
//! ```
//!
//! Fields that are unknown (no signature got that far) are `null`.

use std::path::Path;
use std::process::ExitCode;

use gfx_trust::statement::rfc3339;
use gfx_trust::Verdict;
use serde_json::json;
use time::OffsetDateTime;

use crate::error::CliError;
use crate::files;

/// The stable JSON form of a verdict.
pub fn verdict_json(v: &Verdict) -> serde_json::Value {
    let a = v.accepted.as_ref();
    json!({
        "verified": v.verified,
        "level": v.level,
        "reason": v.reason,
        "message": v.message,
        "digest": v.digest.map(|d| d.to_string()),
        "signer": a.map(|a| a.claims.signer.clone()),
        "keyId": a.map(|a| a.key_id.to_string()),
        "keyLabel": a.and_then(|a| a.key_label.clone()),
        "claimedLevel": a.map(|a| a.claims.level),
        "name": a.and_then(|a| a.claims.name.clone()),
        "version": a.and_then(|a| a.claims.version.clone()),
        "capabilities": a.map(|a| a.claims.capabilities.clone()).unwrap_or_default(),
        "issuedAt": a.map(|a| rfc3339(a.claims.issued_at)),
        "expiresAt": a.and_then(|a| a.claims.expires_at.map(rfc3339)),
        "distinctKeys": v.distinct_keys,
        "signatures": v.signatures,
    })
}

/// Verifies a file; exit 0 if verified, 1 if not.
pub fn verify(
    keyring: &Path,
    file: &Path,
    json: bool,
    at: Option<OffsetDateTime>,
) -> Result<ExitCode, CliError> {
    let (_, ring) = super::keyring::load(keyring)?;
    let bytes = files::read(file)?;
    let now = at.unwrap_or_else(OffsetDateTime::now_utc);
    let v = gfx_trust::verify(&bytes, &ring, now);
    if json {
        super::print_json(&verdict_json(&v));
    } else if v.verified {
        let a = v.accepted.as_ref();
        println!("verified: yes");
        println!("level:    {}", v.level);
        println!(
            "signer:   {}",
            a.map(|a| a.claims.signer.as_str()).unwrap_or("-")
        );
        println!(
            "key id:   {}",
            a.map(|a| a.key_id.to_string()).unwrap_or_default()
        );
        println!(
            "digest:   {}",
            v.digest.map(|d| d.to_string()).unwrap_or_default()
        );
    } else {
        println!("verified: no");
        println!("reason:   {}", v.reason);
        println!("level:    {}", v.level);
        println!(
            "digest:   {}",
            v.digest
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into())
        );
        eprintln!("{}: {}", file.display(), v.message);
    }
    Ok(if v.verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
