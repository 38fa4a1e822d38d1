//! `gfx-sign keygen`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gfx_trust::SigningKey;
use serde_json::json;

use crate::error::{usage, CliError};
use crate::files;

/// `KEY.pem` → `KEY.pub.pem`; `KEY` → `KEY.pub.pem`.
pub fn public_path(private: &Path) -> PathBuf {
    let s = private.to_string_lossy();
    let stem = s.strip_suffix(".pem").unwrap_or(&s);
    PathBuf::from(format!("{stem}.pub.pem"))
}

/// Generates a key pair from the operating system's randomness.
fn generate() -> Result<SigningKey, CliError> {
    // A uniformly random 256-bit value is a valid scalar except with
    // probability ~2^-32; retry in that case.
    for _ in 0..16 {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| usage(format!("no randomness: {e}")))?;
        if let Ok(key) = SigningKey::from_secret_bytes(&secret) {
            return Ok(key);
        }
    }
    Err(usage("could not generate a valid key"))
}

/// Writes KEY.pem and KEY.pub.pem and prints the key id.
pub fn keygen(out: &Path, force: bool, json: bool) -> Result<ExitCode, CliError> {
    let public = public_path(out);
    files::refuse_overwrite(out, force)?;
    files::refuse_overwrite(&public, force)?;
    let key = generate()?;
    let pem = key.to_pkcs8_pem().map_err(usage)?;
    files::write(out, pem.as_bytes(), true)?;
    files::write(&public, key.public_key().to_pem().as_bytes(), false)?;
    let id = key.public_key().id();
    if json {
        super::print_json(&json!({
            "keyId": id.to_string(),
            "privateKey": out.display().to_string(),
            "publicKey": public.display().to_string(),
        }));
    } else {
        println!("{id}");
        eprintln!(
            "wrote {} (private, keep it secret) and {}",
            out.display(),
            public.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
