//! Signing: add a signature to a component, keeping the ones it has.
//!
//! The signature section is rebuilt at index 0. If an envelope already holds
//! exactly the same statement, the new signature joins it (co-signing);
//! otherwise a new envelope is added. Signing twice with the same key and the
//! same claims changes nothing.

use crate::container::{self, Container, ContainerError};
use crate::dsse::{
    encode_base64, pae, Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE, MAX_SIGNATURES,
};
use crate::key::SigningKey;
use crate::section::{self, SectionError, MAX_ENVELOPES};
use crate::statement::{Claims, Statement, StatementError};

/// Why a file could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The input is not a structurally valid module or component.
    #[error("input is not a valid WebAssembly file: {0}")]
    Container(#[from] ContainerError),
    /// The input's existing signature section is malformed; it is not silently dropped.
    #[error("existing signature section is malformed (strip it first): {0}")]
    ExistingSection(#[from] SectionError),
    /// The claims are invalid.
    #[error(transparent)]
    Claims(#[from] StatementError),
    /// The section is full.
    #[error("the component already carries the maximum number of signatures")]
    Full,
}

/// Signs `bytes` with `key`, claiming `claims`; returns the signed file.
///
/// `subject_name` names the file inside the statement (informational).
pub fn sign(
    bytes: &[u8],
    key: &SigningKey,
    claims: Claims,
    subject_name: &str,
) -> Result<Vec<u8>, SignError> {
    claims.validate()?;
    let container = Container::parse(bytes)?;
    let digest = container.digest(bytes);
    let mut envelopes = match container
        .signature_payload
        .clone()
        .and_then(|r| bytes.get(r))
    {
        Some(payload) => section::decode(payload)?,
        None => Vec::new(),
    };

    let statement = Statement {
        subject_name: subject_name.to_owned(),
        digest,
        claims,
    };
    let body = statement.to_json();
    let sig = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, &body));
    let keyid = key.public_key().id().to_string();
    let new_sig = EnvelopeSignature {
        keyid: Some(keyid.clone()),
        sig: encode_base64(&sig),
    };
    let payload_b64 = encode_base64(&body);

    let existing = envelopes.iter().position(|e| {
        e.payload_type == IN_TOTO_PAYLOAD_TYPE && e.body().ok().as_deref() == Some(&body[..])
    });
    match existing {
        Some(i) => {
            let env = &mut envelopes[i];
            if env
                .signatures
                .iter()
                .any(|s| s.keyid.as_deref() == Some(&keyid))
            {
                // Same key, same claims: already signed.
            } else if env.signatures.len() >= MAX_SIGNATURES {
                return Err(SignError::Full);
            } else {
                env.signatures.push(new_sig);
            }
        }
        None if envelopes.len() >= MAX_ENVELOPES => return Err(SignError::Full),
        None => envelopes.push(Envelope {
            payload: payload_b64,
            payload_type: IN_TOTO_PAYLOAD_TYPE.into(),
            signatures: vec![new_sig],
        }),
    }
    Ok(container::with_signature_payload(
        bytes,
        &section::encode(&envelopes),
    )?)
}
