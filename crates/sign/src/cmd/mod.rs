//! One module per command family; each prints its own output.

mod envelope;
mod inspect;
mod keygen;
mod keyring;
mod sign;
mod verify;

pub use envelope::{attach, detach, export_dsse};
pub use inspect::inspect;
pub use keygen::keygen;
pub use keyring::{keyring_add, keyring_list, keyring_revoke, KeyringAdd};
pub use sign::{sign, SignRequest};
pub use verify::verify;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// clap value parser for RFC 3339 times.
pub fn parse_time(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| format!("`{s}` is not an RFC 3339 time like 2027-01-01T00:00:00Z ({e})"))
}

/// Prints a JSON value on stdout.
pub fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}
