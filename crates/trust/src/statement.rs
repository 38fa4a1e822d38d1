//! The signed payload: an in-toto Statement v1 about one component.
//!
//! The statement's single subject carries the component's digest; its
//! predicate ([`Claims`]) carries what the signer claims: trust level, signer
//! name, component name and version, capabilities, issue and expiry times.
//! It is parsed only after a signature over it verified, and strictly:
//! unknown or duplicate fields, a second subject or a foreign predicate type
//! are errors.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::digest::{parse_hex32, Digest};
use crate::level::TrustLevel;

/// in-toto Statement v1 type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// Our predicate type.
pub const PREDICATE_TYPE: &str = "urn:wasi-gfx-loader:component-signature:v1";

/// Hard caps on claim sizes.
const MAX_TEXT: usize = 256;
const MAX_CAPABILITIES: usize = 32;
const MAX_CAPABILITY: usize = 64;

/// A problem with a statement's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// Not the JSON shape of our statement.
    #[error("statement is not valid: {0}")]
    Json(String),
    /// `_type` is not in-toto Statement v1.
    #[error("statement `_type` is `{0}`, expected `{STATEMENT_TYPE}`")]
    WrongType(String),
    /// `predicateType` is not ours.
    #[error("statement `predicateType` is `{0}`, expected `{PREDICATE_TYPE}`")]
    WrongPredicateType(String),
    /// Not exactly one subject.
    #[error("statement has {0} subjects, expected exactly 1")]
    SubjectCount(usize),
    /// The subject's sha256 is not 64 lowercase hex digits.
    #[error("subject digest is not 64 lowercase hex digits")]
    BadSubjectDigest,
    /// A claim breaks a size or character rule.
    #[error("claim `{field}` is invalid: {problem}")]
    BadClaim {
        /// The predicate field.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// What a signer claims about a component.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Claims {
    /// The trust level the signer asks for (capped by the key).
    pub level: TrustLevel,
    /// Who signed, as shown to users.
    pub signer: String,
    /// Component name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Component version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Capabilities the component asks for (e.g. `gpu`, `surface`).
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// When it was signed.
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// When the signature stops counting.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
}

impl Claims {
    /// Checks sizes and characters.
    pub fn validate(&self) -> Result<(), StatementError> {
        text("signer", &self.signer, false)?;
        if let Some(n) = &self.name {
            text("name", n, false)?;
        }
        if let Some(v) = &self.version {
            text("version", v, false)?;
        }
        if self.capabilities.len() > MAX_CAPABILITIES {
            return Err(bad(
                "capabilities",
                format!("more than {MAX_CAPABILITIES} entries"),
            ));
        }
        for c in &self.capabilities {
            let ok = !c.is_empty()
                && c.len() <= MAX_CAPABILITY
                && c.bytes().all(
                    |b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b':' | b'/' | b'.' | b'@'),
                );
            if !ok {
                return Err(bad(
                    "capabilities",
                    format!(
                        "`{}` must be 1-{MAX_CAPABILITY} chars of a-z 0-9 - : / . @",
                        c.escape_debug()
                    ),
                ));
            }
        }
        if let Some(exp) = self.expires_at {
            if exp <= self.issued_at {
                return Err(bad("expiresAt", "must be later than issuedAt".into()));
            }
        }
        Ok(())
    }
}

fn bad(field: &'static str, problem: String) -> StatementError {
    StatementError::BadClaim { field, problem }
}

fn text(field: &'static str, v: &str, allow_empty: bool) -> Result<(), StatementError> {
    if v.is_empty() && !allow_empty {
        return Err(bad(field, "must not be empty".into()));
    }
    if v.len() > MAX_TEXT {
        return Err(bad(field, format!("longer than {MAX_TEXT} bytes")));
    }
    if v.chars().any(char::is_control) {
        return Err(bad(field, "contains control characters".into()));
    }
    Ok(())
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectDigest {
    sha256: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Subject {
    name: String,
    digest: SubjectDigest,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Wire {
    #[serde(rename = "_type")]
    type_: String,
    subject: Vec<Subject>,
    predicate_type: String,
    predicate: Claims,
}

/// A parsed, validated statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The subject's name (informational).
    pub subject_name: String,
    /// The component digest the statement is about.
    pub digest: Digest,
    /// The claims.
    pub claims: Claims,
}

impl Statement {
    /// Serializes the statement as compact JSON (the DSSE body).
    pub fn to_json(&self) -> Vec<u8> {
        let wire = Wire {
            type_: STATEMENT_TYPE.into(),
            subject: vec![Subject {
                name: self.subject_name.clone(),
                digest: SubjectDigest {
                    sha256: self.digest.hex(),
                },
            }],
            predicate_type: PREDICATE_TYPE.into(),
            predicate: self.claims.clone(),
        };
        // Plain data: serialization cannot fail.
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Parses and validates a statement.
    pub fn from_json(bytes: &[u8]) -> Result<Self, StatementError> {
        let wire: Wire =
            serde_json::from_slice(bytes).map_err(|e| StatementError::Json(e.to_string()))?;
        if wire.type_ != STATEMENT_TYPE {
            return Err(StatementError::WrongType(
                wire.type_.chars().take(100).collect(),
            ));
        }
        if wire.predicate_type != PREDICATE_TYPE {
            return Err(StatementError::WrongPredicateType(
                wire.predicate_type.chars().take(100).collect(),
            ));
        }
        let [subject] = <[Subject; 1]>::try_from(wire.subject)
            .map_err(|v| StatementError::SubjectCount(v.len()))?;
        let digest = parse_hex32(&subject.digest.sha256)
            .map(Digest)
            .ok_or(StatementError::BadSubjectDigest)?;
        text("subject.name", &subject.name, true)?;
        wire.predicate.validate()?;
        Ok(Statement {
            subject_name: subject.name,
            digest,
            claims: wire.predicate,
        })
    }
}

/// Formats a time as RFC 3339 (UTC, seconds).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            level: TrustLevel::PublisherSigned,
            signer: "Acme".into(),
            name: Some("triangle".into()),
            version: Some("1.0.0".into()),
            capabilities: vec!["gpu".into()],
            issued_at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
            expires_at: None,
        }
    }

    #[test]
    fn statement_round_trips_through_json() {
        let s = Statement {
            subject_name: "c.wasm".into(),
            digest: Digest::of(b"x"),
            claims: claims(),
        };
        assert_eq!(Statement::from_json(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn duplicate_predicate_fields_are_rejected() {
        let s = Statement {
            subject_name: "c".into(),
            digest: Digest::of(b"x"),
            claims: claims(),
        };
        let json = String::from_utf8(s.to_json()).unwrap();
        let dup = json.replace(
            "\"signer\":\"Acme\"",
            "\"signer\":\"Acme\",\"signer\":\"Evil\"",
        );
        assert!(matches!(
            Statement::from_json(dup.as_bytes()),
            Err(StatementError::Json(_))
        ));
        let extra = json.replace("\"signer\":\"Acme\"", "\"signer\":\"Acme\",\"admin\":true");
        assert!(matches!(
            Statement::from_json(extra.as_bytes()),
            Err(StatementError::Json(_))
        ));
    }

    #[test]
    fn control_characters_in_the_signer_are_rejected() {
        let mut c = claims();
        c.signer = "Acme\u{1b}[31m".into();
        assert!(matches!(
            c.validate(),
            Err(StatementError::BadClaim {
                field: "signer",
                ..
            })
        ));
    }
}
