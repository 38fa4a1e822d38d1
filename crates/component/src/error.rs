//! Why a component is refused before anything of it is compiled.

/// A refusal: the component cannot run in this runtime, and why.
///
/// Every variant has a stable [`code`](PlanError::code) (the loader's `LoadError` code and the
/// handle's fallback reason) and a message that names the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// An import outside the allowlist (unknown interface, or a version the runtime does not
    /// implement).
    #[error("import `{import}` is not allowed: {why}")]
    ImportDenied {
        /// The import's full name, e.g. `wasi:filesystem/types@0.2.0`.
        import: String,
        /// What is wrong with it.
        why: String,
    },
    /// A component-model feature this runtime does not implement.
    #[error("unsupported component feature: {feature}")]
    UnsupportedFeature {
        /// The feature, named as the component-model spec or wasm-tools names it.
        feature: String,
    },
    /// A core memory whose initial size is beyond the policy's memory limit.
    #[error(
        "core module {module} memory {memory} starts at {initial_bytes} bytes, over the limit of {limit_bytes} bytes"
    )]
    MemoryLimit {
        /// Index of the core module in the component.
        module: u32,
        /// Index of the memory in that module.
        memory: u32,
        /// The memory's initial size in bytes.
        initial_bytes: u64,
        /// The policy's limit in bytes.
        limit_bytes: u64,
    },
    /// The core memories the component creates start, together, beyond the policy's memory
    /// limit (which is the sum of all of them; see [`crate::bound::split`]).
    #[error(
        "the component's {memories} core memories start at {initial_bytes} bytes together, over the limit of {limit_bytes} bytes"
    )]
    MemoryBudget {
        /// How many memories its core instances create.
        memories: u64,
        /// The sum of their initial sizes in bytes.
        initial_bytes: u64,
        /// The policy's limit in bytes.
        limit_bytes: u64,
    },
    /// The binary does not parse, or its index spaces do not resolve.
    #[error("invalid component: {0}")]
    Invalid(String),
}

impl PlanError {
    /// The stable code: `import-denied`, `unsupported-feature`, `memory-limit` or
    /// `component-invalid`.
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::ImportDenied { .. } => "import-denied",
            PlanError::UnsupportedFeature { .. } => "unsupported-feature",
            PlanError::MemoryLimit { .. } | PlanError::MemoryBudget { .. } => "memory-limit",
            PlanError::Invalid(_) => "component-invalid",
        }
    }

    pub(crate) fn unsupported(feature: impl Into<String>) -> Self {
        PlanError::UnsupportedFeature {
            feature: feature.into(),
        }
    }

    pub(crate) fn invalid(offset: usize, message: impl std::fmt::Display) -> Self {
        PlanError::Invalid(format!("{message} (at offset 0x{offset:x})"))
    }
}

impl From<wasmparser::BinaryReaderError> for PlanError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        PlanError::Invalid(e.to_string())
    }
}
