//! CLI errors and their exit codes.
//!
//! Exit codes are part of the contract: 0 success (for `verify`: a signature
//! verified), 1 the operation ran and said no (for `verify`: not verified,
//! with a reason code), 2 it could not run (usage, unreadable file, invalid
//! keyring or key).

use std::path::PathBuf;

/// Anything that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Bad arguments or unusable input (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The command ran and refused (exit 1).
    #[error("{0}")]
    Refused(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Io { .. } | CliError::Usage(_) => 2,
            CliError::Refused(_) => 1,
        }
    }
}

/// Shorthand for a usage error from anything printable.
pub fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}
