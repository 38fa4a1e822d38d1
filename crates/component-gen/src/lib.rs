//! Generates the host side of the canonical ABI for a WIT world: typed Rust bindings over
//! `gfx_component::abi`, driven by wit-bindgen-core's `abi` module (the instruction stream
//! jco's bindgen is built on). No layout is computed by hand: every size, alignment, offset,
//! flat signature and variant join comes from wit-parser / wit-bindgen-core.
//!
//! For a world it emits (see the README for the full shape):
//!
//! - a module per interface the world touches, with Rust types for its WIT types and, for an
//!   imported interface, a `Host` trait;
//! - `<World>Host`, the world's host object: one accessor per imported interface;
//! - per imported function, a lowered-call function with the exact flat core signature that
//!   lifts the guest's arguments, calls the host and lowers the result
//!   (`ops_add_one(cx, host, arg0) -> Result<i32, Trap>`), plus, on wasm32, an `extern "C"`
//!   trampoline exported as `<interface>#<function>` that enters the runtime;
//! - per exported function, a typed caller (`call_ops_add_one(g, x) -> Result<u32, Trap>`) that
//!   lowers the arguments into the guest, calls it, lifts the results and runs post-return;
//! - `RESOURCES`, the world's resource types with their identities.
//!
//! `async func`s (P3, without JSPI): an imported one gets an `[async-lower]` lowered call that
//! returns the runtime's `Pending` (the host's future plus how to write its result at the
//! guest's return pointer); an exported one a caller over `AsyncGuest::call_async` that lowers
//! the arguments when the task starts and lifts the result inside `task.return`.
//!
//! `stream<T>` / `future<T>` values are the runtime's `StreamReader<T>` / `FutureReader<T>`
//! (the readable end) in every position; lifting or lowering one moves that end between the
//! guest's table and the host (`abi::stream_lift` / `stream_lower`, …), and each element type
//! gets an `ElementCodec` static (`CODEC_<n>`) over a generated lift and lower of one element.
//!
//! A `borrow` argument of an imported `async func` stays lent until the call's subtask
//! resolves or is cancelled (`abi::lending`).
//!
//! Refused with an error naming them: `error-context`, `map` and fixed-length lists.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use wit_bindgen_core::abi::{self, AbiVariant, LiftLower};
use wit_parser::{
    Function, FunctionKind, Handle, InterfaceId, Resolve, SizeAlign, Type, TypeDefKind, TypeId,
    TypeOwner, WorldId, WorldItem, WorldKey,
};

mod func;
mod js;
mod names;

use names::{camel, case, docs, lit, shouty, snake};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// The path of gfx-component's `abi` module as the including crate sees it.
    pub runtime: String,
    /// Host trait methods return `Result<T, Trap>`, so a host function can trap the guest (the
    /// trap is returned from the lowered call); otherwise they return `T`.
    pub trappable: bool,
    /// Emit the wasm32 `extern "C"` trampolines (`#[cfg(target_arch = "wasm32")]`).
    pub trampolines: bool,
    /// Emit `call_import(cx, host, name, args)`, which runs an imported function by its core
    /// name with flat arguments (for runtimes that call imports by name, and for tests).
    pub dispatch: bool,
    /// Split each imported interface's `Host` trait: one trait per resource
    /// (`Host<Resource>`: its constructor, methods, static functions and drop) and
    /// `HostFunctions` for the interface's free functions; `Host` is then the sum of those, with
    /// a blanket impl. A host of a large interface can implement each resource in its own
    /// module (wasmtime's bindgen does the same).
    pub resource_traits: bool,
    /// Give every host trait method (not the resource drops) a default body that traps with
    /// `Trap::unimplemented("<interface>#<function>")`, so a host implements a large interface
    /// piece by piece and every function it leaves out fails with its name. Needs `trappable`.
    pub unimplemented: bool,
    /// Emit a wasm32 `ToJs` impl (`js_runtime`) for each record, variant, enum and flags type:
    /// the JavaScript value a Web API takes for it (see the `js` module).
    pub to_js: bool,
    /// The path of gfx-component's `web::js` module as the including crate sees it.
    pub js_runtime: String,
    /// JavaScript spellings of WIT field or case names that the naming rule does not produce
    /// (`("d2", "2d")`).
    pub js_names: Vec<(String, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runtime: "::gfx_component::abi".to_owned(),
            trappable: false,
            trampolines: true,
            dispatch: false,
            resource_traits: false,
            unimplemented: false,
            to_js: false,
            js_runtime: "::gfx_component::web::js".to_owned(),
            js_names: Vec::new(),
        }
    }
}

/// Generates the host side of `world` of the WIT package at `wit_path` (a directory with its
/// `deps/`, or one file).
pub fn generate(wit_path: &Path, world: &str, opts: &Options) -> Result<String> {
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve
        .push_path(wit_path)
        .with_context(|| format!("reading WIT from {}", wit_path.display()))?;
    let world = resolve.select_world(&[pkg], Some(world))?;
    generate_world(&resolve, world, opts)
}

/// A function the host implements for a world (an import), as the generated host traits name
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFunction {
    /// The interface (`wasi:webgpu/webgpu@0.3.0-rc.2`), or `$root` for the world's own.
    pub interface: String,
    /// The WIT name (`[method]gpu-buffer.map-async`).
    pub function: String,
    /// The host trait method (`gpu_buffer_map_async`).
    pub method: String,
    /// Whether it is an `async func`.
    pub is_async: bool,
}

/// Every function `world` (of the WIT package at `wit_path`) imports, in WIT order: what a host
/// of the world implements. For coverage reports.
pub fn host_functions(wit_path: &Path, world: &str) -> Result<Vec<HostFunction>> {
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve
        .push_path(wit_path)
        .with_context(|| format!("reading WIT from {}", wit_path.display()))?;
    let world = resolve.select_world(&[pkg], Some(world))?;
    let opts = Options::default();
    let g = Gen::new(&resolve, world, &opts)?;
    let mut out = Vec::new();
    for (key, item) in &resolve.worlds[world].imports {
        let (interface, funcs): (String, Vec<&Function>) = match item {
            WorldItem::Interface { id, .. } => (
                resolve.name_world_key(key),
                resolve.interfaces[*id].functions.values().collect(),
            ),
            WorldItem::Function(f) => ("$root".to_owned(), vec![f]),
            WorldItem::Type { .. } => continue,
        };
        for f in funcs {
            out.push(HostFunction {
                interface: interface.clone(),
                function: f.name.clone(),
                method: g.method_name(f),
                is_async: f.kind.is_async(),
            });
        }
    }
    Ok(out)
}

/// Generates the host side of `world` of an already resolved package set.
pub fn generate_world(resolve: &Resolve, world: WorldId, opts: &Options) -> Result<String> {
    if opts.unimplemented && !opts.trappable {
        bail!("`unimplemented` defaults trap, so they need `trappable` host methods");
    }
    let generator = Gen::new(resolve, world, opts)?;
    let src = generator.emit()?;
    let file = syn::parse_file(&src).map_err(|e| {
        anyhow!("generated code does not parse ({e}); a generator bug. The code:\n{src}")
    })?;
    let w = &resolve.worlds[world];
    let name = match w.package {
        Some(p) => {
            let n = &resolve.packages[p].name;
            let version = n
                .version
                .as_ref()
                .map(|v| format!("@{v}"))
                .unwrap_or_default();
            format!("{}:{}/{}{version}", n.namespace, n.name, w.name)
        }
        None => w.name.clone(),
    };
    Ok(format!(
        "// @generated by gfx-component-gen {} from WIT world `{name}`. Do not edit.\n\n{}",
        env!("CARGO_PKG_VERSION"),
        prettyplease::unparse(&file)
    ))
}

/// A function of the world and where it lives.
#[derive(Clone, Copy)]
pub(crate) struct FuncRef<'a> {
    /// The interface (`None`: the world's own function).
    pub iface: Option<InterfaceId>,
    /// The world key it is imported or exported under.
    pub key: &'a WorldKey,
    pub func: &'a Function,
}

pub(crate) struct Gen<'a> {
    pub resolve: &'a Resolve,
    pub world: WorldId,
    pub opts: &'a Options,
    /// The runtime path.
    pub p: String,
    pub sizes: SizeAlign,
    /// Rust module per interface, in world order.
    pub modules: Vec<(InterfaceId, String, String)>,
    pub module_of: HashMap<InterfaceId, String>,
    pub imported: HashSet<InterfaceId>,
    pub exported: HashSet<InterfaceId>,
    /// Resource types (resolved through `use`) → identity.
    pub resources: BTreeMap<TypeId, u32>,
    pub resource_order: Vec<TypeId>,
    /// The world's host trait, e.g. `ValuesHost`.
    pub host_trait: String,
    /// Names given to top-level items, to catch collisions.
    taken: HashSet<String>,
    /// Element codecs of streams and futures, by element Rust type: (Rust type, payload), in
    /// the order first used; `CODEC_<n>` is the n-th.
    codecs: RefCell<Vec<(String, Option<Type>)>>,
}

impl<'a> Gen<'a> {
    fn new(resolve: &'a Resolve, world: WorldId, opts: &'a Options) -> Result<Self> {
        let mut sizes = SizeAlign::default();
        sizes.fill(resolve);
        let w = &resolve.worlds[world];
        let mut g = Gen {
            resolve,
            world,
            opts,
            p: opts.runtime.clone(),
            sizes,
            modules: Vec::new(),
            module_of: HashMap::new(),
            imported: HashSet::new(),
            exported: HashSet::new(),
            resources: BTreeMap::new(),
            resource_order: Vec::new(),
            host_trait: format!("{}Host", camel(&w.name)),
            taken: HashSet::new(),
            codecs: RefCell::new(Vec::new()),
        };
        // Interfaces, imports first, each once (an interface may be imported and exported).
        let mut seen = Vec::new();
        for (key, item, export) in w
            .imports
            .iter()
            .map(|(k, i)| (k, i, false))
            .chain(w.exports.iter().map(|(k, i)| (k, i, true)))
        {
            if let WorldItem::Interface { id, .. } = item {
                if export {
                    g.exported.insert(*id);
                } else {
                    g.imported.insert(*id);
                }
                if !seen.iter().any(|(i, _)| i == id) {
                    seen.push((*id, key.clone()));
                }
            }
        }
        // Module names: the interface's name, qualified by its package where two collide.
        let short = |id: InterfaceId, key: &WorldKey| match key {
            WorldKey::Name(n) => snake(n),
            WorldKey::Interface(_) => {
                snake(resolve.interfaces[id].name.as_deref().unwrap_or("anon"))
            }
        };
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (id, key) in &seen {
            *counts.entry(short(*id, key)).or_default() += 1;
        }
        for (id, key) in &seen {
            let mut m = short(*id, key);
            if counts[&m] > 1 {
                if let Some(pkg) = resolve.interfaces[*id].package {
                    let n = &resolve.packages[pkg].name;
                    m = snake(&format!("{}-{}-{}", n.namespace, n.name, m));
                }
            }
            if !g.taken.insert(m.clone()) {
                bail!("two interfaces map to the Rust module `{m}`");
            }
            let key_name = resolve.name_world_key(key);
            g.module_of.insert(*id, m.clone());
            g.modules.push((*id, m, key_name));
        }
        for id in g.imported.intersection(&g.exported) {
            let has_resource = resolve.interfaces[*id]
                .types
                .values()
                .any(|t| matches!(resolve.types[*t].kind, TypeDefKind::Resource));
            if has_resource {
                bail!(
                    "interface `{}` is both imported and exported and defines resources: \
                     its two resource types would share one Rust type",
                    g.module_of[id]
                );
            }
        }
        // Resource identities, in world order.
        let mut order = Vec::new();
        for (id, _, _) in &g.modules {
            for t in resolve.interfaces[*id].types.values() {
                if matches!(resolve.types[*t].kind, TypeDefKind::Resource) {
                    order.push(*t);
                }
            }
        }
        for t in order {
            let n = g.resource_order.len() as u32;
            g.resources.insert(t, n);
            g.resource_order.push(t);
        }
        // World-level types are emitted at the top level.
        for item in w.imports.values().chain(w.exports.values()) {
            if let WorldItem::Type { id, .. } = item {
                if matches!(resolve.types[*id].kind, TypeDefKind::Resource) {
                    bail!("resources defined by a world itself are not supported");
                }
            }
        }
        g.taken.insert(g.host_trait.clone());
        g.taken.insert("RESOURCES".into());
        Ok(g)
    }

    /// Follows `use` aliases to the defining type.
    pub fn original(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(next)) = self.resolve.types[id].kind {
            id = next;
        }
        id
    }

    /// Whether the guest implements resource `r` (it belongs to an exported interface).
    pub fn guest_defined(&self, r: TypeId) -> bool {
        let r = self.original(r);
        match self.resolve.types[r].owner {
            TypeOwner::Interface(i) => self.exported.contains(&i) && !self.imported.contains(&i),
            _ => false,
        }
    }

    /// The Rust path of named type `id` seen from module `from` (`None`: the top level).
    pub fn type_path(&self, id: TypeId, from: Option<&str>) -> Result<String> {
        let def = &self.resolve.types[id];
        let name = camel(
            def.name
                .as_deref()
                .ok_or_else(|| anyhow!("anonymous type has no path"))?,
        );
        Ok(match def.owner {
            TypeOwner::Interface(i) => {
                let m = self
                    .module_of
                    .get(&i)
                    .ok_or_else(|| anyhow!("type `{name}` of an interface outside the world"))?;
                match from {
                    Some(f) if f == m => name,
                    Some(_) => format!("super::{m}::{name}"),
                    None => format!("{m}::{name}"),
                }
            }
            TypeOwner::World(_) => match from {
                Some(_) => format!("super::{name}"),
                None => name,
            },
            TypeOwner::None => bail!("type `{name}` has no owner"),
        })
    }

    /// The Rust type of `ty` seen from `from`.
    pub fn rty(&self, ty: &Type, from: Option<&str>) -> Result<String> {
        Ok(match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::S8 => "i8".into(),
            Type::U16 => "u16".into(),
            Type::S16 => "i16".into(),
            Type::U32 => "u32".into(),
            Type::S32 => "i32".into(),
            Type::U64 => "u64".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => "String".into(),
            Type::ErrorContext => bail!("`error-context` is not supported yet (async ABI)"),
            Type::Id(id) => {
                let def = &self.resolve.types[*id];
                if def.name.is_some() {
                    return self.type_path(*id, from);
                }
                self.structural(&def.kind, from)?
            }
        })
    }

    fn structural(&self, kind: &TypeDefKind, from: Option<&str>) -> Result<String> {
        let p = &self.p;
        Ok(match kind {
            TypeDefKind::List(t) => format!("Vec<{}>", self.rty(t, from)?),
            TypeDefKind::Option(t) => format!("Option<{}>", self.rty(t, from)?),
            TypeDefKind::Result(r) => format!(
                "Result<{}, {}>",
                self.rty_opt(r.ok.as_ref(), from)?,
                self.rty_opt(r.err.as_ref(), from)?
            ),
            TypeDefKind::Tuple(t) => {
                let mut s = String::from("(");
                for ty in &t.types {
                    s.push_str(&self.rty(ty, from)?);
                    s.push_str(", ");
                }
                if t.types.len() > 1 {
                    s.truncate(s.len() - 2);
                } else if t.types.len() == 1 {
                    s.pop();
                }
                s + ")"
            }
            TypeDefKind::Handle(Handle::Own(r)) => {
                format!("{p}::Resource<{}>", self.type_path(*r, from)?)
            }
            TypeDefKind::Handle(Handle::Borrow(r)) => {
                format!("{p}::Borrow<{}>", self.type_path(*r, from)?)
            }
            TypeDefKind::Type(t) => self.rty(t, from)?,
            TypeDefKind::Stream(t) => {
                format!("{p}::StreamReader<{}>", self.rty_opt(t.as_ref(), from)?)
            }
            TypeDefKind::Future(t) => {
                format!("{p}::FutureReader<{}>", self.rty_opt(t.as_ref(), from)?)
            }
            TypeDefKind::Map(..) => bail!("`map` types are not supported yet"),
            TypeDefKind::FixedLengthList(..) => bail!("fixed-length lists are not supported yet"),
            TypeDefKind::Record(_)
            | TypeDefKind::Resource
            | TypeDefKind::Flags(_)
            | TypeDefKind::Variant(_)
            | TypeDefKind::Enum(_)
            | TypeDefKind::Unknown => bail!("anonymous nominal type"),
        })
    }

    fn rty_opt(&self, ty: Option<&Type>, from: Option<&str>) -> Result<String> {
        match ty {
            Some(t) => self.rty(t, from),
            None => Ok("()".into()),
        }
    }

    /// Whether a value of `ty` holds an `own` handle (then its Rust type is not `Clone`).
    fn has_own(&self, ty: &Type) -> bool {
        let Type::Id(id) = ty else { return false };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Handle(Handle::Own(_)) => true,
            // Stream and future readers own their end.
            TypeDefKind::Stream(_) | TypeDefKind::Future(_) => true,
            TypeDefKind::Handle(Handle::Borrow(_)) | TypeDefKind::Resource => false,
            TypeDefKind::Record(r) => r.fields.iter().any(|f| self.has_own(&f.ty)),
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.has_own(t)),
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .filter_map(|c| c.ty.as_ref())
                .any(|t| self.has_own(t)),
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => self.has_own(t),
            TypeDefKind::Result(r) => [&r.ok, &r.err]
                .into_iter()
                .flatten()
                .any(|t| self.has_own(t)),
            _ => false,
        }
    }

    /// Whether `ty` contains a `borrow` (of a resource the host implements, if `host_only`).
    pub fn has_borrow(&self, ty: &Type, host_only: bool) -> bool {
        let Type::Id(id) = ty else { return false };
        match &self.resolve.types[*id].kind {
            TypeDefKind::Handle(Handle::Borrow(r)) => !host_only || !self.guest_defined(*r),
            TypeDefKind::Record(r) => r.fields.iter().any(|f| self.has_borrow(&f.ty, host_only)),
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| self.has_borrow(t, host_only)),
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .filter_map(|c| c.ty.as_ref())
                .any(|t| self.has_borrow(t, host_only)),
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => {
                self.has_borrow(t, host_only)
            }
            TypeDefKind::Result(r) => [&r.ok, &r.err]
                .into_iter()
                .flatten()
                .any(|t| self.has_borrow(t, host_only)),
            _ => false,
        }
    }

    /// Refuses what the generator does not implement, before wit-bindgen-core sees it (it
    /// panics on some of it).
    fn check_supported(&self, ty: &Type, what: &str) -> Result<()> {
        let Type::Id(id) = ty else {
            self.rty(ty, None).with_context(|| format!("in {what}"))?;
            return Ok(());
        };
        let sub: Vec<Type> = match &self.resolve.types[*id].kind {
            TypeDefKind::Record(r) => r.fields.iter().map(|f| f.ty).collect(),
            TypeDefKind::Tuple(t) => t.types.clone(),
            TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty).collect(),
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => vec![*t],
            TypeDefKind::Result(r) => [r.ok, r.err].into_iter().flatten().collect(),
            TypeDefKind::Flags(f) if f.flags.len() > 32 => bail!("in {what}: more than 32 flags"),
            TypeDefKind::Future(t) | TypeDefKind::Stream(t) => t.iter().copied().collect(),
            TypeDefKind::Map(..) => bail!("in {what}: `map` types are not supported yet"),
            TypeDefKind::FixedLengthList(..) => {
                bail!("in {what}: fixed-length lists are not supported yet")
            }
            _ => Vec::new(),
        };
        for t in &sub {
            self.check_supported(t, what)?;
        }
        self.rty(ty, None).with_context(|| format!("in {what}"))?;
        Ok(())
    }

    /// `ty` as WIT spells it, for error messages (`stream<u8>`, `future<point>`).
    pub(crate) fn wit_type(&self, ty: &Type) -> String {
        let inner = |t: &Option<Type>| match t {
            Some(t) => format!("<{}>", self.wit_type(t)),
            None => String::new(),
        };
        match ty {
            Type::Id(id) => {
                let def = &self.resolve.types[*id];
                if let Some(n) = &def.name {
                    return n.clone();
                }
                match &def.kind {
                    TypeDefKind::Stream(t) => format!("stream{}", inner(t)),
                    TypeDefKind::Future(t) => format!("future{}", inner(t)),
                    TypeDefKind::List(t) => format!("list<{}>", self.wit_type(t)),
                    TypeDefKind::Option(t) => format!("option<{}>", self.wit_type(t)),
                    TypeDefKind::Type(t) => self.wit_type(t),
                    _ => "…".into(),
                }
            }
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::S8 => "s8".into(),
            Type::U16 => "u16".into(),
            Type::S16 => "s16".into(),
            Type::U32 => "u32".into(),
            Type::S32 => "s32".into(),
            Type::U64 => "u64".into(),
            Type::S64 => "s64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => "string".into(),
            Type::ErrorContext => "error-context".into(),
        }
    }

    /// The `Host` of an imported interface as one trait per resource plus `HostFunctions`
    /// ([`Options::resource_traits`]).
    fn split_host_traits(
        &self,
        funcs: &[&FuncRef<'_>],
        resources: &[TypeId],
        m: &str,
        key_name: &str,
    ) -> Result<String> {
        let p = &self.p;
        let mut out = String::new();
        let mut supers = Vec::new();
        let free: Vec<_> = funcs
            .iter()
            .filter(|f| f.func.kind.resource().is_none())
            .collect();
        if !free.is_empty() {
            writeln!(
                out,
                "#[doc = \" The free functions of `{key_name}` the host implements.\"]\npub trait HostFunctions {{"
            )?;
            for f in free {
                out.push_str(&self.trait_method(f, Some(m))?);
            }
            writeln!(out, "}}")?;
            supers.push("HostFunctions".to_owned());
        }
        for r in resources {
            let name = self.resolve.types[*r].name.as_deref().unwrap_or_default();
            let tr = format!("Host{}", camel(name));
            writeln!(
                out,
                "#[doc = \" What the host implements of resource `{name}` of `{key_name}`.\"]\npub trait {tr} {{"
            )?;
            for f in funcs.iter().filter(|f| f.func.kind.resource() == Some(*r)) {
                out.push_str(&self.trait_method(f, Some(m))?);
            }
            writeln!(
                out,
                "#[doc = \" The guest dropped its last handle to a `{name}`.\"]\n\
                 fn {}_drop(&mut self, r: {p}::Resource<{}>);\n}}",
                snake(name),
                camel(name)
            )?;
            supers.push(tr);
        }
        let bound = supers.join(" + ");
        writeln!(
            out,
            "#[doc = \" What the host implements of `{key_name}`: every trait above.\"]\n\
             pub trait Host: {bound} {{}}\n\
             impl<T: ?Sized + {bound}> Host for T {{}}"
        )?;
        Ok(out)
    }

    /// `use` lines that bring the split host traits into scope for the generated calls.
    fn split_trait_uses(&self) -> String {
        if !self.opts.resource_traits {
            return String::new();
        }
        let mut out = String::new();
        for (id, m, _) in &self.modules {
            if !self.imported.contains(id) {
                continue;
            }
            let iface = &self.resolve.interfaces[*id];
            if iface
                .functions
                .values()
                .any(|f| f.kind.resource().is_none())
            {
                let _ = writeln!(
                    out,
                    "#[allow(unused_imports)]\nuse self::{m}::HostFunctions as _;"
                );
            }
            for t in iface.types.values() {
                let ty = &self.resolve.types[*t];
                if matches!(ty.kind, TypeDefKind::Resource) {
                    let name = ty.name.as_deref().unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "#[allow(unused_imports)]\nuse self::{m}::Host{} as _;",
                        camel(name)
                    );
                }
            }
        }
        out
    }

    fn check_func(&self, f: &FuncRef<'_>) -> Result<()> {
        let what = format!("`{}`", self.display_name(f));
        for p in &f.func.params {
            self.check_supported(&p.ty, &format!("parameter `{}` of {what}", p.name))?;
        }
        if let Some(r) = &f.func.result {
            self.check_supported(r, &format!("the result of {what}"))?;
        }
        Ok(())
    }

    fn display_name(&self, f: &FuncRef<'_>) -> String {
        match f.iface {
            Some(_) => format!("{}#{}", self.resolve.name_world_key(f.key), f.func.name),
            None => f.func.name.clone(),
        }
    }

    /// The core name of `f`: `<interface>#<function>`, or `$root#<function>` / `<function>`
    /// for the world's own imports / exports.
    pub fn core_name(&self, f: &FuncRef<'_>, import: bool) -> String {
        match f.iface {
            Some(_) if import && f.func.kind.is_async() => format!(
                "{}#[async-lower]{}",
                self.resolve.name_world_key(f.key),
                f.func.name
            ),
            Some(_) => format!("{}#{}", self.resolve.name_world_key(f.key), f.func.name),
            None if import && f.func.kind.is_async() => {
                format!("$root#[async-lower]{}", f.func.name)
            }
            None if import => format!("$root#{}", f.func.name),
            None => f.func.name.clone(),
        }
    }

    /// The name of the element codec static for a stream or future of `payload`
    /// (`CODEC_<n>`, one per element Rust type; emitted after the functions).
    pub fn codec(&self, payload: &Option<Type>) -> Result<String> {
        let key = self.rty_opt(payload.as_ref(), None)?;
        let mut codecs = self.codecs.borrow_mut();
        let n = match codecs.iter().position(|(k, _)| *k == key) {
            Some(n) => n,
            None => {
                codecs.push((key, *payload));
                codecs.len() - 1
            }
        };
        Ok(format!("CODEC_{n}"))
    }

    /// The host trait method of `func`: `add_one`, `counter_new`, `counter_get`.
    pub fn method_name(&self, func: &Function) -> String {
        let res = |r: &TypeId| snake(self.resolve.types[*r].name.as_deref().unwrap_or("resource"));
        match &func.kind {
            FunctionKind::Constructor(r) => format!("{}_new", res(r)),
            FunctionKind::Method(r)
            | FunctionKind::Static(r)
            | FunctionKind::AsyncMethod(r)
            | FunctionKind::AsyncStatic(r) => {
                format!("{}_{}", res(r), func.item_name().replace('-', "_"))
            }
            _ => snake(&func.name),
        }
    }

    fn emit(&self) -> Result<String> {
        let mut out = String::new();
        let w = &self.resolve.worlds[self.world];
        let p = &self.p;

        // World-level types.
        for item in w.imports.values().chain(w.exports.values()) {
            if let WorldItem::Type { id, .. } = item {
                out.push_str(&self.typedef(*id, None)?);
            }
        }

        // Interface modules.
        let mut import_funcs: Vec<FuncRef<'_>> = Vec::new();
        let mut export_funcs: Vec<FuncRef<'_>> = Vec::new();
        for (key, item) in &w.imports {
            match item {
                WorldItem::Interface { id, .. } => {
                    for f in self.resolve.interfaces[*id].functions.values() {
                        import_funcs.push(FuncRef {
                            iface: Some(*id),
                            key,
                            func: f,
                        });
                    }
                }
                WorldItem::Function(f) => import_funcs.push(FuncRef {
                    iface: None,
                    key,
                    func: f,
                }),
                WorldItem::Type { .. } => {}
            }
        }
        for (key, item) in &w.exports {
            match item {
                WorldItem::Interface { id, .. } => {
                    for f in self.resolve.interfaces[*id].functions.values() {
                        export_funcs.push(FuncRef {
                            iface: Some(*id),
                            key,
                            func: f,
                        });
                    }
                }
                WorldItem::Function(f) => export_funcs.push(FuncRef {
                    iface: None,
                    key,
                    func: f,
                }),
                WorldItem::Type { .. } => {}
            }
        }
        for f in import_funcs.iter().chain(&export_funcs) {
            self.check_func(f)?;
        }

        for (id, m, key_name) in &self.modules {
            let iface = &self.resolve.interfaces[*id];
            let role = match (self.imported.contains(id), self.exported.contains(id)) {
                (true, true) => "imported and exported",
                (true, false) => "imported",
                _ => "exported",
            };
            out.push_str(&docs(&iface.docs, &format!("`{key_name}` ({role}).")));
            writeln!(out, "pub mod {m} {{")?;
            for t in iface.types.values() {
                out.push_str(&self.typedef(*t, Some(m))?);
            }
            if self.imported.contains(id) {
                let funcs: Vec<_> = import_funcs
                    .iter()
                    .filter(|f| f.iface == Some(*id))
                    .collect();
                let resources: Vec<TypeId> = iface
                    .types
                    .values()
                    .copied()
                    .filter(|t| matches!(self.resolve.types[*t].kind, TypeDefKind::Resource))
                    .collect();
                if self.opts.resource_traits && (!funcs.is_empty() || !resources.is_empty()) {
                    out.push_str(&self.split_host_traits(&funcs, &resources, m, key_name)?);
                } else if !funcs.is_empty() || !resources.is_empty() {
                    writeln!(
                        out,
                        "#[doc = \" What the host implements of `{key_name}`.\"]"
                    )?;
                    writeln!(out, "pub trait Host {{")?;
                    for f in funcs {
                        out.push_str(&self.trait_method(f, Some(m))?);
                    }
                    for r in resources {
                        let name = self.resolve.types[r].name.as_deref().unwrap_or_default();
                        writeln!(
                            out,
                            "#[doc = \" The guest dropped its last handle to a `{name}`.\"]\n\
                             fn {}_drop(&mut self, r: {p}::Resource<{}>);",
                            snake(name),
                            camel(name)
                        )?;
                    }
                    writeln!(out, "}}")?;
                }
            }
            writeln!(out, "}}")?;
        }

        out.push_str(&self.split_trait_uses());

        // The world's host object.
        let host_trait = &self.host_trait;
        let has_imports = !import_funcs.is_empty() || !self.imported_resources().is_empty();
        let host_ifaces: Vec<&(InterfaceId, String, String)> =
            self.modules
                .iter()
                .filter(|(id, _, _)| {
                    self.imported.contains(id)
                        && (import_funcs.iter().any(|f| f.iface == Some(*id))
                            || self.resolve.interfaces[*id].types.values().any(|t| {
                                matches!(self.resolve.types[*t].kind, TypeDefKind::Resource)
                            }))
                })
                .collect();
        if has_imports {
            writeln!(
                out,
                "#[doc = \" The host of world `{}`: what the guest imports.\"]\npub trait {host_trait} {{",
                w.name
            )?;
            for (_, m, key_name) in &host_ifaces {
                writeln!(
                    out,
                    "#[doc = \" `{key_name}`.\"]\nfn {m}(&mut self) -> &mut dyn {m}::Host;"
                )?;
            }
            for f in import_funcs.iter().filter(|f| f.iface.is_none()) {
                out.push_str(&self.trait_method(f, None)?);
            }
            writeln!(out, "}}")?;
        }

        // Resource identities.
        writeln!(
            out,
            "#[doc = \" The resource types of this world, for mapping the component's resource types and built-ins.\"]\n\
             pub const RESOURCES: &[{p}::ResourceInfo] = &["
        )?;
        for (n, r) in self.resource_order.iter().enumerate() {
            let def = &self.resolve.types[*r];
            let TypeOwner::Interface(i) = def.owner else {
                continue;
            };
            let key_name = &self
                .modules
                .iter()
                .find(|(id, _, _)| *id == i)
                .map(|(_, _, k)| k.clone())
                .unwrap_or_default();
            writeln!(
                out,
                "{p}::ResourceInfo {{ interface: {}, name: {}, ty: {p}::ResourceType({n}), guest_defined: {} }},",
                lit(key_name),
                lit(def.name.as_deref().unwrap_or_default()),
                self.guest_defined(*r)
            )?;
        }
        writeln!(out, "];")?;

        // Imports: lowered calls (+ trampolines).
        let mut trampolines = String::new();
        let mut arms = String::new();
        let mut async_arms = String::new();
        for f in &import_funcs {
            let (glue, tramp, arm) = if f.func.kind.is_async() {
                func::import_async(self, f)?
            } else {
                func::import(self, f)?
            };
            out.push_str(&glue);
            trampolines.push_str(&tramp);
            if f.func.kind.is_async() {
                async_arms.push_str(&arm);
            } else {
                arms.push_str(&arm);
            }
        }
        for r in self.imported_resources() {
            let (glue, tramp, arm) = self.resource_drop(r)?;
            out.push_str(&glue);
            trampolines.push_str(&tramp);
            arms.push_str(&arm);
        }
        let args_of = |arms: &str| {
            if names::uses_ident(arms, "args") {
                "args"
            } else {
                "_args"
            }
        };
        if self.opts.dispatch && !arms.is_empty() {
            let args = args_of(&arms);
            writeln!(
                out,
                "#[doc = \" Runs the imported function whose core name is `name` with flat arguments.\"]\n\
                 pub fn call_import(cx: &mut {p}::Cx<'_>, host: &mut dyn {host_trait}, name: &str, {args}: &[{p}::Flat]) -> Result<Vec<{p}::Flat>, {p}::Trap> {{\n\
                 match name {{\n{arms}_ => Err({p}::Trap::new(\"no such import\")),\n}}\n}}"
            )?;
        }
        if self.opts.dispatch && !async_arms.is_empty() {
            let args = args_of(&async_arms);
            writeln!(
                out,
                "#[doc = \" Starts the async-lowered import whose core name is `name` (`<interface>#[async-lower]<function>`) with flat arguments.\"]\n\
                 pub fn call_import_async(cx: &mut {p}::Cx<'_>, host: &mut dyn {host_trait}, name: &str, {args}: &[{p}::Flat]) -> Result<{p}::Pending, {p}::Trap> {{\n\
                 match name {{\n{async_arms}_ => Err({p}::Trap::new(\"no such async import\")),\n}}\n}}"
            )?;
        }
        // Exports: typed callers.
        for f in &export_funcs {
            if f.func.kind.is_async() {
                out.push_str(&func::export_async(self, f)?);
            } else {
                out.push_str(&func::export(self, f)?);
            }
        }
        for r in self
            .resource_order
            .iter()
            .filter(|r| self.guest_defined(**r))
        {
            out.push_str(&self.resource_dtor(*r)?);
        }
        // Element codecs (a codec may use others: nested streams).
        let mut n = 0;
        while n < self.codecs.borrow().len() {
            let (key, payload) = self.codecs.borrow()[n].clone();
            let src = func::codec(self, n, &key, &payload)?;
            out.push_str(&src);
            n += 1;
        }
        if self.opts.trampolines && !trampolines.is_empty() {
            writeln!(
                out,
                "#[cfg(target_arch = \"wasm32\")]\n\
                 fn host_of(host: &mut dyn ::core::any::Any) -> Result<&mut dyn {host_trait}, {p}::Trap> {{\n\
                 match host.downcast_mut::<Box<dyn {host_trait}>>() {{\n\
                 Some(h) => Ok(&mut **h),\n\
                 None => Err({p}::Trap::new(\"the host is not a Box<dyn {host_trait}>\")),\n\
                 }}\n}}"
            )?;
            out.push_str(&trampolines);
        }
        Ok(out)
    }

    /// Resources of imported interfaces (host resources), in identity order.
    fn imported_resources(&self) -> Vec<TypeId> {
        self.resource_order
            .iter()
            .copied()
            .filter(|r| match self.resolve.types[*r].owner {
                TypeOwner::Interface(i) => self.imported.contains(&i),
                _ => false,
            })
            .collect()
    }

    fn trait_method(&self, f: &FuncRef<'_>, from: Option<&str>) -> Result<String> {
        let func = f.func;
        let mut s = docs(&func.docs, &format!("`{}`.", func.name));
        let params = func
            .params
            .iter()
            .map(|p| Ok(format!("{}: {}", snake(&p.name), self.rty(&p.ty, from)?)))
            .collect::<Result<Vec<_>>>()?;
        if func.params.len() + 1 > 7 {
            s.push_str("#[allow(clippy::too_many_arguments)]\n");
        }
        let ret = self.rty_opt(func.result.as_ref(), from)?;
        if !self.opts.trappable && ret.starts_with("Result<") && ret.ends_with(", ()>") {
            // WIT's `result<T>` is `Result<T, ()>`.
            s.push_str("#[allow(clippy::result_unit_err)]\n");
        }
        let ret = if func.kind.is_async() {
            s.push_str(
                "#[doc = \"\"]\n\
                 #[doc = \" Async: the guest's call is pending until the returned future finishes; it is `'static` (clone what it needs into it); dropping it cancels the call.\"]\n",
            );
            let out = if self.opts.trappable {
                format!("Result<{ret}, {}::Trap>", self.p)
            } else {
                ret
            };
            format!(" -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = {out}>>>")
        } else if self.opts.trappable {
            format!(" -> Result<{ret}, {}::Trap>", self.p)
        } else if func.result.is_some() {
            format!(" -> {ret}")
        } else {
            String::new()
        };
        let body = if self.opts.unimplemented {
            // A default that traps naming the function: the host overrides what it implements.
            let trap = format!(
                "Err({}::Trap::unimplemented({}))",
                self.p,
                lit(&self.display_name(f))
            );
            let value = if func.kind.is_async() {
                format!("Box::pin(::core::future::ready({trap}))")
            } else {
                trap
            };
            s.push_str("#[allow(unused_variables)]\n");
            format!(" {{ {value} }}")
        } else {
            ";".to_owned()
        };
        writeln!(
            s,
            "fn {}(&mut self, {}){ret}{body}",
            self.method_name(func),
            params.join(", ")
        )?;
        Ok(s)
    }

    fn typedef(&self, id: TypeId, from: Option<&str>) -> Result<String> {
        let def = &self.resolve.types[id];
        let wit_name = def
            .name
            .as_deref()
            .ok_or_else(|| anyhow!("anonymous type definition"))?;
        let name = camel(wit_name);
        let p = &self.p;
        let mut s = String::new();
        let d = docs(&def.docs, &format!("`{wit_name}`."));
        let clone = |tys: Vec<&Type>| {
            if tys.into_iter().any(|t| self.has_own(t)) {
                "#[derive(Debug, PartialEq)]\n"
            } else {
                "#[derive(Debug, Clone, PartialEq)]\n"
            }
        };
        match &def.kind {
            TypeDefKind::Record(r) => {
                s.push_str(&d);
                s.push_str(clone(r.fields.iter().map(|f| &f.ty).collect()));
                writeln!(s, "pub struct {name} {{")?;
                for f in &r.fields {
                    s.push_str(&docs(&f.docs, &format!("`{}`.", f.name)));
                    writeln!(s, "pub {}: {},", snake(&f.name), self.rty(&f.ty, from)?)?;
                }
                writeln!(s, "}}")?;
            }
            TypeDefKind::Variant(v) => {
                s.push_str(&d);
                s.push_str(clone(
                    v.cases.iter().filter_map(|c| c.ty.as_ref()).collect(),
                ));
                writeln!(s, "pub enum {name} {{")?;
                for c in &v.cases {
                    s.push_str(&docs(&c.docs, &format!("`{}`.", c.name)));
                    match &c.ty {
                        Some(t) => writeln!(s, "{}({}),", case(&c.name), self.rty(t, from)?)?,
                        None => writeln!(s, "{},", case(&c.name))?,
                    }
                }
                writeln!(s, "}}")?;
            }
            TypeDefKind::Enum(e) => {
                s.push_str(&d);
                writeln!(
                    s,
                    "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum {name} {{"
                )?;
                for c in &e.cases {
                    s.push_str(&docs(&c.docs, &format!("`{}`.", c.name)));
                    writeln!(s, "{},", case(&c.name))?;
                }
                writeln!(s, "}}")?;
                let cases: Vec<String> = e
                    .cases
                    .iter()
                    .map(|c| format!("Self::{}", case(&c.name)))
                    .collect();
                writeln!(
                    s,
                    "impl {p}::Enum for {name} {{\nconst CASES: &'static [Self] = &[{}];\nconst NAME: &'static str = {};\n}}",
                    cases.join(", "),
                    lit(wit_name)
                )?;
            }
            TypeDefKind::Flags(f) => {
                if f.flags.len() > 32 {
                    bail!("flags `{wit_name}`: more than 32 flags");
                }
                s.push_str(&d);
                writeln!(
                    s,
                    "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]\npub struct {name}(u32);"
                )?;
                writeln!(s, "impl {name} {{")?;
                for (i, flag) in f.flags.iter().enumerate() {
                    s.push_str(&docs(&flag.docs, &format!("`{}`.", flag.name)));
                    writeln!(
                        s,
                        "pub const {}: Self = Self({:#x});",
                        shouty(&flag.name),
                        1u64 << i
                    )?;
                }
                writeln!(s, "}}")?;
                let all = if f.flags.len() == 32 {
                    u64::from(u32::MAX)
                } else {
                    (1u64 << f.flags.len()) - 1
                };
                writeln!(s, "{p}::abi_flags!({name}, {all:#x});")?;
            }
            TypeDefKind::Resource => {
                let n = self
                    .resources
                    .get(&id)
                    .ok_or_else(|| anyhow!("resource `{wit_name}` outside the world"))?;
                s.push_str(&d);
                writeln!(
                    s,
                    "pub enum {name} {{}}\nimpl {p}::ResourceKind for {name} {{\nconst TYPE: {p}::ResourceType = {p}::ResourceType({n});\nconst NAME: &'static str = {};\n}}",
                    lit(wit_name)
                )?;
            }
            TypeDefKind::Type(Type::Id(target))
                if self.resolve.types[*target].name.is_some()
                    && self.resolve.types[*target].owner != def.owner =>
            {
                // An alias, not `pub use`: an unused re-export would warn where dead code is
                // allowed. Enum variants and struct literals work through it all the same.
                let path = self.type_path(*target, from)?;
                s.push_str(&d);
                writeln!(s, "pub type {name} = {path};")?;
            }
            kind => {
                let ty = self
                    .structural(kind, from)
                    .with_context(|| format!("type `{wit_name}`"))?;
                s.push_str(&d);
                writeln!(s, "pub type {name} = {ty};")?;
            }
        }
        if self.opts.to_js
            && matches!(
                def.kind,
                TypeDefKind::Record(_)
                    | TypeDefKind::Variant(_)
                    | TypeDefKind::Enum(_)
                    | TypeDefKind::Flags(_)
            )
        {
            s.push_str(&self.to_js_impl(id, &name)?);
        }
        Ok(s)
    }

    /// `[resource-drop]<r>` of a host resource: the guest drops a handle.
    fn resource_drop(&self, r: TypeId) -> Result<(String, String, String)> {
        let p = &self.p;
        let def = &self.resolve.types[r];
        let wit_name = def.name.as_deref().unwrap_or_default();
        let TypeOwner::Interface(i) = def.owner else {
            bail!("resource outside an interface")
        };
        let (_, m, key_name) = self
            .modules
            .iter()
            .find(|(id, _, _)| *id == i)
            .ok_or_else(|| anyhow!("no module"))?;
        let fname = format!("{m}_{}_drop", snake(wit_name));
        let core = format!("{key_name}#[resource-drop]{wit_name}");
        let glue = format!(
            "#[doc = {}]\n\
             pub fn {fname}(cx: &mut {p}::Cx<'_>, host: &mut dyn {m}::Host, arg0: i32) -> Result<(), {p}::Trap> {{\n\
             if let Some(r) = {p}::drop_handle::<{m}::{}>(cx, arg0)? {{ host.{}_drop(r); }}\nOk(())\n}}\n",
            lit(&format!(" `{core}`: removes the handle; an owning one is dropped by the host.")),
            camel(wit_name),
            snake(wit_name)
        );
        let tramp = format!(
            "#[cfg(target_arch = \"wasm32\")]\n#[unsafe(export_name = {})]\n\
             extern \"C\" fn __{fname}(arg0: i32) {{\n{p}::enter(|cx, host| {fname}(cx, host_of(host)?.{m}(), arg0))\n}}\n",
            lit(&core)
        );
        let arm = format!(
            "{} => {{\n{fname}(cx, host.{m}(), {p}::flat_i32(args, 0)?)?;\nOk(Vec::new())\n}}\n",
            lit(&core)
        );
        Ok((glue, tramp, arm))
    }

    /// A host-owned handle to a guest resource is destroyed: the guest's destructor runs.
    fn resource_dtor(&self, r: TypeId) -> Result<String> {
        let p = &self.p;
        let def = &self.resolve.types[r];
        let wit_name = def.name.as_deref().unwrap_or_default();
        let TypeOwner::Interface(i) = def.owner else {
            bail!("resource outside an interface")
        };
        let (_, m, key_name) = self
            .modules
            .iter()
            .find(|(id, _, _)| *id == i)
            .ok_or_else(|| anyhow!("no module"))?;
        Ok(format!(
            "#[doc = {}]\n\
             pub fn drop_{m}_{}(g: &mut dyn {p}::Guest, r: {p}::Resource<{m}::{}>) -> Result<(), {p}::Trap> {{\n\
             g.call({}, &[{p}::Flat::I32(r.rep() as i32)])?;\nOk(())\n}}\n",
            lit(&format!(" Destroys a `{wit_name}` the host owns: runs the guest's destructor.")),
            snake(wit_name),
            camel(wit_name),
            lit(&format!("{key_name}#[dtor]{wit_name}"))
        ))
    }

    /// wit-bindgen-core's instruction stream for `f` into `bindgen`. A panic inside
    /// wit-bindgen-core (it has `todo!()`s for shapes refused earlier) becomes an error.
    pub fn call(&self, f: &FuncRef<'_>, import: bool, bindgen: &mut func::FnGen<'_>) -> Result<()> {
        let (variant, lift_lower) = if import {
            (AbiVariant::GuestImport, LiftLower::LiftArgsLowerResults)
        } else {
            (AbiVariant::GuestExport, LiftLower::LowerArgsLiftResults)
        };
        self.call_variant(f, f.func, variant, lift_lower, false, bindgen)
    }

    /// wit-bindgen-core's stream for `func` (`f`'s own, or a synthetic one standing for part
    /// of an async call) in `variant`; a panic inside it becomes an error naming `f`.
    pub fn call_variant(
        &self,
        f: &FuncRef<'_>,
        func: &Function,
        variant: AbiVariant,
        lift_lower: LiftLower,
        async_: bool,
        bindgen: &mut func::FnGen<'_>,
    ) -> Result<()> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            abi::call(self.resolve, variant, lift_lower, func, bindgen, async_)
        }))
        .map_err(|_| anyhow!("`{}`: wit-bindgen-core panicked", self.display_name(f)))
    }
}
