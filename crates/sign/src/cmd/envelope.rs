//! `gfx-sign export-dsse | detach | attach`: signatures outside the file.
//!
//! A detached `.sig` file is exactly the signature section's payload (see
//! `gfx_trust::section`). `attach` also accepts a bare DSSE JSON envelope, so
//! signatures made by other DSSE tooling over our statement can be attached.

use std::path::Path;
use std::process::ExitCode;

use gfx_trust::container::{self, Container};
use gfx_trust::dsse::Envelope;
use gfx_trust::section;
use gfx_trust::statement::Statement;

use crate::error::{usage, CliError};
use crate::files;

fn signed_envelopes(file: &Path, bytes: &[u8]) -> Result<(Container, Vec<Envelope>), CliError> {
    let c = Container::parse(bytes).map_err(|e| usage(format!("{}: {e}", file.display())))?;
    let Some(range) = c.signature_payload.clone() else {
        return Err(CliError::Refused(format!(
            "{} is not signed",
            file.display()
        )));
    };
    let envs =
        section::decode(&bytes[range]).map_err(|e| usage(format!("{}: {e}", file.display())))?;
    Ok((c, envs))
}

/// Prints one envelope as JSON.
pub fn export_dsse(file: &Path, index: usize) -> Result<ExitCode, CliError> {
    let bytes = files::read(file)?;
    let (_, envs) = signed_envelopes(file, &bytes)?;
    let Some(env) = envs.get(index) else {
        return Err(usage(format!(
            "--index {index}: the file has {} envelope(s)",
            envs.len()
        )));
    };
    println!("{}", env.to_json());
    if envs.len() > 1 {
        eprintln!("envelope {index} of {} (choose with --index)", envs.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the unsigned component and the detached signature.
pub fn detach(input: &Path, output: &Path, signature: &Path) -> Result<ExitCode, CliError> {
    let bytes = files::read(input)?;
    let (c, _) = signed_envelopes(input, &bytes)?;
    let payload = c
        .signature_payload
        .clone()
        .map(|r| bytes[r].to_vec())
        .unwrap_or_default();
    files::write(signature, &payload, false)?;
    files::write(output, &c.unsigned_bytes(&bytes), false)?;
    println!("digest: {}", c.digest(&bytes));
    eprintln!(
        "wrote {} (unsigned) and {} (signature)",
        output.display(),
        signature.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Attaches a detached signature, merging with signatures already present.
pub fn attach(input: &Path, signature: &Path, output: &Path) -> Result<ExitCode, CliError> {
    let bytes = files::read(input)?;
    let sig = files::read(signature)?;
    let incoming = if sig
        .first()
        .is_some_and(|b| b.is_ascii_whitespace() || *b == b'{')
    {
        vec![Envelope::from_json(&sig)
            .map_err(|e| usage(format!("{}: {e}", signature.display())))?]
    } else {
        section::decode(&sig).map_err(|e| usage(format!("{}: {e}", signature.display())))?
    };
    let c = Container::parse(&bytes).map_err(|e| usage(format!("{}: {e}", input.display())))?;
    let digest = c.digest(&bytes);
    // Refuse signatures about other bytes early, with a clear message (the
    // verifier would reject them anyway).
    for (i, env) in incoming.iter().enumerate() {
        if let Some(s) = env.body().ok().and_then(|b| Statement::from_json(&b).ok()) {
            if s.digest != digest {
                return Err(CliError::Refused(format!(
                    "envelope {i} is for {} but {} is {digest}",
                    s.digest,
                    input.display()
                )));
            }
        }
    }
    let mut envs = match c.signature_payload.clone() {
        Some(r) => {
            section::decode(&bytes[r]).map_err(|e| usage(format!("{}: {e}", input.display())))?
        }
        None => Vec::new(),
    };
    for env in incoming {
        if !envs.contains(&env) {
            envs.push(env);
        }
    }
    if envs.len() > section::MAX_ENVELOPES {
        return Err(CliError::Refused(format!(
            "more than {} envelopes",
            section::MAX_ENVELOPES
        )));
    }
    let out = container::with_signature_payload(&bytes, &section::encode(&envs)).map_err(usage)?;
    files::write(output, &out, false)?;
    println!("digest: {digest}");
    eprintln!("wrote {} with {} envelope(s)", output.display(), envs.len());
    Ok(ExitCode::SUCCESS)
}
