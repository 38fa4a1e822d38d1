//! Which imports a component may have: interfaces matched by name and semver-compatible version.
//!
//! Toolchains emit different patch versions of the same interface (`wasi:io/poll@0.2.0` and
//! `@0.2.6`), so an import matches an allowed interface when the package and interface names are
//! equal and the versions are semver-compatible: the same major version, or for `0.x` the same
//! minor version, or for `0.0.x` the same patch; a pre-release (`0.3.0-rc.2`) matches only itself.

use semver::Version;

use crate::error::PlanError;

/// An interface name split into its parts: `namespace:package/interface@version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceName<'a> {
    /// `namespace:package`, e.g. `wasi:webgpu`.
    pub package: &'a str,
    /// The interface within the package, e.g. `webgpu`.
    pub interface: &'a str,
    /// The version after `@`, if any.
    pub version: Option<Version>,
}

impl<'a> InterfaceName<'a> {
    /// Splits `name`; `None` when it is not of the form `ns:pkg/iface[@version]` (a plain name
    /// such as `start`, or a version that is not semver).
    pub fn parse(name: &'a str) -> Option<Self> {
        let (path, version) = match name.split_once('@') {
            Some((path, v)) => (path, Some(Version::parse(v).ok()?)),
            None => (name, None),
        };
        let (package, interface) = path.split_once('/')?;
        let (namespace, pkg) = package.split_once(':')?;
        if namespace.is_empty() || pkg.is_empty() || interface.is_empty() || interface.contains('/')
        {
            return None;
        }
        Some(InterfaceName {
            package,
            interface,
            version,
        })
    }
}

/// Whether an import of version `have` may be served by an implementation of `want`.
pub fn semver_compatible(want: &Version, have: &Version) -> bool {
    if !want.pre.is_empty() || !have.pre.is_empty() {
        return want == have;
    }
    match (want.major, want.minor) {
        (0, 0) => have.major == 0 && have.minor == 0 && have.patch == want.patch,
        (0, minor) => have.major == 0 && have.minor == minor,
        (major, _) => have.major == major,
    }
}

/// One interface the host implements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// `namespace:package`.
    pub package: String,
    /// The interface name.
    pub interface: String,
    /// The version the host implements.
    pub version: Version,
}

/// The interfaces a component may import; everything else is refused with `import-denied`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    entries: Vec<Allowed>,
}

/// The interfaces of the WASI P2 generation of wasi-gfx: recognised, to say why they are refused.
const P2_GENERATION: &[&str] = &[
    "wasi:io",
    "wasi:surface",
    "wasi:graphics-context",
    "wasi:frame-buffer",
];

impl Allowlist {
    /// An empty allowlist (nothing may be imported).
    pub fn new() -> Self {
        Self::default()
    }

    /// The interfaces the browser's wasi-gfx bridge implements: `wasi:webgpu/webgpu@0.3.0-rc.2`,
    /// `wasi-gfx:surface/{surface,surface-webgpu,surface-frame-buffer}@0.2.0` and
    /// `wasi-gfx:frame-buffer/frame-buffer@0.2.0`.
    pub fn wasi_gfx() -> Self {
        let mut list = Self::new();
        for name in [
            "wasi:webgpu/webgpu@0.3.0-rc.2",
            "wasi-gfx:surface/surface@0.2.0",
            "wasi-gfx:surface/surface-webgpu@0.2.0",
            "wasi-gfx:surface/surface-frame-buffer@0.2.0",
            "wasi-gfx:frame-buffer/frame-buffer@0.2.0",
        ] {
            // The names above are constants that parse; `allow` only fails on a malformed name.
            let _ = list.allow(name);
        }
        list
    }

    /// Adds `name` (`ns:pkg/iface@version`); `false` if it does not parse or has no version.
    pub fn allow(&mut self, name: &str) -> bool {
        let Some(InterfaceName {
            package,
            interface,
            version: Some(version),
        }) = InterfaceName::parse(name)
        else {
            return false;
        };
        self.entries.push(Allowed {
            package: package.to_owned(),
            interface: interface.to_owned(),
            version,
        });
        true
    }

    /// The allowed interfaces, in the order they were added.
    pub fn entries(&self) -> &[Allowed] {
        &self.entries
    }

    /// The entry that serves an import named `import`, or the refusal.
    pub fn check(&self, import: &str) -> Result<usize, PlanError> {
        let denied = |why: String| PlanError::ImportDenied {
            import: import.to_owned(),
            why,
        };
        let Some(name) = InterfaceName::parse(import) else {
            return Err(denied(
                "only interfaces (`namespace:package/interface@version`) may be imported".into(),
            ));
        };
        let Some(version) = &name.version else {
            return Err(denied("an interface import needs a version".into()));
        };
        let same_name = |a: &&Allowed| a.package == name.package && a.interface == name.interface;
        if let Some(i) = self
            .entries
            .iter()
            .position(|a| same_name(&a) && semver_compatible(&a.version, version))
        {
            return Ok(i);
        }
        if P2_GENERATION.contains(&name.package)
            || (name.package == "wasi:webgpu" && version.major == 0 && version.minor == 0)
        {
            return Err(PlanError::unsupported(format!(
                "`{import}` belongs to the WASI P2 generation of wasi-gfx, whose blocking imports need JSPI; \
                 this runtime implements the P3 generation (wasi:webgpu@0.3.0-rc.2)"
            )));
        }
        if let Some(a) = self.entries.iter().find(same_name) {
            return Err(denied(format!(
                "this runtime implements version {}, which is not semver-compatible",
                a.version
            )));
        }
        let implemented: Vec<String> = self
            .entries
            .iter()
            .map(|a| format!("{}/{}@{}", a.package, a.interface, a.version))
            .collect();
        Err(denied(format!(
            "the host implements only {}",
            if implemented.is_empty() {
                "nothing".to_owned()
            } else {
                implemented.join(", ")
            }
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn semver_compatibility_follows_cargo_rules_and_pins_prereleases() {
        assert!(semver_compatible(&v("0.2.0"), &v("0.2.6")));
        assert!(!semver_compatible(&v("0.2.0"), &v("0.3.0")));
        assert!(semver_compatible(&v("1.0.0"), &v("1.4.2")));
        assert!(!semver_compatible(&v("1.0.0"), &v("2.0.0")));
        assert!(!semver_compatible(&v("0.0.1"), &v("0.0.2")));
        assert!(semver_compatible(&v("0.3.0-rc.2"), &v("0.3.0-rc.2")));
        assert!(!semver_compatible(&v("0.3.0-rc.2"), &v("0.3.0-rc.3")));
        assert!(!semver_compatible(&v("0.3.0-rc.2"), &v("0.3.0")));
    }

    #[test]
    fn wasi_gfx_allowlist_accepts_its_interfaces_and_patch_versions() {
        let list = Allowlist::wasi_gfx();
        assert_eq!(list.check("wasi:webgpu/webgpu@0.3.0-rc.2"), Ok(0));
        assert_eq!(list.check("wasi-gfx:surface/surface-webgpu@0.2.3"), Ok(2));
    }

    #[test]
    fn unknown_interfaces_are_denied_by_name() {
        let list = Allowlist::wasi_gfx();
        let e = list.check("wasi:filesystem/types@0.2.0").unwrap_err();
        assert_eq!(e.code(), "import-denied");
        assert!(e.to_string().contains("wasi:filesystem/types@0.2.0"), "{e}");
        assert_eq!(
            list.check("evil:x/y@1.0.0").unwrap_err().code(),
            "import-denied"
        );
        assert_eq!(list.check("start").unwrap_err().code(), "import-denied");
        assert_eq!(
            list.check("wasi:webgpu/webgpu").unwrap_err().code(),
            "import-denied"
        );
    }

    #[test]
    fn incompatible_versions_are_denied_with_the_implemented_version() {
        let e = Allowlist::wasi_gfx()
            .check("wasi-gfx:surface/surface@0.3.0")
            .unwrap_err();
        assert_eq!(e.code(), "import-denied");
        assert!(e.to_string().contains("0.2.0"), "{e}");
    }

    #[test]
    fn the_p2_generation_is_an_unsupported_feature_not_a_denial() {
        let list = Allowlist::wasi_gfx();
        for name in [
            "wasi:io/poll@0.2.0",
            "wasi:webgpu/webgpu@0.0.1",
            "wasi:surface/surface@0.0.1",
        ] {
            assert_eq!(
                list.check(name).unwrap_err().code(),
                "unsupported-feature",
                "{name}"
            );
        }
    }
}
