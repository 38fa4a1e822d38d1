//! What a component imports and exports, read with wasmparser's parser.
//!
//! The policy's complexity gate and capability intersection need facts about
//! the component itself: its size, its top-level imports and exports (with
//! versions) and how many functions it imports.
//!
//! This is a parse-only walk, not a validation: function bodies and most
//! typing rules are left to whoever compiles the component (the browser's
//! `WebAssembly.compile`, wasmtime on the render server), which validate it
//! anyway. What the walk does resolve is the component-level index spaces
//! that the facts depend on — types (type section entries, type imports and
//! exports, aliases of instance exports and of outer types), instances
//! (imports, instantiations, bags of exports, aliases, exports) and nested
//! components — so that an imported or exported instance's function count is
//! read from its (possibly aliased, ascribed or instantiated) instance type.
//! Nested components are walked with the same rules, because instantiating
//! one yields an instance of its export type; nested core modules are
//! skipped. An index that does not resolve, a wrong kind or a missing export
//! is an [`InspectError`]: the walk never guesses a function count.
//!
//! The walk runs on untrusted bytes: it never panics, does work linear in the
//! input (every entry it records was read from at least one byte of it, and
//! an instantiation or alias shares its type instead of copying it), and
//! limits nesting to [`MAX_NESTING`] scopes.

use std::collections::BTreeMap;

use wasmparser::{
    BinaryReader, BinaryReaderError, ComponentAlias, ComponentExportName, ComponentExternalKind,
    ComponentImport, ComponentOuterAliasKind, ComponentType, ComponentTypeRef, CoreType, Encoding,
    Parser, Payload, TypeBounds,
};

use crate::container::Kind;

/// A problem reading a component's interface.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    /// wasmparser rejected the binary, or its component structure does not
    /// resolve (an index out of range, an item of the wrong kind, an alias
    /// of a missing export, nesting deeper than [`MAX_NESTING`]).
    #[error("invalid WebAssembly: {0}")]
    Invalid(String),
}

/// Deepest nesting of components, component types and instance types the
/// walk follows (real components nest a handful deep).
pub const MAX_NESTING: usize = 100;

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
        let mut caps = crate::sorted(
            self.imports
                .iter()
                .map(|i| capability_of(&i.name))
                .collect(),
        );
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

pub(crate) fn item(name: &str, kind: &'static str, functions: u32) -> Item {
    let (path, version) = split_version(name);
    Item {
        name: name.to_owned(),
        kind,
        interface: path.contains(':').then(|| path.to_owned()),
        version: version.map(str::to_owned),
        functions,
    }
}

/// Lists the top-level imports and exports of `bytes` (parsing, not
/// validating: see the module docs).
///
/// For a core module the lists are empty (the gate then only sees the size).
pub fn inspect(bytes: &[u8]) -> Result<ComponentFacts, InspectError> {
    let mut walk = Walk::default();
    // Inside a core module (top-level or nested): its payloads are skipped.
    let mut in_module = false;
    let mut done = false;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(reader_error)?;
        if done {
            // parse_all stops after the top-level `End`; be safe regardless.
            break;
        }
        if let Payload::UnknownSection { id, range, .. } = &payload {
            return Err(invalid(range.start, format!("malformed section id: {id}")));
        }
        if in_module {
            if let Payload::End(_) = payload {
                in_module = false;
                done = walk.scopes.is_empty();
            }
            continue;
        }
        match payload {
            Payload::Version {
                encoding: Encoding::Module,
                ..
            } => in_module = true,
            Payload::Version {
                encoding: Encoding::Component,
                range,
                ..
            } => walk.push(range.start)?,
            Payload::End(_) => done = walk.end_component(),
            Payload::ComponentTypeSection(section) => {
                // Read by hand (see `Walk::read_type`), from the section's bytes.
                let range = section.range();
                let data = bytes
                    .get(range.clone())
                    .ok_or_else(|| invalid(range.start, "type section out of bounds"))?;
                let mut reader = BinaryReader::new(data, range.start);
                let count = reader.read_var_u32().map_err(reader_error)?;
                for _ in 0..count {
                    let ty = walk.read_type(&mut reader)?;
                    walk.top().types.push(ty);
                }
                if !reader.eof() {
                    return Err(invalid(
                        reader.original_position(),
                        "section size mismatch: unexpected data at the end of the section",
                    ));
                }
            }
            Payload::ComponentImportSection(reader) => {
                for import in reader.into_iter_with_offsets() {
                    let (offset, import) = import.map_err(reader_error)?;
                    let entity = walk.top().type_ref(import.ty, offset)?;
                    walk.top().add(entity);
                    if walk.scopes.len() == 1 {
                        let functions = walk.functions(entity);
                        walk.imports
                            .push(item(import.name.0, entity.kind(), functions));
                    }
                }
            }
            Payload::ComponentExportSection(reader) => {
                for export in reader.into_iter_with_offsets() {
                    let (offset, export) = export.map_err(reader_error)?;
                    let scope = walk.top();
                    let actual = scope.item(export.kind, export.index, offset)?;
                    // The validator types an export with an ascribed type
                    // (after checking it is a supertype) as the ascribed one.
                    let entity = match export.ty {
                        Some(ty) => scope.type_ref(ty, offset)?,
                        None => actual,
                    };
                    if entity.kind() != actual.kind() {
                        return Err(invalid(offset, "ascribed type is of another kind"));
                    }
                    scope.add(entity);
                    scope.export(export.name.0, entity, offset)?;
                    if walk.scopes.len() == 1 {
                        let functions = walk.functions(entity);
                        walk.exports
                            .push(item(export.name.0, entity.kind(), functions));
                    }
                }
            }
            Payload::ComponentInstanceSection(reader) => {
                for instance in reader.into_iter_with_offsets() {
                    let (offset, instance) = instance.map_err(reader_error)?;
                    let id = match instance {
                        wasmparser::ComponentInstance::Instantiate {
                            component_index, ..
                        } => {
                            // An instance of a component has its export type.
                            walk.top().component(component_index, offset)?
                        }
                        wasmparser::ComponentInstance::FromExports(exports) => {
                            let mut bag = Interface::default();
                            for export in exports.iter() {
                                let entity = walk.top().item(export.kind, export.index, offset)?;
                                bag.insert(export.name.0, entity, offset)?;
                            }
                            walk.intern(bag)
                        }
                    };
                    walk.top().instances.push(id);
                }
            }
            Payload::ComponentAliasSection(reader) => {
                for alias in reader.into_iter_with_offsets() {
                    let (offset, alias) = alias.map_err(reader_error)?;
                    walk.alias(alias, offset)?;
                }
            }
            // Core types and instances, canonical functions (a lifted
            // function is a `func` whatever its type), the start function and
            // custom sections do not change the facts; nested modules and
            // components follow as their own payloads.
            _ => {}
        }
    }
    if !done {
        return Err(InspectError::Invalid("unexpected end of input".into()));
    }
    let imported_functions = walk
        .imports
        .iter()
        .map(|i| i.functions)
        .fold(0u32, u32::saturating_add);
    Ok(ComponentFacts {
        bytes: bytes.len() as u64,
        imports: walk.imports,
        exports: walk.exports,
        imported_functions,
    })
}

/// The kind of binary, for callers that only have the preamble.
pub fn kind(bytes: &[u8]) -> Option<Kind> {
    crate::container::preamble_kind(bytes).ok()
}

/// The message of the error for nesting past [`MAX_NESTING`].
const NESTED_TOO_DEEP: &str = "nested deeper than";

/// Whether `e` is the refusal to nest deeper than [`MAX_NESTING`] (the
/// fuzz harness does not ask the oracle then: wasmparser's validator would
/// recurse into such nesting without limit and may overflow the stack).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn is_nested_too_deep(e: &InspectError) -> bool {
    let InspectError::Invalid(message) = e;
    message.starts_with(NESTED_TOO_DEEP)
}

/// wasmparser's limit on the declarations of one component or instance type.
const MAX_TYPE_DECLS: usize = 1_000_000;

fn reader_error(e: BinaryReaderError) -> InspectError {
    InspectError::Invalid(e.to_string())
}

fn invalid(offset: usize, message: impl std::fmt::Display) -> InspectError {
    InspectError::Invalid(format!("{message} (at offset 0x{offset:x})"))
}

/// An entry of the component type index space, as far as the facts need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    /// An instance type: its exports are `Walk::interfaces[_]`.
    Instance(usize),
    /// A component type: its exports are `Walk::interfaces[_]`.
    Component(usize),
    /// A function type.
    Func,
    /// A value type or a resource.
    Other,
}

/// The type of an imported, exported or aliased item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Module,
    Func,
    Value,
    Type(Ty),
    Instance(usize),
    Component(usize),
}

impl Entity {
    fn kind(self) -> &'static str {
        match self {
            Entity::Module => "module",
            Entity::Func => "func",
            Entity::Value => "value",
            Entity::Type(_) => "type",
            Entity::Instance(_) => "instance",
            Entity::Component(_) => "component",
        }
    }

    fn is(self, kind: ComponentExternalKind) -> bool {
        matches!(
            (self, kind),
            (Entity::Module, ComponentExternalKind::Module)
                | (Entity::Func, ComponentExternalKind::Func)
                | (Entity::Value, ComponentExternalKind::Value)
                | (Entity::Type(_), ComponentExternalKind::Type)
                | (Entity::Instance(_), ComponentExternalKind::Instance)
                | (Entity::Component(_), ComponentExternalKind::Component)
        )
    }
}

/// The exports of an instance type or of a component type.
#[derive(Debug, Default)]
struct Interface<'a> {
    exports: BTreeMap<&'a str, Entity>,
    functions: u32,
}

impl<'a> Interface<'a> {
    fn insert(&mut self, name: &'a str, entity: Entity, offset: usize) -> Result<(), InspectError> {
        if self.exports.insert(name, entity).is_some() {
            return Err(invalid(
                offset,
                format!("export name `{name}` is defined twice"),
            ));
        }
        if entity == Entity::Func {
            self.functions = self.functions.saturating_add(1);
        }
        Ok(())
    }
}

/// A type begun by [`Walk::open_type`].
enum Opened {
    /// Read whole.
    Leaf(Ty),
    /// A component (`component`) or instance type with `count` declarations
    /// to read, in a new scope.
    Decls { component: bool, count: usize },
}

/// One component, component type or instance type being read: the index
/// spaces the facts depend on, and its exports so far.
#[derive(Debug, Default)]
struct Scope<'a> {
    types: Vec<Ty>,
    instances: Vec<usize>,
    components: Vec<usize>,
    exports: Interface<'a>,
}

fn at<T: Copy>(space: &[T], index: u32, what: &str, offset: usize) -> Result<T, InspectError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| space.get(i).copied())
        .ok_or_else(|| {
            invalid(
                offset,
                format!("unknown {what} {index}: {what} index out of bounds"),
            )
        })
}

impl<'a> Scope<'a> {
    fn ty(&self, index: u32, offset: usize) -> Result<Ty, InspectError> {
        at(&self.types, index, "type", offset)
    }

    fn component(&self, index: u32, offset: usize) -> Result<usize, InspectError> {
        at(&self.components, index, "component", offset)
    }

    /// The type an import, an export ascription or a declaration names.
    fn type_ref(&self, ty: ComponentTypeRef, offset: usize) -> Result<Entity, InspectError> {
        Ok(match ty {
            ComponentTypeRef::Module(_) => Entity::Module,
            ComponentTypeRef::Value(_) => Entity::Value,
            ComponentTypeRef::Func(i) => match self.ty(i, offset)? {
                Ty::Func => Entity::Func,
                _ => {
                    return Err(invalid(
                        offset,
                        format!("type index {i} is not a function type"),
                    ))
                }
            },
            ComponentTypeRef::Type(TypeBounds::Eq(i)) => Entity::Type(self.ty(i, offset)?),
            ComponentTypeRef::Type(TypeBounds::SubResource) => Entity::Type(Ty::Other),
            ComponentTypeRef::Instance(i) => match self.ty(i, offset)? {
                Ty::Instance(id) => Entity::Instance(id),
                _ => {
                    return Err(invalid(
                        offset,
                        format!("type index {i} is not an instance type"),
                    ))
                }
            },
            ComponentTypeRef::Component(i) => match self.ty(i, offset)? {
                Ty::Component(id) => Entity::Component(id),
                _ => {
                    return Err(invalid(
                        offset,
                        format!("type index {i} is not a component type"),
                    ))
                }
            },
        })
    }

    /// The item `index` of `kind` in this scope (for exports).
    fn item(
        &self,
        kind: ComponentExternalKind,
        index: u32,
        offset: usize,
    ) -> Result<Entity, InspectError> {
        Ok(match kind {
            ComponentExternalKind::Module => Entity::Module,
            ComponentExternalKind::Func => Entity::Func,
            ComponentExternalKind::Value => Entity::Value,
            ComponentExternalKind::Type => Entity::Type(self.ty(index, offset)?),
            ComponentExternalKind::Instance => {
                Entity::Instance(at(&self.instances, index, "instance", offset)?)
            }
            ComponentExternalKind::Component => Entity::Component(self.component(index, offset)?),
        })
    }

    /// Imports, exports and aliases each add an item to their index space.
    fn add(&mut self, entity: Entity) {
        match entity {
            Entity::Type(ty) => self.types.push(ty),
            Entity::Instance(id) => self.instances.push(id),
            Entity::Component(id) => self.components.push(id),
            Entity::Module | Entity::Func | Entity::Value => {}
        }
    }

    fn export(&mut self, name: &'a str, entity: Entity, offset: usize) -> Result<(), InspectError> {
        self.exports.insert(name, entity, offset)
    }
}

#[derive(Debug, Default)]
struct Walk<'a> {
    /// Enclosing scopes, innermost last; the top-level component is first.
    scopes: Vec<Scope<'a>>,
    /// Instance and component types, by id.
    interfaces: Vec<Interface<'a>>,
    imports: Vec<Item>,
    exports: Vec<Item>,
}

impl<'a> Walk<'a> {
    fn push(&mut self, offset: usize) -> Result<(), InspectError> {
        if self.scopes.len() >= MAX_NESTING {
            return Err(invalid(
                offset,
                format!("{NESTED_TOO_DEEP} {MAX_NESTING} levels"),
            ));
        }
        self.scopes.push(Scope::default());
        Ok(())
    }

    /// The innermost scope. Only called between `push` and the matching pop.
    fn top(&mut self) -> &mut Scope<'a> {
        if self.scopes.is_empty() {
            // Unreachable: every caller runs inside a component or type.
            self.scopes.push(Scope::default());
        }
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    fn pop(&mut self) -> Interface<'a> {
        self.scopes.pop().map(|s| s.exports).unwrap_or_default()
    }

    fn intern(&mut self, interface: Interface<'a>) -> usize {
        self.interfaces.push(interface);
        self.interfaces.len() - 1
    }

    /// The end of a component: a nested one becomes an entry of its parent's
    /// component index space. True when it was the top-level component.
    fn end_component(&mut self) -> bool {
        let exports = self.pop();
        if self.scopes.is_empty() {
            return true;
        }
        let id = self.intern(exports);
        self.top().components.push(id);
        false
    }

    fn functions(&self, entity: Entity) -> u32 {
        match entity {
            Entity::Func => 1,
            Entity::Instance(id) => self.interfaces.get(id).map_or(0, |i| i.functions),
            _ => 0,
        }
    }

    /// Reads one component type. Component and instance types are read
    /// here, declaration by declaration and without recursion (an explicit
    /// stack of open types), and not by wasmparser's `ComponentType` reader,
    /// which recurses into nested declarations with no depth limit (a 30 KB
    /// type section nested 10,000 deep overflows the stack). Every other
    /// type, and each declaration that is not a type, is wasmparser's to read
    /// (none of them nests a component type).
    fn read_type(&mut self, reader: &mut BinaryReader<'a>) -> Result<Ty, InspectError> {
        // Open component (true) or instance types: declarations still to read.
        let mut open: Vec<(bool, usize)> = Vec::new();
        'next_type: loop {
            let mut finished = match self.open_type(reader)? {
                Opened::Leaf(ty) => Some(ty),
                Opened::Decls { component, count } => {
                    open.push((component, count));
                    None
                }
            };
            loop {
                if let Some(ty) = finished.take() {
                    if open.is_empty() {
                        return Ok(ty);
                    }
                    // A type declaration of the enclosing type.
                    self.top().types.push(ty);
                }
                let Some((component, remaining)) = open.last_mut() else {
                    return Err(InspectError::Invalid("type reader out of step".into()));
                };
                let component = *component;
                if *remaining == 0 {
                    open.pop();
                    let exports = self.pop();
                    let id = self.intern(exports);
                    finished = Some(if component {
                        Ty::Component(id)
                    } else {
                        Ty::Instance(id)
                    });
                    continue;
                }
                *remaining -= 1;
                let offset = reader.original_position();
                match reader.read_u8().map_err(reader_error)? {
                    0x01 => continue 'next_type,
                    tag => self.read_decl(reader, tag, component, offset)?,
                }
            }
        }
    }

    /// Starts reading a type: a component or instance type opens a scope for
    /// its declarations; any other type is read whole.
    fn open_type(&mut self, reader: &mut BinaryReader<'a>) -> Result<Opened, InspectError> {
        let offset = reader.original_position();
        let mut peek = reader.clone();
        let (component, desc) = match peek.read_u8().map_err(reader_error)? {
            0x41 => (true, "component type declaration"),
            0x42 => (false, "instance type declaration"),
            _ => {
                let ty = match reader.read::<ComponentType>().map_err(reader_error)? {
                    ComponentType::Func(_) => Ty::Func,
                    _ => Ty::Other,
                };
                return Ok(Opened::Leaf(ty));
            }
        };
        *reader = peek;
        let count = reader
            .read_size(MAX_TYPE_DECLS, desc)
            .map_err(reader_error)?;
        self.push(offset)?;
        Ok(Opened::Decls { component, count })
    }

    /// A declaration other than a type (`tag` read) of a component type
    /// (`component`) or instance type, encoded as wasmparser's
    /// `ComponentTypeDeclaration` and `InstanceTypeDeclaration` readers expect.
    fn read_decl(
        &mut self,
        reader: &mut BinaryReader<'a>,
        tag: u8,
        component: bool,
        offset: usize,
    ) -> Result<(), InspectError> {
        match tag {
            0x00 => {
                reader.read::<CoreType>().map_err(reader_error)?;
            }
            0x02 => {
                let alias = reader.read::<ComponentAlias>().map_err(reader_error)?;
                self.alias(alias, offset)?;
            }
            0x03 if component => {
                let import = reader.read::<ComponentImport>().map_err(reader_error)?;
                let entity = self.top().type_ref(import.ty, offset)?;
                self.top().add(entity);
            }
            0x04 => {
                let name = reader.read::<ComponentExportName>().map_err(reader_error)?;
                let ty = reader.read::<ComponentTypeRef>().map_err(reader_error)?;
                let entity = self.top().type_ref(ty, offset)?;
                self.top().add(entity);
                self.top().export(name.0, entity, offset)?;
            }
            x => {
                return Err(invalid(
                    offset,
                    format!(
                        "invalid leading byte (0x{x:x}) for component or instance type declaration"
                    ),
                ))
            }
        }
        Ok(())
    }

    fn alias(&mut self, alias: ComponentAlias<'a>, offset: usize) -> Result<(), InspectError> {
        match alias {
            ComponentAlias::InstanceExport {
                kind,
                instance_index,
                name,
            } => {
                let id = at(&self.top().instances, instance_index, "instance", offset)?;
                let entity = self
                    .interfaces
                    .get(id)
                    .and_then(|i| i.exports.get(name).copied())
                    .ok_or_else(|| {
                        invalid(
                            offset,
                            format!("instance {instance_index} has no export named `{name}`"),
                        )
                    })?;
                if !entity.is(kind) {
                    return Err(invalid(
                        offset,
                        format!(
                            "export `{name}` for instance {instance_index} is not a {}",
                            kind_name(kind)
                        ),
                    ));
                }
                self.top().add(entity);
            }
            ComponentAlias::CoreInstanceExport { .. } => {}
            ComponentAlias::Outer { kind, count, index } => {
                let outer = usize::try_from(count)
                    .ok()
                    .and_then(|c| self.scopes.len().checked_sub(c.checked_add(1)?))
                    .and_then(|i| self.scopes.get(i))
                    .ok_or_else(|| invalid(offset, "invalid outer alias count"))?;
                match kind {
                    ComponentOuterAliasKind::Type => {
                        let ty = outer.ty(index, offset)?;
                        self.top().types.push(ty);
                    }
                    ComponentOuterAliasKind::Component => {
                        let id = outer.component(index, offset)?;
                        self.top().components.push(id);
                    }
                    ComponentOuterAliasKind::CoreModule | ComponentOuterAliasKind::CoreType => {}
                }
            }
        }
        Ok(())
    }
}

fn kind_name(kind: ComponentExternalKind) -> &'static str {
    match kind {
        ComponentExternalKind::Module => "module",
        ComponentExternalKind::Func => "func",
        ComponentExternalKind::Value => "value",
        ComponentExternalKind::Type => "type",
        ComponentExternalKind::Instance => "instance",
        ComponentExternalKind::Component => "component",
    }
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
