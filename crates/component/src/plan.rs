//! The flattened instantiation graph of a component: what to compile, what to instantiate in
//! which order, and how every core import is satisfied.
//!
//! A [`Plan`] is built by [`Plan::parse`](crate::Plan::parse) (see `parse.rs`) and refers to the
//! component's bytes by range, so it is cheap to keep next to them. Indices are positions in the
//! plan's own vectors, which follow the component's core index spaces one for one:
//! `core_funcs[i]` is core function `i` of the component, and so on.

use std::ops::Range;

/// The flattened instantiation graph of one component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The core modules, as byte ranges into the component (index = core module index).
    pub modules: Vec<Module>,
    /// The top-level instance imports, each matched to an allowlist entry.
    pub imports: Vec<Import>,
    /// Core instances in definition order, which is a valid instantiation order (each refers only
    /// to earlier ones).
    pub core_instances: Vec<CoreInstance>,
    /// Core function index space.
    pub core_funcs: Vec<CoreFunc>,
    /// Core memory index space (each an export of an earlier core instance).
    pub core_memories: Vec<CoreExport>,
    /// Core table index space.
    pub core_tables: Vec<CoreExport>,
    /// Core global index space.
    pub core_globals: Vec<CoreExport>,
    /// Resource types the canonical built-ins name (`resource.drop` of an imported resource,
    /// `resource.new` of one the component defines).
    pub resources: Vec<Resource>,
    /// Stream and future types the canonical built-ins name.
    pub payload_types: Vec<PayloadType>,
    /// The lifted functions the component exports.
    pub exports: Vec<Export>,
}

/// One core module of the component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Where its bytes are in the component.
    pub range: Range<usize>,
    /// Its memories (imported or defined), in its memory index order.
    pub memories: Vec<Memory>,
    /// The maximum, in pages, of each memory it defines (in order; imported ones left out):
    /// its share of the policy's memory limit ([`crate::bound::split`]), which
    /// [`crate::bound::bound_memories`] writes into the module before it is compiled.
    pub bounds: Vec<u64>,
    /// Its memory exports: `(memory index, export name)`.
    pub memory_exports: Vec<(u32, String)>,
}

/// A core memory as a module declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// Imported rather than defined.
    pub imported: bool,
    /// Initial size in 64 KiB pages.
    pub initial_pages: u64,
    /// Maximum size in pages, if declared.
    pub maximum_pages: Option<u64>,
}

/// A top-level instance import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The full name, e.g. `wasi:webgpu/webgpu@0.3.0-rc.2`.
    pub name: String,
    /// The index of the [`Allowlist`](crate::Allowlist) entry that serves it.
    pub allowed: usize,
}

/// An export of a core instance: `instance` is an index into [`Plan::core_instances`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreExport {
    /// The core instance.
    pub instance: u32,
    /// The export's name.
    pub name: String,
}

/// How a core instance comes to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreInstance {
    /// Instantiate core module `module` with the given core instances as its import modules.
    Instantiate {
        /// Index into [`Plan::modules`].
        module: u32,
        /// `(import module name, core instance index)`.
        args: Vec<(String, u32)>,
    },
    /// A bag of items exported under names (what wit-component passes as `$root`, the imported
    /// interfaces and so on).
    FromExports(Vec<(String, CoreItem)>),
}

/// A core item placed in a bag of exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreItem {
    /// Index into [`Plan::core_funcs`].
    Func(u32),
    /// Index into [`Plan::core_memories`].
    Memory(u32),
    /// Index into [`Plan::core_tables`].
    Table(u32),
    /// Index into [`Plan::core_globals`].
    Global(u32),
}

/// What a core function is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreFunc {
    /// An export of an earlier core instance.
    Export(CoreExport),
    /// A host function lowered into core wasm (`canon lower`).
    Lower {
        /// The imported function.
        func: ImportedFunc,
        /// Its canonical options.
        options: Options,
    },
    /// A canonical built-in.
    Builtin(Builtin),
}

/// A function of an imported interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFunc {
    /// Index into [`Plan::imports`].
    pub import: u32,
    /// The function's name in the interface, e.g. `[method]gpu.request-adapter`.
    pub name: String,
}

/// Canonical options (`string-encoding` is always UTF-8: others are refused).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Index into [`Plan::core_memories`].
    pub memory: Option<u32>,
    /// Index into [`Plan::core_funcs`] of `cabi_realloc`.
    pub realloc: Option<u32>,
    /// Index into [`Plan::core_funcs`] of the post-return function.
    pub post_return: Option<u32>,
    /// The async ABI.
    pub async_: bool,
    /// Index into [`Plan::core_funcs`] of the async callback.
    pub callback: Option<u32>,
}

/// A resource type named by a built-in: an index into [`Plan::resources`].
pub type ResourceId = u32;

/// A stream or future type named by a built-in: an index into [`Plan::payload_types`].
pub type PayloadId = u32;

/// Where a resource type comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// An export of an imported interface (a host resource).
    Imported {
        /// Index into [`Plan::imports`].
        import: u32,
        /// The resource's name in the interface.
        name: String,
    },
    /// Defined by the component itself (`(type (resource (rep i32) (dtor ...)))`).
    Defined {
        /// Index into [`Plan::core_funcs`] of the destructor.
        dtor: Option<u32>,
        /// The exported interface and name it is exported under (`None` if it is not exported).
        export: Option<(String, String)>,
    },
}

/// A `stream<T>` or `future<T>` type, with the component type index of its payload (`None` for
/// a payload-less stream or future).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadType {
    /// A stream (else a future).
    pub stream: bool,
    /// Whether it carries a payload.
    pub has_payload: bool,
    /// The component type index it was named by.
    pub type_index: u32,
}

/// The canonical built-ins the runtime implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `resource.new`.
    ResourceNew(ResourceId),
    /// `resource.rep`.
    ResourceRep(ResourceId),
    /// `resource.drop` (`async_`: the `resource.drop async` form).
    ResourceDrop {
        /// The resource type.
        resource: ResourceId,
        /// Async form.
        async_: bool,
    },
    /// `task.return` with the options to lift its values.
    TaskReturn(Options),
    /// `task.cancel`.
    TaskCancel,
    /// `context.get i32 N`.
    ContextGet(u32),
    /// `context.set i32 N`.
    ContextSet(u32),
    /// `thread.yield` (`yield`).
    Yield {
        /// Whether a pending cancellation is delivered.
        cancellable: bool,
    },
    /// `backpressure.inc`.
    BackpressureInc,
    /// `backpressure.dec`.
    BackpressureDec,
    /// `subtask.drop`.
    SubtaskDrop,
    /// `subtask.cancel`.
    SubtaskCancel {
        /// Async form.
        async_: bool,
    },
    /// `waitable-set.new`.
    WaitableSetNew,
    /// `waitable-set.wait`.
    WaitableSetWait {
        /// Cancellable form.
        cancellable: bool,
        /// Index into [`Plan::core_memories`] for the event record.
        memory: u32,
    },
    /// `waitable-set.poll`.
    WaitableSetPoll {
        /// Cancellable form.
        cancellable: bool,
        /// Index into [`Plan::core_memories`] for the event record.
        memory: u32,
    },
    /// `waitable-set.drop`.
    WaitableSetDrop,
    /// `waitable.join`.
    WaitableJoin,
    /// `stream.new` / `future.new`.
    New(PayloadId),
    /// `stream.read` / `future.read`.
    Read(PayloadId, Options),
    /// `stream.write` / `future.write`.
    Write(PayloadId, Options),
    /// `stream.cancel-read` / `future.cancel-read`.
    CancelRead {
        /// The stream or future type.
        ty: PayloadId,
        /// Async form.
        async_: bool,
    },
    /// `stream.cancel-write` / `future.cancel-write`.
    CancelWrite {
        /// The stream or future type.
        ty: PayloadId,
        /// Async form.
        async_: bool,
    },
    /// `stream.drop-readable` / `future.drop-readable`.
    DropReadable(PayloadId),
    /// `stream.drop-writable` / `future.drop-writable`.
    DropWritable(PayloadId),
    /// `error-context.new`.
    ErrorContextNew(Options),
    /// `error-context.debug-message`.
    ErrorContextDebugMessage(Options),
    /// `error-context.drop`.
    ErrorContextDrop,
}

/// A lifted function the component exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The interface it belongs to (`gfx-test:worlds/guest@0.1.0`), or `None` for a function
    /// exported by the world itself (`start`).
    pub interface: Option<String>,
    /// The function's name.
    pub name: String,
    /// Index into [`Plan::core_funcs`] of the core function it lifts.
    pub core_func: u32,
    /// Its canonical options (async, callback, post-return, memory, realloc).
    pub options: Options,
}

impl Plan {
    /// The export `name` of interface `interface` (`None` for a world-level function).
    pub fn export(&self, interface: Option<&str>, name: &str) -> Option<&Export> {
        self.exports
            .iter()
            .find(|e| e.interface.as_deref() == interface && e.name == name)
    }
}
