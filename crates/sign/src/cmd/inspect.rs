//! `gfx-sign inspect`: what is in a file, without trusting it.
//!
//! Claimed metadata is read from the signature section *without verifying
//! it* and is labelled as such; use `verify` to learn what is true.

use std::path::Path;
use std::process::ExitCode;

use gfx_trust::container::Container;
use gfx_trust::statement::{rfc3339, Statement};
use gfx_trust::{inspect, section};
use serde_json::{json, Value};

use crate::error::{usage, CliError};
use crate::files;

fn section_name(id: u8) -> &'static str {
    // Component-model section ids (module ids differ; shown as numbers there).
    match id {
        0 => "custom",
        1 => "core-module",
        2 => "core-instance",
        3 => "core-type",
        4 => "component",
        5 => "instance",
        6 => "alias",
        7 => "type",
        8 => "canon",
        9 => "start",
        10 => "import",
        11 => "export",
        12 => "value",
        _ => "unknown",
    }
}

/// Unverified claims from every signature in the section.
fn claims(bytes: &[u8], container: &Container) -> Result<Vec<Value>, String> {
    let Some(range) = container.signature_payload.clone() else {
        return Ok(Vec::new());
    };
    let envelopes = section::decode(&bytes[range]).map_err(|e| e.to_string())?;
    Ok(envelopes
        .iter()
        .enumerate()
        .map(|(i, env)| {
            let keys: Vec<_> = env.signatures.iter().map(|s| s.keyid.clone()).collect();
            let statement = env.body().ok().and_then(|b| Statement::from_json(&b).ok());
            match statement {
                Some(s) => json!({
                    "envelope": i,
                    "keyIds": keys,
                    "subjectDigest": s.digest.to_string(),
                    "level": s.claims.level,
                    "signer": s.claims.signer,
                    "name": s.claims.name,
                    "version": s.claims.version,
                    "capabilities": s.claims.capabilities,
                    "issuedAt": rfc3339(s.claims.issued_at),
                    "expiresAt": s.claims.expires_at.map(rfc3339),
                }),
                None => json!({ "envelope": i, "keyIds": keys, "error": "payload is not a statement of ours" }),
            }
        })
        .collect())
}

/// Prints what is in the file.
pub fn inspect(file: &Path, as_json: bool) -> Result<ExitCode, CliError> {
    let bytes = files::read(file)?;
    let container =
        Container::parse(&bytes).map_err(|e| usage(format!("{}: {e}", file.display())))?;
    let digest = container.digest(&bytes);
    let component = container.kind == gfx_trust::container::Kind::Component;
    let sections: Vec<Value> = container
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "index": i,
                "id": s.id,
                "kind": if component { section_name(s.id) } else if s.id == 0 { "custom" } else { "module" },
                "offset": s.range.start,
                "size": s.range.len(),
                "name": s.custom_name,
            })
        })
        .collect();
    let claims = claims(&bytes, &container);
    let facts = inspect::inspect(&bytes);

    if as_json {
        let (imports, exports, error) = match &facts {
            Ok(f) => (json!(f.imports), json!(f.exports), Value::Null),
            Err(e) => (json!([]), json!([]), json!(e.to_string())),
        };
        let (claims, claims_error) = match claims {
            Ok(c) => (json!(c), Value::Null),
            Err(e) => (json!([]), json!(e)),
        };
        super::print_json(&json!({
            "file": file.display().to_string(),
            "kind": container.kind,
            "bytes": bytes.len(),
            "digest": digest.to_string(),
            "signed": container.signature_payload.is_some(),
            "sections": sections,
            "claims": claims,
            "claimsError": claims_error,
            "imports": imports,
            "exports": exports,
            "importedFunctions": facts.as_ref().map(|f| f.imported_functions).unwrap_or(0),
            "validationError": error,
        }));
        return Ok(ExitCode::SUCCESS);
    }

    println!(
        "{} ({:?}, {} bytes)",
        file.display(),
        container.kind,
        bytes.len()
    );
    println!("digest: {digest}");
    println!("sections:");
    for s in &sections {
        let name = s["name"]
            .as_str()
            .map(|n| format!(" \"{n}\""))
            .unwrap_or_default();
        println!(
            "  {:>3}  {:<14} {:>10} bytes @ {}{}",
            s["index"],
            s["kind"].as_str().unwrap_or("?"),
            s["size"],
            s["offset"],
            name
        );
    }
    match claims {
        Ok(c) if c.is_empty() => println!("signatures: none"),
        Ok(c) => {
            println!("signatures (claimed, NOT verified — use `gfx-sign verify`):");
            for e in c {
                println!("  envelope {}:", e["envelope"]);
                for (k, v) in e.as_object().into_iter().flatten() {
                    if k != "envelope" {
                        println!("    {k}: {v}");
                    }
                }
            }
        }
        Err(e) => println!("signatures: malformed section: {e}"),
    }
    match facts {
        Ok(f) => {
            println!("imports ({} functions):", f.imported_functions);
            for i in &f.imports {
                println!("  {} ({}, {} functions)", i.name, i.kind, i.functions);
            }
            println!("exports:");
            for e in &f.exports {
                println!("  {} ({})", e.name, e.kind);
            }
        }
        Err(e) => println!("imports/exports: unavailable ({e})"),
    }
    Ok(ExitCode::SUCCESS)
}
