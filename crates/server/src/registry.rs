//! Registered components: verified once, decided once, compiled once, then looked up by digest.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::StatusCode;
use gfx_trust::inspect::ComponentFacts;
use gfx_trust::policy::{ImageFormat, LimitError};
use gfx_trust::{ClientFacts, Decision, Keyring, Policy, Route, TrustLevel, Verdict};
use serde::Serialize;
use wasmtime::component::Component;

use crate::error::ApiError;
use crate::render::RenderEngine;
use crate::render::host::GuestLimits;

/// Limits applied where the policy gives a level none (server-only levels have no client limits).
#[derive(Debug, Clone, Copy)]
pub struct DefaultLimits {
    /// Memory for guests of levels without a policy memory limit.
    pub memory: u64,
    /// CPU per activation for guests of levels without a policy cpu limit.
    pub cpu: Duration,
}

/// One registered component.
pub struct Registered {
    /// `sha256:<hex>` of the unsigned file.
    pub digest: String,
    /// What verification found.
    pub verdict: Verdict,
    /// Where the policy lets it run; the server renders it unless the route is `reject`.
    pub decision: Decision,
    /// Imports and sizes.
    pub facts: ComponentFacts,
    /// Limits its runs get.
    pub limits: GuestLimits,
    /// Compiled once.
    pub component: Component,
}

/// What `GET /v1/components` lists for a component.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Digest.
    pub digest: String,
    /// Signed name, if any.
    pub name: Option<String>,
    /// Signed version, if any.
    pub version: Option<String>,
    /// Signer (from the signature), if verified.
    pub signer: Option<String>,
    /// Effective trust level.
    pub level: TrustLevel,
    /// Verification reason code (`verified`, `unsigned`, `signature-invalid`, ...).
    pub verification: &'static str,
    /// Decision reason code.
    pub reason: &'static str,
    /// Whether the server renders it.
    pub renderable: bool,
    /// Size of the file.
    pub bytes: u64,
}

impl Registered {
    /// The listing entry.
    pub fn summary(&self) -> Summary {
        let claims = self
            .verdict
            .accepted
            .as_ref()
            .filter(|_| self.verdict.verified)
            .map(|a| &a.claims);
        Summary {
            digest: self.digest.clone(),
            name: claims.and_then(|c| c.name.clone()),
            version: claims.and_then(|c| c.version.clone()),
            signer: claims.map(|c| c.signer.clone()),
            level: self.decision.level,
            verification: self.verdict.reason.code(),
            reason: self.decision.reason.code(),
            renderable: self.decision.route != Route::Reject,
            bytes: self.facts.bytes,
        }
    }

    /// Checks that this component may be rendered at this size, rate and format.
    pub fn check(
        &self,
        width: u32,
        height: u32,
        fps: Option<u32>,
        format: ImageFormat,
    ) -> Result<(), ApiError> {
        if self.decision.route == Route::Reject {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                self.decision.reason.code(),
                self.decision.message.clone(),
            ));
        }
        self.decision
            .server_limits
            .check(width, height, fps, format)
            .map_err(|e: LimitError| e.into())
    }
}

/// The set of registered components.
pub struct Registry {
    keyring: Keyring,
    policy: Policy,
    defaults: DefaultLimits,
    components: RwLock<BTreeMap<String, Arc<Registered>>>,
}

impl Registry {
    /// An empty registry.
    pub fn new(keyring: Keyring, policy: Policy, defaults: DefaultLimits) -> Self {
        Registry {
            keyring,
            policy,
            defaults,
            components: RwLock::new(BTreeMap::new()),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Looks a component up by digest.
    pub fn get(&self, digest: &str) -> Option<Arc<Registered>> {
        self.components
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(digest)
            .cloned()
    }

    /// Every component, by digest.
    pub fn list(&self) -> Vec<Summary> {
        self.components
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|r| r.summary())
            .collect()
    }

    /// Verifies, decides and compiles `bytes`, then registers them. CPU-heavy (compiles): call it
    /// off the async executor. Re-registering the same digest returns the existing entry.
    pub fn register(
        &self,
        engine: &RenderEngine,
        bytes: &[u8],
    ) -> Result<Arc<Registered>, ApiError> {
        let now = time::OffsetDateTime::now_utc();
        let verdict = gfx_trust::verify(bytes, &self.keyring, now);
        let Some(digest) = verdict.digest.as_ref().map(|d| d.to_string()) else {
            return Err(ApiError::bad_request(
                "component-invalid",
                format!("not a readable component: {}", verdict.message),
            ));
        };
        // The same component may arrive unsigned and signed (the digest covers the unsigned
        // file): keep whichever copy earns the higher level.
        if let Some(existing) = self.get(&digest) {
            let level = if verdict.verified {
                verdict.level
            } else {
                TrustLevel::Untrusted
            };
            if level <= existing.decision.level {
                return Ok(existing);
            }
        }
        let facts = gfx_trust::inspect::inspect(bytes).map_err(|e| {
            ApiError::bad_request(
                "component-invalid",
                format!("not a readable component: {e}"),
            )
        })?;
        let decision = gfx_trust::decide(
            &verdict,
            &self.policy,
            &facts,
            ClientFacts { webgpu: false },
        );
        let client = self.policy.rule(decision.level).client.as_ref();
        let limits = GuestLimits {
            memory: client.map_or(self.defaults.memory, |c| c.memory.0),
            cpu: client.map_or(self.defaults.cpu, |c| Duration::from_millis(c.cpu.0)),
        };
        let component = engine
            .compile(bytes)
            .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
        let entry = Arc::new(Registered {
            digest: digest.clone(),
            verdict,
            decision,
            facts,
            limits,
            component,
        });
        self.components
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(digest, Arc::clone(&entry));
        Ok(entry)
    }

    /// Registers every `*.wasm` in `dir` (sorted by name). A file that cannot be registered is
    /// logged and skipped; an unreadable directory is an error.
    pub fn register_dir(&self, engine: &RenderEngine, dir: &Path) -> std::io::Result<usize> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        paths.sort();
        let mut count = 0;
        for path in paths {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(path = %path.display(), "cannot read component: {e}");
                    continue;
                }
            };
            match self.register(engine, &bytes) {
                Ok(r) => {
                    count += 1;
                    let level = r.decision.level;
                    if r.verdict.verified {
                        tracing::info!(path = %path.display(), digest = %r.digest, %level, route = ?r.decision.route, "registered");
                    } else {
                        tracing::warn!(path = %path.display(), digest = %r.digest, %level, reason = r.verdict.reason.code(), "registered as untrusted: {}", r.verdict.message);
                    }
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), code = e.code, "not registered: {}", e.message)
                }
            }
        }
        Ok(count)
    }
}
