//! Policy: what each trust level may do, as data.
//!
//! The embedded default (`policy/default.json`) is the table in DESIGN.md.
//! Pages and servers may replace it with their own JSON or (with the `yaml`
//! feature) YAML document of the same shape. A policy is validated as a
//! whole; errors name the field (`levels.untrusted.server.maxFps: …`).

use core::fmt;
use core::str::FromStr;

use crate::level::TrustLevel;

/// The embedded default policy.
pub const DEFAULT_POLICY_JSON: &str = include_str!("../policy/default.json");
/// The only policy format version.
pub const POLICY_VERSION: u32 = 1;
/// Hard cap on a policy document.
pub const MAX_POLICY_BYTES: usize = 256 * 1024;

/// A problem with a policy document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Larger than [`MAX_POLICY_BYTES`].
    #[error("policy is {0} bytes, more than the {MAX_POLICY_BYTES}-byte cap")]
    TooLarge(usize),
    /// Not the shape of a policy (with the path of the bad field).
    #[error("policy is not valid: {0}")]
    Syntax(String),
    /// YAML given but this build reads JSON only.
    #[error("this build reads JSON policies only (YAML support is the `yaml` feature)")]
    YamlUnsupported,
    /// A value breaks a rule.
    #[error("policy {path}: {problem}")]
    Invalid {
        /// Dotted path of the field.
        path: String,
        /// What is wrong.
        problem: String,
    },
}

/// Where a level's components run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Execution {
    /// Only server frames.
    ServerOnly,
    /// The browser may run it (subject to consent).
    ClientAllowed,
    /// The browser should run it.
    ClientPreferred,
}

/// Whether the user is asked before client execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consent {
    /// Never asked.
    None,
    /// Asked; denial means server frames.
    Required,
}

/// An image format the render server produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// PNG (lossless).
    Png,
    /// JPEG.
    Jpeg,
    /// WebP.
    Webp,
}

impl ImageFormat {
    /// Lowercase name (`png`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Webp => "webp",
        }
    }
}

impl FromStr for ImageFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "png" => Ok(ImageFormat::Png),
            "jpeg" | "jpg" => Ok(ImageFormat::Jpeg),
            "webp" => Ok(ImageFormat::Webp),
            other => Err(format!("unknown image format `{other}` (png, jpeg, webp)")),
        }
    }
}

/// A byte size written like `256MiB`, `1GiB`, `512KiB` or a plain number of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

/// Splits `"256MiB"` into `(256, "MiB")`; `what` names the expected shape in errors.
fn number_and_unit<'a>(s: &'a str, what: &str) -> Result<(u64, &'a str), String> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n = num.parse().map_err(|_| format!("`{s}` is not {what}"))?;
    Ok((n, unit.trim()))
}

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (n, unit) = number_and_unit(s, "a size like 256MiB")?;
        let mult: u64 = match unit {
            "" | "B" => 1,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            other => return Err(format!("unknown size unit `{other}` (B, KiB, MiB, GiB)")),
        };
        n.checked_mul(mult)
            .map(ByteSize)
            .ok_or_else(|| format!("`{s}` is too large"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, m) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if n >= m && n.is_multiple_of(m) {
                return write!(f, "{}{unit}", n / m);
            }
        }
        write!(f, "{n}B")
    }
}

/// A duration written like `5s`, `500ms` or `2m`; kept in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Millis(pub u64);

impl FromStr for Millis {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (n, unit) = number_and_unit(s, "a duration like 5s")?;
        let mult: u64 = match unit {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            other => return Err(format!("unknown duration unit `{other}` (ms, s, m)")),
        };
        n.checked_mul(mult)
            .map(Millis)
            .ok_or_else(|| format!("`{s}` is too long"))
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            n if n >= 60_000 && n % 60_000 == 0 => write!(f, "{}m", n / 60_000),
            n if n >= 1000 && n % 1000 == 0 => write!(f, "{}s", n / 1000),
            n => write!(f, "{n}ms"),
        }
    }
}

macro_rules! string_serde {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
string_serde!(ByteSize);
string_serde!(Millis);

/// Limits for server-rendered frames.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServerLimits {
    /// Widest frame, pixels.
    pub max_width: u32,
    /// Tallest frame, pixels.
    pub max_height: u32,
    /// Highest frame rate of a live session.
    pub max_fps: u32,
    /// Formats served.
    pub formats: Vec<ImageFormat>,
}

/// Why a server request exceeds its level's limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// Resolution beyond the limit.
    #[error("{width}x{height} exceeds the {max_width}x{max_height} limit for this trust level")]
    Resolution {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
        /// Limit.
        max_width: u32,
        /// Limit.
        max_height: u32,
    },
    /// Zero-sized frame.
    #[error("width and height must be at least 1")]
    Empty,
    /// Frame rate beyond the limit.
    #[error("{fps} fps exceeds the {max} fps limit for this trust level")]
    Fps {
        /// Requested.
        fps: u32,
        /// Limit.
        max: u32,
    },
    /// Format not allowed.
    #[error("format {0} is not allowed for this trust level")]
    Format(&'static str),
}

impl LimitError {
    /// Machine-readable code (`resolution-limit`, …).
    pub fn code(&self) -> &'static str {
        match self {
            LimitError::Resolution { .. } | LimitError::Empty => "resolution-limit",
            LimitError::Fps { .. } => "fps-limit",
            LimitError::Format(_) => "format-not-allowed",
        }
    }
}

impl ServerLimits {
    /// Checks a frame request against these limits.
    pub fn check(
        &self,
        width: u32,
        height: u32,
        fps: Option<u32>,
        format: ImageFormat,
    ) -> Result<(), LimitError> {
        if width == 0 || height == 0 {
            return Err(LimitError::Empty);
        }
        if width > self.max_width || height > self.max_height {
            return Err(LimitError::Resolution {
                width,
                height,
                max_width: self.max_width,
                max_height: self.max_height,
            });
        }
        if let Some(fps) = fps {
            if fps > self.max_fps {
                return Err(LimitError::Fps {
                    fps,
                    max: self.max_fps,
                });
            }
        }
        if !self.formats.contains(&format) {
            return Err(LimitError::Format(format.as_str()));
        }
        Ok(())
    }
}

/// Limits for running in the browser.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClientLimits {
    /// Sum of the guest's linear memories.
    pub memory: ByteSize,
    /// Longest single activation (one call into the guest).
    pub cpu: Millis,
    /// Capabilities the level may be granted (`gpu`, `surface`, `frame-buffer`, …).
    pub capabilities: Vec<String>,
    /// What an uncaptured GPU error (a WebGPU validation, out-of-memory or internal error no
    /// error scope caught) does to a component running in the browser. Default: `fallback`.
    #[serde(default, skip_serializing_if = "GpuErrors::is_default")]
    pub gpu_errors: GpuErrors,
}

/// What an uncaptured GPU error does to a client-side component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GpuErrors {
    /// Switch to server frames, reason `gpu-error`.
    #[default]
    Fallback,
    /// Keep running (the error is WebGPU's to report on the console).
    Ignore,
}

impl GpuErrors {
    fn is_default(&self) -> bool {
        *self == GpuErrors::Fallback
    }
}

/// What one level may do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LevelRule {
    /// Where it runs.
    pub execution: Execution,
    /// Whether the user is asked.
    pub consent: Consent,
    /// Browser limits (required unless `server-only`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientLimits>,
    /// Server-frame limits.
    pub server: ServerLimits,
}

/// One rule per level.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRules {
    /// `untrusted`.
    pub untrusted: LevelRule,
    /// `community-verified`.
    #[serde(rename = "community-verified")]
    pub community_verified: LevelRule,
    /// `publisher-signed`.
    #[serde(rename = "publisher-signed")]
    pub publisher_signed: LevelRule,
    /// `enterprise-trusted`.
    #[serde(rename = "enterprise-trusted")]
    pub enterprise_trusted: LevelRule,
}

/// The complexity gate for components that may only run on the server.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComplexityLimits {
    /// Largest component.
    pub max_component_bytes: ByteSize,
    /// Most imported functions.
    pub max_imported_functions: u32,
}

/// A complete policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Format version, 1.
    pub version: u32,
    /// Per-level rules.
    pub levels: LevelRules,
    /// Complexity gate for server-only components.
    pub complexity: ComplexityLimits,
}

impl Default for Policy {
    /// The embedded default policy (the table in DESIGN.md).
    fn default() -> Self {
        match Policy::from_json(DEFAULT_POLICY_JSON.as_bytes()) {
            Ok(p) => p,
            // The embedded document is tested; reaching this is a build defect.
            Err(e) => panic!("embedded default policy is invalid: {e}"),
        }
    }
}

impl Policy {
    /// The rule for a level.
    pub fn rule(&self, level: TrustLevel) -> &LevelRule {
        match level {
            TrustLevel::Untrusted => &self.levels.untrusted,
            TrustLevel::CommunityVerified => &self.levels.community_verified,
            TrustLevel::PublisherSigned => &self.levels.publisher_signed,
            TrustLevel::EnterpriseTrusted => &self.levels.enterprise_trusted,
        }
    }

    /// Parses and validates a JSON policy.
    pub fn from_json(bytes: &[u8]) -> Result<Self, PolicyError> {
        if bytes.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge(bytes.len()));
        }
        let policy: Policy = crate::json::from_slice(bytes).map_err(PolicyError::Syntax)?;
        policy.validate()?;
        Ok(policy)
    }

    /// Parses and validates a YAML policy.
    #[cfg(feature = "yaml")]
    pub fn from_yaml(text: &str) -> Result<Self, PolicyError> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge(text.len()));
        }
        let de = serde_yaml_ng::Deserializer::from_str(text);
        let policy: Policy = serde_path_to_error::deserialize(de)
            .map_err(|e| PolicyError::Syntax(format!("at `{}`: {}", e.path(), e.inner())))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Parses JSON, or YAML when the text does not start with `{`.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        if text.trim_start().starts_with('{') {
            return Self::from_json(text.as_bytes());
        }
        #[cfg(feature = "yaml")]
        return Self::from_yaml(text);
        #[cfg(not(feature = "yaml"))]
        Err(PolicyError::YamlUnsupported)
    }

    /// Checks the rules a parsed policy must also satisfy.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let invalid = |path: String, problem: &str| PolicyError::Invalid {
            path,
            problem: problem.into(),
        };
        if self.version != POLICY_VERSION {
            return Err(invalid("version".into(), "must be 1"));
        }
        for level in TrustLevel::ALL {
            let rule = self.rule(level);
            let at = |field: &str| format!("levels.{level}.{field}");
            if level == TrustLevel::Untrusted && rule.execution != Execution::ServerOnly {
                return Err(invalid(
                    at("execution"),
                    "untrusted components never run in the browser: must be server-only",
                ));
            }
            match (rule.execution, &rule.client) {
                (Execution::ServerOnly, Some(_)) => {
                    return Err(invalid(
                        at("client"),
                        "given for a server-only level (remove it, or allow client execution)",
                    ))
                }
                (Execution::ClientAllowed | Execution::ClientPreferred, None) => {
                    return Err(invalid(
                        at("client"),
                        "required when the level may run in the browser",
                    ))
                }
                _ => {}
            }
            if rule.execution == Execution::ServerOnly && rule.consent == Consent::Required {
                return Err(invalid(
                    at("consent"),
                    "consent only applies to browser execution",
                ));
            }
            let s = &rule.server;
            if s.max_width == 0 || s.max_height == 0 || s.max_width > 16384 || s.max_height > 16384
            {
                return Err(invalid(
                    at("server.maxWidth"),
                    "width and height must be 1..=16384",
                ));
            }
            if s.max_fps == 0 || s.max_fps > 240 {
                return Err(invalid(at("server.maxFps"), "must be 1..=240"));
            }
            if s.formats.is_empty() {
                return Err(invalid(
                    at("server.formats"),
                    "must list at least one format",
                ));
            }
            if let Some(c) = &rule.client {
                if c.memory.0 < 64 * 1024 || c.memory.0 > 4 << 30 {
                    return Err(invalid(
                        at("client.memory"),
                        "must be between 64KiB and 4GiB",
                    ));
                }
                if c.cpu.0 == 0 || c.cpu.0 > 600_000 {
                    return Err(invalid(at("client.cpu"), "must be between 1ms and 10m"));
                }
                if c.capabilities
                    .iter()
                    .any(|cap| cap == "network" || cap == "filesystem")
                {
                    return Err(invalid(
                        at("client.capabilities"),
                        "network and filesystem are never bridged to a guest",
                    ));
                }
            }
        }
        if self.complexity.max_component_bytes.0 == 0 {
            return Err(invalid(
                "complexity.maxComponentBytes".into(),
                "must be positive",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_the_design_table() {
        let p = Policy::default();
        let u = p.rule(TrustLevel::Untrusted);
        assert_eq!(u.execution, Execution::ServerOnly);
        assert_eq!(
            (u.server.max_width, u.server.max_height, u.server.max_fps),
            (1920, 1080, 10)
        );
        assert_eq!(u.server.formats, vec![ImageFormat::Png, ImageFormat::Jpeg]);
        let c = p.rule(TrustLevel::CommunityVerified);
        assert_eq!(
            (c.server.max_width, c.server.max_height, c.server.max_fps),
            (3840, 2160, 30)
        );
        let ps = p.rule(TrustLevel::PublisherSigned);
        assert_eq!(
            (ps.execution, ps.consent),
            (Execution::ClientAllowed, Consent::Required)
        );
        let pc = ps.client.as_ref().unwrap();
        assert_eq!((pc.memory, pc.cpu), (ByteSize(256 << 20), Millis(5000)));
        let e = p.rule(TrustLevel::EnterpriseTrusted);
        assert_eq!(
            (e.execution, e.consent),
            (Execution::ClientPreferred, Consent::None)
        );
        let ec = e.client.as_ref().unwrap();
        assert_eq!((ec.memory, ec.cpu), (ByteSize(1 << 30), Millis(30_000)));
    }

    #[test]
    fn yaml_and_json_of_the_same_policy_agree() {
        let p = Policy::default();
        let yaml = serde_yaml_ng::to_string(&p).unwrap();
        assert_eq!(Policy::parse(&yaml).unwrap(), p);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(Policy::parse(&json).unwrap(), p);
    }

    #[test]
    fn gpu_errors_default_to_fallback_and_may_be_ignored() {
        let p = Policy::default();
        let e = p.levels.enterprise_trusted.client.as_ref().unwrap();
        assert_eq!(e.gpu_errors, GpuErrors::Fallback);
        let json =
            DEFAULT_POLICY_JSON.replacen("\"256MiB\"", "\"256MiB\", \"gpuErrors\": \"ignore\"", 1);
        let p = Policy::from_json(json.as_bytes()).unwrap();
        let c = p.levels.publisher_signed.client.as_ref().unwrap();
        assert_eq!(c.gpu_errors, GpuErrors::Ignore);
        let json =
            DEFAULT_POLICY_JSON.replacen("\"256MiB\"", "\"256MiB\", \"gpuErrors\": \"shrug\"", 1);
        let err = Policy::from_json(json.as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .contains("levels.publisher-signed.client.gpuErrors"),
            "{err}"
        );
    }

    #[test]
    fn untrusted_may_never_run_in_the_browser() {
        let json = DEFAULT_POLICY_JSON.replacen("\"server-only\"", "\"client-allowed\"", 1);
        let err = Policy::from_json(json.as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("levels.untrusted.execution"),
            "{err}"
        );
    }

    #[test]
    fn errors_carry_the_path_of_the_bad_field() {
        let json = DEFAULT_POLICY_JSON.replacen("\"maxFps\": 10", "\"maxFps\": \"ten\"", 1);
        let err = Policy::from_json(json.as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("levels.untrusted.server.maxFps"),
            "{err}"
        );
        let json = DEFAULT_POLICY_JSON.replacen("\"256MiB\"", "\"256 parsecs\"", 1);
        let err = Policy::from_json(json.as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .contains("levels.publisher-signed.client.memory"),
            "{err}"
        );
        let yaml = "version: 1\nlevels: {}\n";
        let err = Policy::parse(yaml).unwrap_err();
        assert!(err.to_string().contains("untrusted"), "{err}");
    }

    #[test]
    fn sizes_and_durations_parse_and_print() {
        assert_eq!("256MiB".parse::<ByteSize>(), Ok(ByteSize(256 << 20)));
        assert_eq!(ByteSize(1 << 30).to_string(), "1GiB");
        assert!("12 parsecs".parse::<ByteSize>().is_err());
        assert!("99999999999999999999GiB".parse::<ByteSize>().is_err());
        assert_eq!("500ms".parse::<Millis>(), Ok(Millis(500)));
        assert_eq!(Millis(30_000).to_string(), "30s");
    }

    #[test]
    fn server_limits_reject_what_exceeds_them() {
        let p = Policy::default();
        let u = &p.rule(TrustLevel::Untrusted).server;
        assert!(u.check(1920, 1080, Some(10), ImageFormat::Png).is_ok());
        assert_eq!(
            u.check(1921, 1080, None, ImageFormat::Png)
                .unwrap_err()
                .code(),
            "resolution-limit"
        );
        assert_eq!(
            u.check(64, 64, Some(11), ImageFormat::Png)
                .unwrap_err()
                .code(),
            "fps-limit"
        );
        assert_eq!(
            u.check(64, 64, None, ImageFormat::Webp).unwrap_err().code(),
            "format-not-allowed"
        );
    }
}
