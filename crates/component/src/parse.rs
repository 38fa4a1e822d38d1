//! The walker that turns a component's bytes into a [`Plan`], refusing what the runtime cannot run.
//!
//! One pass of wasmparser's parser over the top-level component. It tracks the component's index
//! spaces (types, functions and instances at the component level; modules, instances, functions,
//! memories, tables and globals at the core level), resolves every reference as soon as it is
//! read, and records what the browser side needs. Core modules are not validated here (the
//! browser's `WebAssembly.compile` does that); only their memory declarations are read.
//!
//! Before walking, [`gfx_trust::inspect`] bounds the nesting of types: wasmparser decodes nested
//! instance types recursively, and the inspect walk refuses nesting past its limit without
//! recursion.

use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentDefinedType,
    ComponentExternalKind, ComponentType, ComponentTypeRef, Encoding, ExternalKind, Parser,
    Payload, TypeRef, ValType,
};

use crate::allowlist::Allowlist;
use crate::error::PlanError;
use crate::plan::{
    Builtin, CoreExport, CoreFunc, CoreInstance, CoreItem, Export, Import, ImportedFunc, Memory,
    Module, Options, PayloadType, Plan, Resource,
};

/// What the walker refuses besides imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The policy's memory limit, in bytes: the sum of the maxima of all core memories the
    /// component creates ([`crate::bound::split`] divides it; the plan's modules carry the
    /// shares as [`Module::bounds`]).
    pub max_memory_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // The default policy's limit for trusted components (256 MiB).
            max_memory_bytes: 256 << 20,
        }
    }
}

use crate::bound::PAGE;

impl Plan {
    /// Parses `bytes` (an unsigned component: the signature section already removed, or never
    /// there) into a plan, checking imports against `allowlist` and memories against `limits`.
    pub fn parse(bytes: &[u8], allowlist: &Allowlist, limits: Limits) -> Result<Plan, PlanError> {
        gfx_trust::inspect::inspect(bytes).map_err(|e| PlanError::Invalid(e.to_string()))?;
        let mut walk = Walk {
            allowlist,
            limits,
            plan: Plan::default(),
            types: Vec::new(),
            funcs: Vec::new(),
            instances: Vec::new(),
            resource_ids: TypeMemo::default(),
            payload_ids: TypeMemo::default(),
            shims: Vec::new(),
        };
        walk.run(bytes)?;
        let mut plan = walk.plan;
        let bounds = crate::bound::split(&plan, limits.max_memory_bytes)?;
        for (module, bounds) in plan.modules.iter_mut().zip(bounds) {
            module.bounds = bounds;
        }
        Ok(plan)
    }
}

/// An entry of the component type index space, as far as the plan needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ty {
    /// A resource defined by the component (index into `Plan::resources`).
    Resource(u32),
    /// A type exported by an imported interface (it may be a resource; the host decides when a
    /// built-in names it).
    ImportExport { import: u32, name: String },
    /// `stream<T>` / `future<T>`.
    Payload { stream: bool, has_payload: bool },
    /// Anything else (value types, function types, instance and component types).
    Other,
}

/// An entry of the component function index space.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Func {
    /// A function of an imported interface.
    Imported(ImportedFunc),
    /// A lifted core function.
    Lifted { core_func: u32, options: Options },
}

/// An entry of the component instance index space.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Instance {
    /// A top-level import (index into `Plan::imports`).
    Imported(u32),
    /// A bag of exports (how a component exports an interface): its functions, and the
    /// resources it defines (name, index into `Plan::resources`).
    Bag(Vec<(String, Func)>, Vec<(String, u32)>),
}

struct Walk<'a> {
    allowlist: &'a Allowlist,
    limits: Limits,
    plan: Plan,
    types: Vec<Ty>,
    funcs: Vec<Func>,
    instances: Vec<Instance>,
    /// Component type index → `Plan::resources` index, so each resource is listed once.
    resource_ids: TypeMemo,
    /// Component type index → `Plan::payload_types` index.
    payload_ids: TypeMemo,
    /// The component index space: nested components, each an export shim.
    shims: Vec<Shim>,
}

/// A nested component of the one shape the walker accepts: wit-component's export shim, which
/// imports functions (and types) and exports them again under the interface's names, so that
/// instantiating it gives the exported interface its declared types. Nothing runs inside.
#[derive(Debug, Default)]
struct Shim {
    /// Function index space: the import name each function comes from.
    funcs: Vec<String>,
    /// `(export name, import name)` of every exported function.
    exports: Vec<(String, String)>,
    /// Type index space: the import name a type comes from (`None`: defined in the shim).
    types: Vec<Option<String>>,
    /// `(export name, import name)` of every exported imported type.
    type_exports: Vec<(String, String)>,
}

const SHIM_ONLY: &str = "nested components other than wit-component's export shims";

/// A memo from component type index to an id, indexed like `Walk::types` (an index is stored only
/// once it resolved there, so it stays as long as the type space): the same answers as a map, with
/// far less code in the browser wasm than a `BTreeMap`.
#[derive(Default)]
struct TypeMemo(Vec<Option<u32>>);

impl TypeMemo {
    fn get(&self, type_index: u32) -> Option<u32> {
        let i = usize::try_from(type_index).ok()?;
        self.0.get(i).copied().flatten()
    }

    fn insert(&mut self, type_index: u32, id: u32) {
        let Ok(i) = usize::try_from(type_index) else {
            return;
        };
        if self.0.len() <= i {
            self.0.resize(i + 1, None);
        }
        self.0[i] = Some(id);
    }
}

fn get<'s, T>(space: &'s [T], index: u32, what: &str, offset: usize) -> Result<&'s T, PlanError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| space.get(i))
        .ok_or_else(|| PlanError::invalid(offset, format!("unknown {what} {index}")))
}

fn check_index(len: usize, index: u32, what: &str, offset: usize) -> Result<u32, PlanError> {
    if usize::try_from(index).is_ok_and(|i| i < len) {
        Ok(index)
    } else {
        Err(PlanError::invalid(
            offset,
            format!("unknown {what} {index}"),
        ))
    }
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl Walk<'_> {
    fn run(&mut self, bytes: &[u8]) -> Result<(), PlanError> {
        // Depth of core modules we are inside (their payloads are read for memories only).
        let mut module: Option<Module> = None;
        let mut shim: Option<Shim> = None;
        let mut depth = 0usize;
        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload?;
            if let Some(sh) = shim.as_mut() {
                match payload {
                    Payload::Version { .. } => {}
                    Payload::ComponentTypeSection(reader) => {
                        for _ in 0..reader.count() {
                            sh.types.push(None);
                        }
                    }
                    Payload::CustomSection(_) => {}
                    Payload::ComponentImportSection(reader) => {
                        for import in reader {
                            let import = import?;
                            match import.ty {
                                ComponentTypeRef::Func(_) => {
                                    sh.funcs.push(import.name.0.to_owned())
                                }
                                ComponentTypeRef::Type(_) => {
                                    sh.types.push(Some(import.name.0.to_owned()))
                                }
                                _ => return Err(PlanError::unsupported(SHIM_ONLY)),
                            }
                        }
                    }
                    Payload::ComponentAliasSection(reader) => {
                        for alias in reader {
                            match alias? {
                                ComponentAlias::Outer {
                                    kind: wasmparser::ComponentOuterAliasKind::Type,
                                    ..
                                } => sh.types.push(None),
                                _ => return Err(PlanError::unsupported(SHIM_ONLY)),
                            }
                        }
                    }
                    Payload::ComponentExportSection(reader) => {
                        for export in reader.into_iter_with_offsets() {
                            let (offset, export) = export?;
                            match export.kind {
                                ComponentExternalKind::Func => {
                                    let from =
                                        get(&sh.funcs, export.index, "func", offset)?.clone();
                                    sh.exports.push((export.name.0.to_owned(), from.clone()));
                                    sh.funcs.push(from);
                                }
                                ComponentExternalKind::Type => {
                                    let from =
                                        get(&sh.types, export.index, "type", offset)?.clone();
                                    if let Some(import) = &from {
                                        sh.type_exports
                                            .push((export.name.0.to_owned(), import.clone()));
                                    }
                                    sh.types.push(from);
                                }
                                _ => return Err(PlanError::unsupported(SHIM_ONLY)),
                            }
                        }
                    }
                    Payload::End(_) => {
                        if let Some(done) = shim.take() {
                            self.shims.push(done);
                        }
                        depth -= 1;
                    }
                    _ => return Err(PlanError::unsupported(SHIM_ONLY)),
                }
                continue;
            }
            if let Some(m) = module.as_mut() {
                match payload {
                    Payload::ImportSection(reader) => {
                        for import in reader.into_imports() {
                            if let TypeRef::Memory(ty) = import?.ty {
                                m.memories.push(memory(ty, true, self.limits)?);
                            }
                        }
                    }
                    Payload::MemorySection(reader) => {
                        for ty in reader {
                            m.memories.push(memory(ty?, false, self.limits)?);
                        }
                    }
                    Payload::ExportSection(reader) => {
                        for export in reader {
                            let export = export?;
                            if export.kind == ExternalKind::Memory {
                                m.memory_exports
                                    .push((export.index, export.name.to_owned()));
                            }
                        }
                    }
                    Payload::TagSection(_) => {
                        return Err(PlanError::unsupported("exception handling (tags)"));
                    }
                    Payload::End(_) => {
                        if let Some(done) = module.take() {
                            self.check_memories(&done)?;
                            self.plan.modules.push(done);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            match payload {
                Payload::Version {
                    encoding: Encoding::Component,
                    ..
                } => {
                    depth += 1;
                    if depth > 1 {
                        return Err(PlanError::unsupported("nested components"));
                    }
                }
                Payload::Version {
                    encoding: Encoding::Module,
                    ..
                } => {
                    return Err(PlanError::Invalid(
                        "a core module, not a component (wrap it with `wasm-tools component new`)"
                            .into(),
                    ));
                }
                Payload::ModuleSection {
                    unchecked_range, ..
                } => {
                    module = Some(Module {
                        range: unchecked_range,
                        memories: Vec::new(),
                        bounds: Vec::new(),
                        memory_exports: Vec::new(),
                    });
                }
                Payload::ComponentSection { .. } => {
                    if depth > 1 {
                        return Err(PlanError::unsupported("nested components"));
                    }
                    depth += 1;
                    shim = Some(Shim::default());
                }
                Payload::CoreTypeSection(_) | Payload::CustomSection(_) => {}
                Payload::ComponentTypeSection(reader) => {
                    for ty in reader.into_iter_with_offsets() {
                        let (offset, ty) = ty?;
                        let ty = self.component_type(ty, offset)?;
                        self.types.push(ty);
                    }
                }
                Payload::ComponentImportSection(reader) => {
                    for import in reader {
                        self.import(import?)?;
                    }
                }
                Payload::ComponentAliasSection(reader) => {
                    for alias in reader.into_iter_with_offsets() {
                        let (offset, alias) = alias?;
                        self.alias(alias, offset)?;
                    }
                }
                Payload::InstanceSection(reader) => {
                    for instance in reader.into_iter_with_offsets() {
                        let (offset, instance) = instance?;
                        self.core_instance(instance, offset)?;
                    }
                }
                Payload::ComponentInstanceSection(reader) => {
                    for instance in reader.into_iter_with_offsets() {
                        let (offset, instance) = instance?;
                        self.component_instance(instance, offset)?;
                    }
                }
                Payload::ComponentCanonicalSection(reader) => {
                    for canon in reader.into_iter_with_offsets() {
                        let (offset, canon) = canon?;
                        self.canonical(canon, offset)?;
                    }
                }
                Payload::ComponentExportSection(reader) => {
                    for export in reader.into_iter_with_offsets() {
                        let (offset, export) = export?;
                        self.export(export, offset)?;
                    }
                }
                Payload::ComponentStartSection { .. } => {
                    return Err(PlanError::unsupported("component start functions"));
                }
                Payload::End(_) => return Ok(()),
                Payload::UnknownSection { id, range, .. } => {
                    return Err(PlanError::invalid(
                        range.start,
                        format!("unknown section id {id}"),
                    ));
                }
                _ => {
                    // Core-module sections at the component level cannot occur in a component.
                    return Err(PlanError::Invalid(
                        "a core module section at the component level".into(),
                    ));
                }
            }
        }
        Err(PlanError::Invalid("unexpected end of the component".into()))
    }

    fn check_memories(&self, module: &Module) -> Result<(), PlanError> {
        for (i, m) in module.memories.iter().enumerate() {
            let initial_bytes = m.initial_pages.saturating_mul(PAGE);
            if initial_bytes > self.limits.max_memory_bytes {
                return Err(PlanError::MemoryLimit {
                    module: len_u32(self.plan.modules.len()),
                    memory: len_u32(i),
                    initial_bytes,
                    limit_bytes: self.limits.max_memory_bytes,
                });
            }
        }
        Ok(())
    }

    fn component_type(&mut self, ty: ComponentType<'_>, offset: usize) -> Result<Ty, PlanError> {
        Ok(match ty {
            ComponentType::Resource { rep, dtor } => {
                if rep != ValType::I32 {
                    return Err(PlanError::unsupported(format!(
                        "resource representation {rep}"
                    )));
                }
                let dtor = dtor
                    .map(|f| check_index(self.plan.core_funcs.len(), f, "core func", offset))
                    .transpose()?;
                self.plan
                    .resources
                    .push(Resource::Defined { dtor, export: None });
                Ty::Resource(len_u32(self.plan.resources.len() - 1))
            }
            ComponentType::Defined(ComponentDefinedType::Stream(payload)) => Ty::Payload {
                stream: true,
                has_payload: payload.is_some(),
            },
            ComponentType::Defined(ComponentDefinedType::Future(payload)) => Ty::Payload {
                stream: false,
                has_payload: payload.is_some(),
            },
            ComponentType::Defined(ComponentDefinedType::Map(..)) => {
                return Err(PlanError::unsupported("map types"));
            }
            ComponentType::Defined(ComponentDefinedType::FixedLengthList(..)) => {
                return Err(PlanError::unsupported("fixed-length lists"));
            }
            _ => Ty::Other,
        })
    }

    fn import(&mut self, import: wasmparser::ComponentImport<'_>) -> Result<(), PlanError> {
        let name = import.name.0;
        match import.ty {
            ComponentTypeRef::Instance(_) => {
                let allowed = self.allowlist.check(name)?;
                self.plan.imports.push(Import {
                    name: name.to_owned(),
                    allowed,
                });
                self.instances
                    .push(Instance::Imported(len_u32(self.plan.imports.len() - 1)));
                Ok(())
            }
            other => {
                let kind = match other {
                    ComponentTypeRef::Module(_) => "a core module",
                    ComponentTypeRef::Func(_) => "a function",
                    ComponentTypeRef::Value(_) => "a value",
                    ComponentTypeRef::Type(_) => "a type",
                    ComponentTypeRef::Component(_) => "a component",
                    ComponentTypeRef::Instance(_) => "an instance",
                };
                Err(PlanError::ImportDenied {
                    import: name.to_owned(),
                    why: format!("it imports {kind}; only interfaces may be imported"),
                })
            }
        }
    }

    fn alias(&mut self, alias: ComponentAlias<'_>, offset: usize) -> Result<(), PlanError> {
        match alias {
            ComponentAlias::InstanceExport {
                kind,
                instance_index,
                name,
            } => {
                let instance = get(&self.instances, instance_index, "instance", offset)?;
                let Instance::Imported(import) = *instance else {
                    return Err(PlanError::unsupported(
                        "aliases of exports of locally defined instances",
                    ));
                };
                match kind {
                    ComponentExternalKind::Func => self.funcs.push(Func::Imported(ImportedFunc {
                        import,
                        name: name.to_owned(),
                    })),
                    ComponentExternalKind::Type => self.types.push(Ty::ImportExport {
                        import,
                        name: name.to_owned(),
                    }),
                    other => {
                        return Err(PlanError::unsupported(format!(
                            "aliases of imported {} exports",
                            kind_name(other)
                        )));
                    }
                }
            }
            ComponentAlias::CoreInstanceExport {
                kind,
                instance_index,
                name,
            } => {
                let instance = check_index(
                    self.plan.core_instances.len(),
                    instance_index,
                    "core instance",
                    offset,
                )?;
                let export = CoreExport {
                    instance,
                    name: name.to_owned(),
                };
                match kind {
                    ExternalKind::Func => self.plan.core_funcs.push(CoreFunc::Export(export)),
                    ExternalKind::Memory => self.plan.core_memories.push(export),
                    ExternalKind::Table => self.plan.core_tables.push(export),
                    ExternalKind::Global => self.plan.core_globals.push(export),
                    ExternalKind::Tag => {
                        return Err(PlanError::unsupported("exception handling (tags)"));
                    }
                    ExternalKind::FuncExact => {
                        return Err(PlanError::unsupported("exact function imports"));
                    }
                }
            }
            ComponentAlias::Outer { .. } => {
                return Err(PlanError::unsupported("outer aliases"));
            }
        }
        Ok(())
    }

    fn core_instance(
        &mut self,
        instance: wasmparser::Instance<'_>,
        offset: usize,
    ) -> Result<(), PlanError> {
        let planned = match instance {
            wasmparser::Instance::Instantiate { module_index, args } => {
                let module =
                    check_index(self.plan.modules.len(), module_index, "core module", offset)?;
                let count = self.plan.core_instances.len();
                let args = args
                    .iter()
                    .map(|a| {
                        check_index(count, a.index, "core instance", offset)
                            .map(|i| (a.name.to_owned(), i))
                    })
                    .collect::<Result<_, _>>()?;
                CoreInstance::Instantiate { module, args }
            }
            wasmparser::Instance::FromExports(exports) => {
                let items = exports
                    .iter()
                    .map(|e| {
                        let item = match e.kind {
                            ExternalKind::Func => CoreItem::Func(check_index(
                                self.plan.core_funcs.len(),
                                e.index,
                                "core func",
                                offset,
                            )?),
                            ExternalKind::Memory => CoreItem::Memory(check_index(
                                self.plan.core_memories.len(),
                                e.index,
                                "core memory",
                                offset,
                            )?),
                            ExternalKind::Table => CoreItem::Table(check_index(
                                self.plan.core_tables.len(),
                                e.index,
                                "core table",
                                offset,
                            )?),
                            ExternalKind::Global => CoreItem::Global(check_index(
                                self.plan.core_globals.len(),
                                e.index,
                                "core global",
                                offset,
                            )?),
                            ExternalKind::Tag | ExternalKind::FuncExact => {
                                return Err(PlanError::unsupported(
                                    "core exports of tags or exact functions",
                                ));
                            }
                        };
                        Ok((e.name.to_owned(), item))
                    })
                    .collect::<Result<_, PlanError>>()?;
                CoreInstance::FromExports(items)
            }
        };
        self.plan.core_instances.push(planned);
        Ok(())
    }

    fn component_instance(
        &mut self,
        instance: wasmparser::ComponentInstance<'_>,
        offset: usize,
    ) -> Result<(), PlanError> {
        match instance {
            wasmparser::ComponentInstance::Instantiate {
                component_index,
                args,
            } => {
                let shim = get(&self.shims, component_index, "component", offset)?;
                let mut funcs = Vec::with_capacity(shim.exports.len());
                for (export, import) in &shim.exports {
                    let arg = args
                        .iter()
                        .find(|a| a.name == import.as_str())
                        .ok_or_else(|| {
                            PlanError::invalid(offset, format!("no argument `{import}`"))
                        })?;
                    if arg.kind != ComponentExternalKind::Func {
                        return Err(PlanError::invalid(
                            offset,
                            format!("argument `{import}` is not a function"),
                        ));
                    }
                    let func = get(&self.funcs, arg.index, "func", offset)?.clone();
                    funcs.push((export.clone(), func));
                }
                // Resources the component defines, named by the interface that exports them.
                let mut resources = Vec::new();
                for (export, import) in &shim.type_exports {
                    let arg = args.iter().find(|a| a.name == import.as_str());
                    if let Some(arg) = arg.filter(|a| a.kind == ComponentExternalKind::Type) {
                        if let Ty::Resource(id) = get(&self.types, arg.index, "type", offset)? {
                            resources.push((export.clone(), *id));
                        }
                    }
                }
                self.instances.push(Instance::Bag(funcs, resources));
                Ok(())
            }
            wasmparser::ComponentInstance::FromExports(exports) => {
                let mut funcs = Vec::new();
                for e in exports.iter() {
                    match e.kind {
                        ComponentExternalKind::Func => {
                            let func = get(&self.funcs, e.index, "func", offset)?.clone();
                            funcs.push((e.name.0.to_owned(), func));
                        }
                        ComponentExternalKind::Type => {
                            get(&self.types, e.index, "type", offset)?;
                        }
                        other => {
                            return Err(PlanError::unsupported(format!(
                                "instances exporting {} items",
                                kind_name(other)
                            )));
                        }
                    }
                }
                self.instances.push(Instance::Bag(funcs, Vec::new()));
                Ok(())
            }
        }
    }

    fn options(&self, options: &[CanonicalOption], offset: usize) -> Result<Options, PlanError> {
        let mut out = Options::default();
        let funcs = self.plan.core_funcs.len();
        for option in options {
            match *option {
                CanonicalOption::UTF8 => {}
                CanonicalOption::UTF16 => {
                    return Err(PlanError::unsupported("string-encoding=utf16"));
                }
                CanonicalOption::CompactUTF16 => {
                    return Err(PlanError::unsupported("string-encoding=latin1+utf16"));
                }
                CanonicalOption::Memory(i) => {
                    out.memory = Some(check_index(
                        self.plan.core_memories.len(),
                        i,
                        "core memory",
                        offset,
                    )?);
                }
                CanonicalOption::Realloc(i) => {
                    out.realloc = Some(check_index(funcs, i, "core func", offset)?);
                }
                CanonicalOption::PostReturn(i) => {
                    out.post_return = Some(check_index(funcs, i, "core func", offset)?);
                }
                CanonicalOption::Callback(i) => {
                    out.callback = Some(check_index(funcs, i, "core func", offset)?);
                }
                CanonicalOption::Async => out.async_ = true,
                CanonicalOption::CoreType(_) | CanonicalOption::Gc => {
                    return Err(PlanError::unsupported("the GC canonical ABI"));
                }
            }
        }
        Ok(out)
    }

    fn resource(&mut self, type_index: u32, offset: usize) -> Result<u32, PlanError> {
        if let Some(id) = self.resource_ids.get(type_index) {
            return Ok(id);
        }
        let id = match get(&self.types, type_index, "type", offset)? {
            Ty::Resource(id) => *id,
            Ty::ImportExport { import, name } => {
                self.plan.resources.push(Resource::Imported {
                    import: *import,
                    name: name.clone(),
                });
                len_u32(self.plan.resources.len() - 1)
            }
            _ => {
                return Err(PlanError::invalid(
                    offset,
                    format!("type {type_index} is not a resource"),
                ));
            }
        };
        self.resource_ids.insert(type_index, id);
        Ok(id)
    }

    fn payload(&mut self, type_index: u32, stream: bool, offset: usize) -> Result<u32, PlanError> {
        if let Some(id) = self.payload_ids.get(type_index) {
            return Ok(id);
        }
        let what = if stream { "stream" } else { "future" };
        let has_payload = match get(&self.types, type_index, "type", offset)? {
            Ty::Payload {
                stream: s,
                has_payload,
            } if *s == stream => *has_payload,
            _ => {
                return Err(PlanError::invalid(
                    offset,
                    format!("type {type_index} is not a {what} type"),
                ));
            }
        };
        self.plan.payload_types.push(PayloadType {
            stream,
            has_payload,
            type_index,
        });
        let id = len_u32(self.plan.payload_types.len() - 1);
        self.payload_ids.insert(type_index, id);
        Ok(id)
    }

    fn memory_index(&self, index: u32, offset: usize) -> Result<u32, PlanError> {
        check_index(self.plan.core_memories.len(), index, "core memory", offset)
    }

    fn canonical(&mut self, canon: CanonicalFunction, offset: usize) -> Result<(), PlanError> {
        use CanonicalFunction as C;
        let builtin = match canon {
            C::Lift {
                core_func_index,
                options,
                ..
            } => {
                let core_func = check_index(
                    self.plan.core_funcs.len(),
                    core_func_index,
                    "core func",
                    offset,
                )?;
                let options = self.options(&options, offset)?;
                self.funcs.push(Func::Lifted { core_func, options });
                return Ok(());
            }
            C::Lower {
                func_index,
                options,
            } => {
                let options = self.options(&options, offset)?;
                let func = match get(&self.funcs, func_index, "func", offset)? {
                    Func::Imported(f) => f.clone(),
                    Func::Lifted { .. } => {
                        return Err(PlanError::unsupported(
                            "lowering a lifted function (component-internal adapters)",
                        ));
                    }
                };
                self.plan.core_funcs.push(CoreFunc::Lower { func, options });
                return Ok(());
            }
            C::ResourceNew { resource } => Builtin::ResourceNew(self.resource(resource, offset)?),
            C::ResourceRep { resource } => Builtin::ResourceRep(self.resource(resource, offset)?),
            C::ResourceDrop { resource } => Builtin::ResourceDrop {
                resource: self.resource(resource, offset)?,
                async_: false,
            },
            C::ResourceDropAsync { resource } => Builtin::ResourceDrop {
                resource: self.resource(resource, offset)?,
                async_: true,
            },
            C::TaskReturn { options, .. } => Builtin::TaskReturn(self.options(&options, offset)?),
            C::TaskCancel => Builtin::TaskCancel,
            C::ContextGet(i) => Builtin::ContextGet(i),
            C::ContextSet(i) => Builtin::ContextSet(i),
            C::ThreadYield { cancellable } => Builtin::Yield { cancellable },
            C::BackpressureInc => Builtin::BackpressureInc,
            C::BackpressureDec => Builtin::BackpressureDec,
            C::SubtaskDrop => Builtin::SubtaskDrop,
            C::SubtaskCancel { async_ } => Builtin::SubtaskCancel { async_ },
            C::WaitableSetNew => Builtin::WaitableSetNew,
            C::WaitableSetWait {
                cancellable,
                memory,
            } => Builtin::WaitableSetWait {
                cancellable,
                memory: self.memory_index(memory, offset)?,
            },
            C::WaitableSetPoll {
                cancellable,
                memory,
            } => Builtin::WaitableSetPoll {
                cancellable,
                memory: self.memory_index(memory, offset)?,
            },
            C::WaitableSetDrop => Builtin::WaitableSetDrop,
            C::WaitableJoin => Builtin::WaitableJoin,
            C::StreamNew { ty } => Builtin::New(self.payload(ty, true, offset)?),
            C::FutureNew { ty } => Builtin::New(self.payload(ty, false, offset)?),
            C::StreamRead { ty, options } => Builtin::Read(
                self.payload(ty, true, offset)?,
                self.options(&options, offset)?,
            ),
            C::FutureRead { ty, options } => Builtin::Read(
                self.payload(ty, false, offset)?,
                self.options(&options, offset)?,
            ),
            C::StreamWrite { ty, options } => Builtin::Write(
                self.payload(ty, true, offset)?,
                self.options(&options, offset)?,
            ),
            C::FutureWrite { ty, options } => Builtin::Write(
                self.payload(ty, false, offset)?,
                self.options(&options, offset)?,
            ),
            C::StreamCancelRead { ty, async_ } => Builtin::CancelRead {
                ty: self.payload(ty, true, offset)?,
                async_,
            },
            C::FutureCancelRead { ty, async_ } => Builtin::CancelRead {
                ty: self.payload(ty, false, offset)?,
                async_,
            },
            C::StreamCancelWrite { ty, async_ } => Builtin::CancelWrite {
                ty: self.payload(ty, true, offset)?,
                async_,
            },
            C::FutureCancelWrite { ty, async_ } => Builtin::CancelWrite {
                ty: self.payload(ty, false, offset)?,
                async_,
            },
            C::StreamDropReadable { ty } => Builtin::DropReadable(self.payload(ty, true, offset)?),
            C::FutureDropReadable { ty } => Builtin::DropReadable(self.payload(ty, false, offset)?),
            C::StreamDropWritable { ty } => Builtin::DropWritable(self.payload(ty, true, offset)?),
            C::FutureDropWritable { ty } => Builtin::DropWritable(self.payload(ty, false, offset)?),
            C::ErrorContextNew { options } => {
                Builtin::ErrorContextNew(self.options(&options, offset)?)
            }
            C::ErrorContextDebugMessage { options } => {
                Builtin::ErrorContextDebugMessage(self.options(&options, offset)?)
            }
            C::ErrorContextDrop => Builtin::ErrorContextDrop,
            C::ThreadSpawnRef { .. }
            | C::ThreadSpawnIndirect { .. }
            | C::ThreadAvailableParallelism
            | C::ThreadIndex
            | C::ThreadNewIndirect { .. }
            | C::ThreadSuspendToSuspended { .. }
            | C::ThreadSuspend { .. }
            | C::ThreadSuspendTo { .. }
            | C::ThreadUnsuspend
            | C::ThreadYieldToSuspended { .. } => {
                return Err(PlanError::unsupported(format!(
                    "threads ({})",
                    canonical_name(&canon)
                )));
            }
        };
        self.plan.core_funcs.push(CoreFunc::Builtin(builtin));
        Ok(())
    }

    fn export(
        &mut self,
        export: wasmparser::ComponentExport<'_>,
        offset: usize,
    ) -> Result<(), PlanError> {
        let name = export.name.0;
        match export.kind {
            ComponentExternalKind::Func => {
                let func = get(&self.funcs, export.index, "func", offset)?.clone();
                let Func::Lifted { core_func, options } = func else {
                    return Err(PlanError::unsupported("re-exporting an imported function"));
                };
                self.plan.exports.push(Export {
                    interface: None,
                    name: name.to_owned(),
                    core_func,
                    options,
                });
                // An export adds an item to its index space.
                self.funcs.push(func);
            }
            ComponentExternalKind::Instance => {
                let instance = get(&self.instances, export.index, "instance", offset)?.clone();
                let Instance::Bag(funcs, resources) = &instance else {
                    return Err(PlanError::unsupported("re-exporting an imported instance"));
                };
                for (resource, id) in resources {
                    if let Some(Resource::Defined { export, .. }) =
                        self.plan.resources.get_mut(*id as usize)
                    {
                        *export = Some((name.to_owned(), resource.clone()));
                    }
                }
                for (func_name, func) in funcs {
                    let Func::Lifted { core_func, options } = func else {
                        return Err(PlanError::unsupported("re-exporting an imported function"));
                    };
                    self.plan.exports.push(Export {
                        interface: Some(name.to_owned()),
                        name: func_name.clone(),
                        core_func: *core_func,
                        options: *options,
                    });
                }
                self.instances.push(instance);
            }
            ComponentExternalKind::Type => {
                let ty = get(&self.types, export.index, "type", offset)?.clone();
                self.types.push(ty);
            }
            other => {
                return Err(PlanError::unsupported(format!(
                    "exporting a {}",
                    kind_name(other)
                )));
            }
        }
        Ok(())
    }
}

fn memory(
    ty: wasmparser::MemoryType,
    imported: bool,
    _limits: Limits,
) -> Result<Memory, PlanError> {
    if ty.memory64 {
        return Err(PlanError::unsupported("memory64"));
    }
    if ty.shared {
        return Err(PlanError::unsupported("shared memories (threads)"));
    }
    if ty.page_size_log2.is_some_and(|p| p != 16) {
        return Err(PlanError::unsupported("custom page sizes"));
    }
    Ok(Memory {
        imported,
        initial_pages: ty.initial,
        maximum_pages: ty.maximum,
    })
}

fn canonical_name(canon: &CanonicalFunction) -> &'static str {
    use CanonicalFunction as C;
    match canon {
        C::ThreadSpawnRef { .. } => "thread.spawn-ref",
        C::ThreadSpawnIndirect { .. } => "thread.spawn-indirect",
        C::ThreadAvailableParallelism => "thread.available-parallelism",
        C::ThreadIndex => "thread.index",
        C::ThreadNewIndirect { .. } => "thread.new-indirect",
        C::ThreadSuspendToSuspended { .. } => "thread.suspend-to-suspended",
        C::ThreadSuspend { .. } => "thread.suspend",
        C::ThreadSuspendTo { .. } => "thread.suspend-to",
        C::ThreadUnsuspend => "thread.unsuspend",
        C::ThreadYieldToSuspended { .. } => "thread.yield-to-suspended",
        _ => "canonical built-in",
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
