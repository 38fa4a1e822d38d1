//! The decision: given who signed (a [`Verdict`]), the [`Policy`] and facts
//! about the component and the client, where does the component run, under
//! which limits, and why.
//!
//! This is the one place that turns trust into behaviour; the browser loader
//! and the render server both call it, so they cannot disagree.

use crate::inspect::ComponentFacts;
use crate::level::TrustLevel;
use crate::policy::{ClientLimits, Consent, Execution, Policy, ServerLimits};
use crate::verify::Verdict;

/// Capabilities the render server bridges for server-only components.
pub const SERVER_CAPABILITIES: [&str; 4] = ["gpu", "surface", "frame-buffer", "io"];

/// What the client (browser) offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientFacts {
    /// WebGPU is available.
    pub webgpu: bool,
}

/// Where the component runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    /// In the browser (after consent if `consent_required`).
    Client,
    /// As server frames.
    Server,
    /// Not at all.
    Reject,
}

/// Why the decision came out as it did (machine-readable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionReason {
    /// Verified, and the level allows the browser.
    Verified,
    /// Verified, but the level is server-only.
    PolicyServerOnly,
    /// The level allows the browser, but it has no WebGPU.
    NoWebgpu,
    /// The component imports something the level does not grant.
    ImportDenied,
    /// A server-only component beyond the complexity gate.
    NeedsReview,
    /// Not verified: the verification reason applies.
    #[serde(untagged)]
    Verification(crate::verify::Reason),
}

impl DecisionReason {
    /// The kebab-case code.
    pub fn code(self) -> &'static str {
        match self {
            DecisionReason::Verified => "verified",
            DecisionReason::PolicyServerOnly => "policy-server-only",
            DecisionReason::NoWebgpu => "no-webgpu",
            DecisionReason::ImportDenied => "import-denied",
            DecisionReason::NeedsReview => "needs-review",
            DecisionReason::Verification(r) => r.code(),
        }
    }
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Where it runs.
    pub route: Route,
    /// Whether the user must consent first (client route only).
    pub consent_required: bool,
    /// Effective trust level.
    pub level: TrustLevel,
    /// Why.
    pub reason: DecisionReason,
    /// Human-readable explanation.
    pub message: String,
    /// Browser limits (client route).
    pub client_limits: Option<ClientLimits>,
    /// Server-frame limits (always present: the fallback uses them).
    pub server_limits: ServerLimits,
    /// Capabilities granted: signed ∩ allowed by the level ∩ imported.
    pub capabilities: Vec<String>,
    /// Imported capabilities that are not granted.
    pub denied: Vec<String>,
}

/// Decides where and how a component runs.
///
/// A signature that lists no capabilities does not narrow what the level
/// allows; one that lists some narrows it to those.
pub fn decide(
    verdict: &Verdict,
    policy: &Policy,
    component: &ComponentFacts,
    client: ClientFacts,
) -> Decision {
    let level = if verdict.verified {
        verdict.level
    } else {
        TrustLevel::Untrusted
    };
    let rule = policy.rule(level);
    let required = component.required_capabilities();
    let claimed: Option<&Vec<String>> = verdict
        .accepted
        .as_ref()
        .filter(|_| verdict.verified)
        .map(|a| &a.claims.capabilities)
        .filter(|c| !c.is_empty());

    let allowed: Vec<String> = match (&rule.execution, &rule.client) {
        (Execution::ServerOnly, _) | (_, None) => {
            SERVER_CAPABILITIES.iter().map(|s| s.to_string()).collect()
        }
        (_, Some(c)) => c.capabilities.clone(),
    };
    let granted: Vec<String> = allowed
        .iter()
        .filter(|c| claimed.is_none_or(|cl| cl.contains(c)))
        .cloned()
        .collect();
    let capabilities: Vec<String> = required
        .iter()
        .filter(|c| granted.contains(c))
        .cloned()
        .collect();
    let denied: Vec<String> = required
        .iter()
        .filter(|c| !granted.contains(c))
        .cloned()
        .collect();

    let base = |route, reason: DecisionReason, message: String| Decision {
        route,
        consent_required: false,
        level,
        reason,
        message,
        client_limits: None,
        server_limits: rule.server.clone(),
        capabilities: capabilities.clone(),
        denied: denied.clone(),
    };

    let unverified = (!verdict.verified).then_some(DecisionReason::Verification(verdict.reason));
    match rule.execution {
        Execution::ServerOnly => {
            let gate = &policy.complexity;
            if !denied.is_empty() {
                return base(
                    Route::Reject,
                    DecisionReason::ImportDenied,
                    format!(
                        "imports need {} which the render server does not provide",
                        denied.join(", ")
                    ),
                );
            }
            if component.bytes > gate.max_component_bytes.0
                || component.imported_functions > gate.max_imported_functions
            {
                return base(
                    Route::Reject,
                    DecisionReason::NeedsReview,
                    format!(
                        "{} bytes and {} imported functions exceed the {} / {} gate for {level} components",
                        component.bytes,
                        component.imported_functions,
                        gate.max_component_bytes,
                        gate.max_imported_functions
                    ),
                );
            }
            let reason = unverified.unwrap_or(DecisionReason::PolicyServerOnly);
            let message = if verdict.verified {
                format!("{level} components are rendered on the server")
            } else {
                verdict.message.clone()
            };
            base(Route::Server, reason, message)
        }
        Execution::ClientAllowed | Execution::ClientPreferred => {
            if !denied.is_empty() {
                return base(
                    Route::Server,
                    DecisionReason::ImportDenied,
                    format!(
                        "imports need {} which {level} does not grant",
                        denied.join(", ")
                    ),
                );
            }
            if !client.webgpu {
                return base(
                    Route::Server,
                    DecisionReason::NoWebgpu,
                    "this browser has no WebGPU".into(),
                );
            }
            let mut d = base(
                Route::Client,
                DecisionReason::Verified,
                verdict.message.clone(),
            );
            d.consent_required = rule.consent == Consent::Required;
            d.client_limits = rule.client.clone();
            d
        }
    }
}
