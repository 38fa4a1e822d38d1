//! Reading inputs and writing outputs safely.
//!
//! Outputs are written to a temporary file beside the target and renamed
//! into place, so an interrupted run never leaves a half-written component,
//! keyring or key. Private keys are created with mode 0600.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::CliError;

/// Largest input file the CLI reads (1 GiB).
pub const MAX_INPUT: u64 = 1 << 30;

/// Reads a whole file.
pub fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    let io = |source| CliError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_INPUT {
        return Err(CliError::Usage(format!(
            "{}: larger than 1 GiB",
            path.display()
        )));
    }
    fs::read(path).map_err(io)
}

/// Reads a UTF-8 text file.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    String::from_utf8(read(path)?)
        .map_err(|_| CliError::Usage(format!("{}: not UTF-8 text", path.display())))
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8], private: bool) -> Result<(), CliError> {
    let io = |source| CliError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// Fails if `path` exists (unless `force`).
pub fn refuse_overwrite(path: &Path, force: bool) -> Result<(), CliError> {
    if !force && path.exists() {
        return Err(CliError::Usage(format!(
            "{} already exists (pass --force to overwrite)",
            path.display()
        )));
    }
    Ok(())
}
