//! `gfx-sign sign`.

use std::path::Path;
use std::process::ExitCode;

use gfx_trust::container::Container;
use gfx_trust::{Claims, SigningKey, TrustLevel};
use serde_json::json;
use time::OffsetDateTime;

use crate::error::{usage, CliError};
use crate::files;

/// Arguments of `sign`.
pub struct SignRequest<'a> {
    /// Private key file.
    pub key: &'a Path,
    /// Claimed level.
    pub level: TrustLevel,
    /// Signer name.
    pub signer: String,
    /// Component name.
    pub name: Option<String>,
    /// Component version.
    pub version: Option<String>,
    /// Capabilities.
    pub capabilities: Vec<String>,
    /// Expiry.
    pub expires: Option<OffsetDateTime>,
    /// Input file.
    pub input: &'a Path,
    /// Output file.
    pub output: &'a Path,
    /// JSON output.
    pub json: bool,
}

/// Signs a component.
pub fn sign(r: SignRequest<'_>) -> Result<ExitCode, CliError> {
    let pem = files::read_text(r.key)?;
    let key = SigningKey::from_pem(&pem).map_err(|e| usage(format!("{}: {e}", r.key.display())))?;
    let bytes = files::read(r.input)?;
    // Truncate to whole seconds: statements carry RFC 3339 seconds.
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let claims = Claims {
        level: r.level,
        signer: r.signer,
        name: r.name,
        version: r.version,
        capabilities: r.capabilities,
        issued_at: now,
        expires_at: r.expires,
    };
    let subject = r
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "component.wasm".into());
    let signed = gfx_trust::sign::sign(&bytes, &key, claims, &subject)
        .map_err(|e| usage(format!("{}: {e}", r.input.display())))?;
    files::write(r.output, &signed, false)?;
    let container = Container::parse(&signed).map_err(usage)?;
    let digest = container.digest(&signed);
    let id = key.public_key().id();
    if r.json {
        super::print_json(&json!({
            "output": r.output.display().to_string(),
            "digest": digest.to_string(),
            "keyId": id.to_string(),
            "level": r.level,
            "bytes": signed.len(),
        }));
    } else {
        println!("signed {} -> {}", r.input.display(), r.output.display());
        println!("digest: {digest}");
        println!("key id: {id}");
        println!(
            "level:  {} (claimed; capped by the verifier's keyring)",
            r.level
        );
    }
    Ok(ExitCode::SUCCESS)
}
