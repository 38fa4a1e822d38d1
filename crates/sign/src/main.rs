//! `gfx-sign`: sign, verify and inspect wasi-gfx WebAssembly components, and
//! manage the keyrings pages and render servers trust.
//!
//! Every command is a thin layer over `gfx-trust`, so the CLI, the browser
//! loader and the render server reach the same verdict on the same bytes.

mod cmd;
mod error;
mod files;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use gfx_trust::TrustLevel;

use crate::error::CliError;

/// Sign, verify and inspect wasi-gfx WebAssembly components.
///
/// Signatures live in a custom section (`wasi-gfx-signature`) at index 0 of
/// the component: DSSE envelopes around an in-toto statement, ECDSA P-256.
/// Keys are ordinary PEM files (openssl reads and writes them).
///
/// Exit codes: 0 success; 1 the command ran and said no (verify: not
/// verified); 2 usage error, unreadable file, invalid key or keyring.
#[derive(Parser, Debug)]
#[command(name = "gfx-sign", version, about, long_about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a P-256 key pair: KEY.pem (PKCS#8, mode 0600) and KEY.pub.pem (SPKI).
    ///
    /// Prints the key id, `sha256:<hex>` of the DER SubjectPublicKeyInfo.
    Keygen(KeygenArgs),
    /// Manage a keyring (the JSON file pages and servers trust).
    #[command(subcommand)]
    Keyring(KeyringCommand),
    /// Sign a component (keeps any signatures it already has).
    Sign(SignArgs),
    /// Verify a component against a keyring.
    ///
    /// Exit 0 only if a signature verifies; prints the effective level, signer,
    /// key id and digest. Exit 1 otherwise with a reason code: unsigned,
    /// signature-invalid, key-unknown, key-revoked, key-expired,
    /// signature-expired, level-exceeds-key, malformed. Exit 2 for usage
    /// errors (including an unreadable or invalid keyring).
    Verify(VerifyArgs),
    /// Show sections, claimed (unverified) metadata, digest, imports and exports.
    Inspect(InspectArgs),
    /// Print a signature's DSSE JSON envelope (for other DSSE/in-toto tools).
    ExportDsse(ExportArgs),
    /// Split a signed component into the unsigned component and a detached signature.
    Detach(DetachArgs),
    /// Attach a detached signature (our .sig file or a DSSE JSON envelope).
    Attach(AttachArgs),
}

#[derive(Args, Debug)]
struct KeygenArgs {
    /// Private key file to create; the public key goes to <stem>.pub.pem.
    #[arg(long, value_name = "KEY.pem")]
    out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
    /// Print `{"keyId", "privateKey", "publicKey"}` as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum KeyringCommand {
    /// Add a public key (creates the keyring if missing; bumps its sequence).
    Add(KeyringAddArgs),
    /// Revoke a key id (bumps the sequence; signatures by it stop counting).
    Revoke(KeyringRevokeArgs),
    /// List keys, their caps, validity and status.
    List(KeyringListArgs),
}

#[derive(Args, Debug)]
struct KeyringAddArgs {
    /// Keyring JSON file.
    #[arg(long, value_name = "KEYRING.json")]
    keyring: PathBuf,
    /// Public key: PEM SPKI (as `gfx-sign keygen` or `openssl pkey -pubout` write it).
    #[arg(long, value_name = "PUB.pem")]
    key: PathBuf,
    /// Highest level this key may vouch for: untrusted, community-verified, publisher-signed or
    /// enterprise-trusted.
    #[arg(long, value_name = "LEVEL")]
    max_level: TrustLevel,
    /// Human-readable label (shown in consent dialogs and listings).
    #[arg(long, value_name = "TEXT")]
    label: Option<String>,
    /// Signatures by this key count only until this time (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = cmd::parse_time)]
    not_after: Option<time::OffsetDateTime>,
    /// Signatures by this key count only from this time (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = cmd::parse_time)]
    not_before: Option<time::OffsetDateTime>,
}

#[derive(Args, Debug)]
struct KeyringRevokeArgs {
    /// Keyring JSON file.
    #[arg(long, value_name = "KEYRING.json")]
    keyring: PathBuf,
    /// Key id to revoke (`sha256:<hex>`).
    #[arg(long, value_name = "ID")]
    key_id: String,
}

#[derive(Args, Debug)]
struct KeyringListArgs {
    /// Keyring JSON file.
    #[arg(long, value_name = "KEYRING.json")]
    keyring: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct SignArgs {
    /// Private key (PKCS#8 or SEC1 PEM).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// Trust level to claim: untrusted, community-verified, publisher-signed or enterprise-trusted.
    /// Verifiers accept it only up to the key's max level in their keyring.
    #[arg(long, value_name = "LEVEL")]
    level: TrustLevel,
    /// Who signs, as shown to users.
    #[arg(long, value_name = "NAME")]
    signer: String,
    /// Component name.
    #[arg(long, value_name = "N")]
    name: Option<String>,
    /// Component version.
    #[arg(long, value_name = "V")]
    version: Option<String>,
    /// Capability the component needs (repeatable): gpu, surface, frame-buffer, ...
    #[arg(long = "capability", value_name = "C")]
    capabilities: Vec<String>,
    /// When the signature stops counting (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = cmd::parse_time)]
    expires: Option<time::OffsetDateTime>,
    /// Component to sign.
    #[arg(value_name = "IN.wasm")]
    input: PathBuf,
    /// Where to write the signed component (may equal the input).
    #[arg(short = 'o', long = "output", value_name = "OUT.wasm")]
    output: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// Keyring JSON file.
    #[arg(long, value_name = "KEYRING.json")]
    keyring: PathBuf,
    /// Component to verify.
    #[arg(value_name = "FILE.wasm")]
    file: PathBuf,
    /// Print `{"verified", "level", "reason", "digest", "signer", "keyId", ...}`.
    #[arg(long)]
    json: bool,
    /// Verify as of this time instead of now (RFC 3339).
    #[arg(long, value_name = "RFC3339", value_parser = cmd::parse_time)]
    at: Option<time::OffsetDateTime>,
}

#[derive(Args, Debug)]
struct InspectArgs {
    /// Component to inspect.
    #[arg(value_name = "FILE.wasm")]
    file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// Signed component.
    #[arg(value_name = "FILE.wasm")]
    file: PathBuf,
    /// Which envelope (0 = first).
    #[arg(long, default_value_t = 0)]
    index: usize,
}

#[derive(Args, Debug)]
struct DetachArgs {
    /// Signed component.
    #[arg(value_name = "IN.wasm")]
    input: PathBuf,
    /// Unsigned component to write.
    #[arg(short = 'o', long = "output", value_name = "OUT.wasm")]
    output: PathBuf,
    /// Detached signature to write (the section payload).
    #[arg(long, value_name = "FILE.sig")]
    signature: PathBuf,
}

#[derive(Args, Debug)]
struct AttachArgs {
    /// Component (signed or not).
    #[arg(value_name = "IN.wasm")]
    input: PathBuf,
    /// Detached signature: a .sig from `detach`, or a DSSE JSON envelope.
    #[arg(long, value_name = "FILE.sig")]
    signature: PathBuf,
    /// Signed component to write.
    #[arg(short = 'o', long = "output", value_name = "OUT.wasm")]
    output: PathBuf,
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Keygen(a) => cmd::keygen(&a.out, a.force, a.json),
        Command::Keyring(KeyringCommand::Add(a)) => cmd::keyring_add(cmd::KeyringAdd {
            keyring: &a.keyring,
            key: &a.key,
            max_level: a.max_level,
            label: a.label,
            not_before: a.not_before,
            not_after: a.not_after,
        }),
        Command::Keyring(KeyringCommand::Revoke(a)) => cmd::keyring_revoke(&a.keyring, &a.key_id),
        Command::Keyring(KeyringCommand::List(a)) => cmd::keyring_list(&a.keyring, a.json),
        Command::Sign(a) => cmd::sign(cmd::SignRequest {
            key: &a.key,
            level: a.level,
            signer: a.signer,
            name: a.name,
            version: a.version,
            capabilities: a.capabilities,
            expires: a.expires,
            input: &a.input,
            output: &a.output,
            json: a.json,
        }),
        Command::Verify(a) => cmd::verify(&a.keyring, &a.file, a.json, a.at),
        Command::Inspect(a) => cmd::inspect(&a.file, a.json),
        Command::ExportDsse(a) => cmd::export_dsse(&a.file, a.index),
        Command::Detach(a) => cmd::detach(&a.input, &a.output, &a.signature),
        Command::Attach(a) => cmd::attach(&a.input, &a.signature, &a.output),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("gfx-sign: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
