//! What a component imports and exports, read with wasmparser.
//!
//! The policy's complexity gate and capability intersection need facts about
//! the component itself: its size, its top-level imports and exports (with
//! versions) and how many functions it imports. The component is fully
//! validated on the way (all proposals wasmparser knows, component-model
//! async included).

use wasmparser::{
    component_types::ComponentEntityType, ComponentExternalKind, Parser, Payload, Validator,
    WasmFeatures,
};

use crate::container::Kind;

/// A problem reading a component's interface.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    /// wasmparser rejected the binary.
    #[error("invalid WebAssembly: {0}")]
    Invalid(String),
}

/// One top-level import or export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Item {
    /// Full name, e.g. `wasi:webgpu/webgpu@0.3.0-rc.2` or `start`.
    pub name: String,
    /// `instance`, `func`, `type`, `module`, `component` or `value`.
    pub kind: &'static str,
    /// `namespace:package/interface` for interface names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// The semver after `@`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Functions in it (1 for a function, the function exports of an instance).
    pub functions: u32,
}

/// Facts about a component that policy decisions use.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentFacts {
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Top-level imports.
    pub imports: Vec<Item>,
    /// Top-level exports.
    pub exports: Vec<Item>,
    /// Total imported functions.
    pub imported_functions: u32,
}

impl ComponentFacts {
    /// The capabilities the imports require (see [`capability_of`]).
    pub fn required_capabilities(&self) -> Vec<String> {
        let mut caps: Vec<String> = self
            .imports
            .iter()
            .map(|i| capability_of(&i.name))
            .collect();
        caps.sort();
        caps.dedup();
        caps
    }
}

/// The capability an import name needs.
///
/// `wasi:webgpu/*` → `gpu`; `wasi-gfx:surface/surface` and `surface-webgpu`
/// → `surface`; `wasi-gfx:frame-buffer/*` and `surface-frame-buffer` →
/// `frame-buffer`; `wasi:io/*` → `io`; `wasi:sockets`, `wasi:http` →
/// `network`; `wasi:filesystem` → `filesystem`; anything else → its
/// `namespace:package` (which no policy grants by default).
pub fn capability_of(import: &str) -> String {
    let (path, _) = split_version(import);
    let (package, iface) = path.split_once('/').unwrap_or((path, ""));
    match (package, iface) {
        ("wasi:webgpu", _) => "gpu".into(),
        ("wasi-gfx:surface", "surface-frame-buffer") => "frame-buffer".into(),
        ("wasi-gfx:surface", _) => "surface".into(),
        ("wasi-gfx:frame-buffer", _) => "frame-buffer".into(),
        ("wasi:io", _) => "io".into(),
        ("wasi:sockets" | "wasi:http", _) => "network".into(),
        ("wasi:filesystem", _) => "filesystem".into(),
        _ => package.to_owned(),
    }
}

fn split_version(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((path, v)) => (path, Some(v)),
        None => (name, None),
    }
}

fn item(name: &str, kind: &'static str, functions: u32) -> Item {
    let (path, version) = split_version(name);
    Item {
        name: name.to_owned(),
        kind,
        interface: path.contains(':').then(|| path.to_owned()),
        version: version.map(str::to_owned),
        functions,
    }
}

fn kind_and_functions(
    ty: Option<ComponentEntityType>,
    types: &wasmparser::types::Types,
) -> (&'static str, u32) {
    match ty {
        Some(ComponentEntityType::Func(_)) => ("func", 1),
        Some(ComponentEntityType::Instance(id)) => {
            let n = types[id]
                .exports
                .values()
                .filter(|t| matches!(t, ComponentEntityType::Func(_)))
                .count();
            ("instance", u32::try_from(n).unwrap_or(u32::MAX))
        }
        Some(ComponentEntityType::Module(_)) => ("module", 0),
        Some(ComponentEntityType::Component(_)) => ("component", 0),
        Some(ComponentEntityType::Value(_)) => ("value", 0),
        Some(ComponentEntityType::Type { .. }) => ("type", 0),
        None => ("unknown", 0),
    }
}

/// Validates `bytes` and lists its top-level imports and exports.
///
/// For a core module the lists are empty (the gate then only sees the size).
pub fn inspect(bytes: &[u8]) -> Result<ComponentFacts, InspectError> {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let types = validator
        .validate_all(bytes)
        .map_err(|e| InspectError::Invalid(e.to_string()))?;

    let mut import_names = Vec::new();
    let mut export_names = Vec::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| InspectError::Invalid(e.to_string()))? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import = import.map_err(|e| InspectError::Invalid(e.to_string()))?;
                    import_names.push(import.name.0.to_owned());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    let export = export.map_err(|e| InspectError::Invalid(e.to_string()))?;
                    let _: ComponentExternalKind = export.kind;
                    export_names.push(export.name.0.to_owned());
                }
            }
            _ => {}
        }
    }

    let imports: Vec<Item> = import_names
        .iter()
        .map(|n| {
            let (kind, f) = kind_and_functions(types.component_entity_type_of_import(n), &types);
            item(n, kind, f)
        })
        .collect();
    let exports = export_names
        .iter()
        .map(|n| {
            let (kind, f) = kind_and_functions(types.component_entity_type_of_export(n), &types);
            item(n, kind, f)
        })
        .collect();
    let imported_functions = imports
        .iter()
        .map(|i| i.functions)
        .fold(0u32, u32::saturating_add);
    Ok(ComponentFacts {
        bytes: bytes.len() as u64,
        imports,
        exports,
        imported_functions,
    })
}

/// The kind of binary, for callers that only have the preamble.
pub fn kind(bytes: &[u8]) -> Option<Kind> {
    crate::container::preamble_kind(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_follow_the_interface_package() {
        assert_eq!(capability_of("wasi:webgpu/webgpu@0.3.0-rc.2"), "gpu");
        assert_eq!(
            capability_of("wasi-gfx:surface/surface-webgpu@0.2.0"),
            "surface"
        );
        assert_eq!(
            capability_of("wasi-gfx:surface/surface-frame-buffer@0.2.0"),
            "frame-buffer"
        );
        assert_eq!(capability_of("wasi:filesystem/types@0.2.0"), "filesystem");
        assert_eq!(capability_of("evil:thing/x"), "evil:thing");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(inspect(b"\0asm\x0d\x00\x01\x00\x07\xff").is_err());
        assert!(inspect(b"").is_err());
    }
}
