//! Running a [`Plan`] with the browser's `WebAssembly` API (wasm32 only).
//!
//! [`instantiate`] compiles every core module with the async `WebAssembly.compile` (all at once,
//! so the browser compiles them in parallel off the main thread), instantiates the core instances
//! in the plan's order, and satisfies each core import:
//!
//! - an export of an earlier core instance: that export;
//! - a lowered host function: the host's **trampoline**, an `extern "C"` function exported by the
//!   final wasm module (the loader, or a test host) under `<interface>@<version>#<function>`
//!   (`gfx-component-gen` generates them). The guest calls it directly, wasm to wasm, with no
//!   JavaScript in between; the trampoline finds its instance through [`enter`];
//! - a canonical built-in: a closure over the instance's [`State`].
//!
//! Calls from the host into the guest go through [`Instance::call`], which makes the instance
//! current for the trampolines the guest calls meanwhile. A [`Trap`] raised by a trampoline is
//! recorded in the instance and thrown as a JavaScript exception, which unwinds the guest back to
//! `Instance::call`; the recorded message (not the exception's) is what the caller gets.

mod channels;
pub mod js;
mod memory;

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect, Uint8Array, WebAssembly};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::abi::{Cx, End, Flat, Kind, ResourceInfo, ResourceTables, ResourceType, Trap};
use crate::concurrent::{Callback, Event, Waitables};
use crate::plan::{Builtin, CoreFunc, CoreInstance, CoreItem, Plan, Resource};
use crate::{Allowlist, PlanError};
use memory::JsMemory;

/// Why instantiation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstantiateError {
    /// The component needs something the host does not provide (a function of an allowed
    /// interface that the bindings lack, a built-in the runtime does not implement yet).
    #[error(transparent)]
    Refused(#[from] PlanError),
    /// `WebAssembly.compile` or `instantiate` rejected a core module (invalid code, a core import
    /// of the wrong type).
    #[error("core module {module}: {message}")]
    Core {
        /// Index of the core module.
        module: u32,
        /// The browser's message.
        message: String,
    },
    /// The guest trapped while being instantiated (a core start function).
    #[error("the guest trapped during instantiation: {0}")]
    Trap(String),
    /// A core module's memories cannot be bounded to the policy's memory limit.
    #[error("core module {module}: {error}")]
    Bound {
        /// Index of the core module.
        module: u32,
        /// Why.
        error: crate::bound::BoundError,
    },
}

impl InstantiateError {
    /// The stable code: the refusal's code, `component-invalid` or `guest-trap`.
    pub fn code(&self) -> &'static str {
        match self {
            InstantiateError::Refused(e) => e.code(),
            InstantiateError::Bound { error, .. } => error.code(),
            InstantiateError::Core { .. } => "component-invalid",
            InstantiateError::Trap(_) => "guest-trap",
        }
    }
}

/// One component instance's mutable state, shared by its built-ins and the trampolines.
pub(crate) struct State {
    /// The runtime's number of this instance ([`Cx::instance`]).
    id: u32,
    /// What host functions work on: one borrow per call.
    parts: RefCell<Parts>,
    /// The trap a trampoline or built-in raised, until [`Instance::call`] reports it.
    trap: RefCell<Option<String>>,
    /// Destructors of the resources the component defines (set once it is instantiated).
    dtors: RefCell<Vec<(ResourceType, String, Function)>>,
    /// Waitables, waitable sets, subtasks and context slots (WASI P3 async).
    waitables: RefCell<Waitables>,
    /// How the running async export's `task.return` lifts its result.
    lift: RefCell<Option<crate::abi::LiftResult>>,
    /// What it lifted.
    returned: RefCell<Option<Box<dyn Any>>>,
    /// Host calls (subtasks) still running.
    in_flight: std::cell::Cell<usize>,
    /// Who waits for the next subtask to resolve (the async export's event loop).
    wakers: RefCell<Vec<std::task::Waker>>,
    /// The host calls behind running subtasks, by handle (`subtask.cancel` drops one).
    running: RefCell<Vec<(u32, Rc<RefCell<Running>>)>>,
}

impl Drop for State {
    fn drop(&mut self) {
        channels::runtime().forget(self);
    }
}

/// The memory, handle table and host of an instance (in one cell: a host function borrows
/// them together, once per call).
struct Parts {
    memory: Option<JsMemory>,
    resources: ResourceTables,
    host: Box<dyn Any>,
}

/// A host call behind a subtask, driven by a spawned task until it finishes or is cancelled.
struct Running {
    /// The host's future (`None` once cancelled).
    pending: Option<crate::abi::Pending>,
    /// The driver to wake when it is cancelled.
    waker: Option<std::task::Waker>,
}

/// A fresh instance number (never 0: that is "no instance").
fn next_instance_id() -> u32 {
    thread_local! {
        static NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    NEXT.with(|n| {
        n.set(n.get().wrapping_add(1).max(1));
        n.get()
    })
}

thread_local! {
    /// The instances the host is calling into, innermost last.
    static CURRENT: RefCell<Vec<Rc<State>>> = const { RefCell::new(Vec::new()) };
    /// The last of `CURRENT` (null when it is empty), for the trampolines' hot path: one load
    /// instead of a borrow, a clone and a drop per call.
    static TOP: Cell<*const State> = const { Cell::new(std::ptr::null()) };
}

/// Makes `state` the current instance (innermost).
fn push_current(state: &Rc<State>) {
    CURRENT.with(|c| c.borrow_mut().push(Rc::clone(state)));
    TOP.with(|t| t.set(Rc::as_ptr(state)));
}

/// Ends the innermost instance's turn.
fn pop_current() {
    let top = CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        c.pop();
        c.last().map_or(std::ptr::null(), Rc::as_ptr)
    });
    TOP.with(|t| t.set(top));
}

/// The current instance, for the duration of a host function the guest called.
#[inline]
fn current() -> &'static State {
    let top = TOP.with(Cell::get);
    if top.is_null() {
        outside();
    }
    // SAFETY: `TOP` is the last `Rc` in `CURRENT`, which keeps the state alive until
    // `pop_current`; that runs only after the call into the guest returned, so never while a
    // host function the guest called (the only users of this reference) is running. The
    // reference does not escape the host function.
    unsafe { &*top }
}

#[cold]
fn outside() -> ! {
    wasm_bindgen::throw_str("a host function was called outside of any component instance")
}

/// Runs `f` on the current instance (the body of every trampoline). A trap is recorded on the
/// instance and thrown to unwind the guest; this function then does not return.
#[inline(always)]
pub fn enter<R: Default>(f: impl FnOnce(&mut Cx<'_>, &mut dyn Any) -> Result<R, Trap>) -> R {
    let state = current();
    let result = {
        let Ok(mut parts) = state.parts.try_borrow_mut() else {
            cold_raise(state, "a host function was re-entered while it ran");
        };
        let Parts {
            memory,
            resources,
            host,
        } = &mut *parts;
        let Some(memory) = memory.as_mut() else {
            drop(parts);
            cold_raise(
                state,
                "a host function was called before the instance had a memory",
            );
        };
        let mut cx = Cx {
            memory,
            resources,
            instance: state.id,
        };
        f(&mut cx, host.as_mut())
    };
    match result {
        Ok(r) => r,
        Err(Trap(message)) => raise(state, message),
    }
}

#[cold]
fn cold_raise(state: &State, message: &'static str) -> ! {
    raise(state, message.to_owned())
}

fn raise(state: &State, message: String) -> ! {
    let thrown = format!("component trap: {message}");
    *state.trap.borrow_mut() = Some(message);
    wasm_bindgen::throw_str(&thrown)
}

/// The text of a JavaScript exception.
pub(crate) fn describe(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        let name: String = err.name().into();
        let message: String = err.message().into();
        return format!("{name}: {message}");
    }
    e.as_string()
        .unwrap_or_else(|| "a non-error exception".into())
}

/// A lifted export, ready to call.
struct Export {
    interface: Option<String>,
    name: String,
    func: Function,
    post_return: Option<Function>,
    /// The callback of a callback-form async export.
    callback: Option<Function>,
}

/// A memory whose maximum the runtime set (its share of the policy's memory limit), as far as
/// the host can see it (a memory its module exports).
struct Bounded {
    memory: WebAssembly::Memory,
    /// Its initial size and the maximum it got, in bytes.
    initial: f64,
    maximum: f64,
}

/// An instantiated component.
pub struct Instance {
    state: Rc<State>,
    exports: Vec<Export>,
    /// The memories the policy's limit bounds ([`Instance::memory_at_limit`]).
    bounded: Vec<Bounded>,
    /// Keeps the built-ins' closures alive as long as the guest can call them.
    _builtins: Vec<JsValue>,
}

/// Where the trampolines are: the exports of the final wasm module.
fn trampolines() -> Object {
    wasm_bindgen::exports().unchecked_into()
}

/// Compiles and instantiates `plan` (made from `component` with `allowlist`), with `host` as the
/// implementation of its imports (downcast by the generated trampolines) and `resources` the
/// generated `RESOURCES` of the host's world (how the component's resource types map onto the
/// bindings' handle types).
pub async fn instantiate(
    plan: &Plan,
    component: &[u8],
    allowlist: &Allowlist,
    host: Box<dyn Any>,
    resources: &'static [ResourceInfo],
) -> Result<Instance, InstantiateError> {
    // Compile every module first: the browser works on all of them at once.
    // Each with its memories bounded to their share of the policy's memory limit.
    let mut compiling = Vec::with_capacity(plan.modules.len());
    for (i, m) in plan.modules.iter().enumerate() {
        let bytes = component
            .get(m.range.clone())
            .ok_or_else(|| PlanError::Invalid("a core module lies outside the component".into()))?;
        let bytes = crate::bound::bound_memories(bytes, &m.bounds).map_err(|error| {
            InstantiateError::Bound {
                module: i as u32,
                error,
            }
        })?;
        compiling.push(WebAssembly::compile(&Uint8Array::from(&*bytes).into()));
    }
    let mut modules = Vec::with_capacity(compiling.len());
    for (i, promise) in compiling.into_iter().enumerate() {
        let module = JsFuture::from(promise)
            .await
            .map_err(|e| InstantiateError::Core {
                module: i as u32,
                message: describe(&e),
            })?;
        modules.push(module.unchecked_into::<WebAssembly::Module>());
    }

    let state = Rc::new(State {
        id: next_instance_id(),
        parts: RefCell::new(Parts {
            memory: None,
            resources: ResourceTables::default(),
            host,
        }),
        trap: RefCell::new(None),
        dtors: RefCell::new(Vec::new()),
        waitables: RefCell::new(Waitables::default()),
        lift: RefCell::new(None),
        returned: RefCell::new(None),
        in_flight: std::cell::Cell::new(0),
        wakers: RefCell::new(Vec::new()),
        running: RefCell::new(Vec::new()),
    });
    channels::runtime().register(&state);
    let mut linker = Link {
        plan,
        allowlist,
        resources,
        trampolines: trampolines(),
        state: Rc::clone(&state),
        instances: Vec::new(),
        funcs: vec![None; plan.core_funcs.len()],
        memory: None,
        realloc: None,
        builtins: Vec::new(),
    };
    let mut bounded = Vec::new();
    for (index, instance) in plan.core_instances.iter().enumerate() {
        let exports = match instance {
            CoreInstance::Instantiate { module, args } => {
                let imports = Object::new();
                for (name, arg) in args {
                    set(&imports, name, &linker.instances[*arg as usize]);
                }
                let module_index = *module;
                let module = &modules[module_index as usize];
                // Instantiating runs the module's start function: the instance is current.
                push_current(&state);
                let instantiated =
                    JsFuture::from(WebAssembly::instantiate_module(module, &imports)).await;
                pop_current();
                let instance = instantiated.map_err(|e| {
                    if let Some(trap) = state.trap.borrow_mut().take() {
                        InstantiateError::Trap(trap)
                    } else {
                        InstantiateError::Core {
                            module: module_index,
                            message: describe(&e),
                        }
                    }
                })?;
                let instance: WebAssembly::Instance = instance.unchecked_into();
                let exports = instance.exports();
                bounded_memories(&plan.modules[module_index as usize], &exports, &mut bounded);
                exports
            }
            CoreInstance::FromExports(items) => {
                let bag = Object::new();
                for (name, item) in items {
                    let value = linker.item(*item)?;
                    set(&bag, name, &value);
                }
                bag
            }
        };
        debug_assert_eq!(linker.instances.len(), index);
        linker.instances.push(exports);
    }

    // The memory and allocator the canonical options name (of imports, built-ins and exports).
    for e in &plan.exports {
        linker.options(&e.options)?;
    }
    if let Some(memory) = linker.memory {
        let memory: WebAssembly::Memory = linker.memory_object(memory)?.unchecked_into();
        let realloc = match linker.realloc {
            Some(f) => Some(linker.func(f)?.unchecked_into::<Function>()),
            None => None,
        };
        state.parts.borrow_mut().memory = Some(JsMemory::new(memory, realloc));
    }
    for r in &plan.resources {
        if let Resource::Defined {
            dtor: Some(dtor),
            export: Some((interface, name)),
        } = r
        {
            let ty = linker.defined_type(interface, name)?;
            let f: Function = linker.func(*dtor)?.unchecked_into();
            state
                .dtors
                .borrow_mut()
                .push((ty, format!("{interface}#[dtor]{name}"), f));
        }
    }
    let mut exports = Vec::with_capacity(plan.exports.len());
    for e in &plan.exports {
        let func: Function = linker.func(e.core_func)?.unchecked_into();
        let post_return = match e.options.post_return {
            Some(f) => Some(linker.func(f)?.unchecked_into::<Function>()),
            None => None,
        };
        let callback = match e.options.callback {
            Some(f) => Some(linker.func(f)?.unchecked_into::<Function>()),
            None => None,
        };
        if e.options.async_ && callback.is_none() {
            return Err(PlanError::UnsupportedFeature {
                feature: format!(
                    "the stackful async export `{}` (it would block; only callback-form async exports run without JSPI)",
                    e.name
                ),
            }
            .into());
        }
        exports.push(Export {
            interface: e.interface.clone(),
            name: e.name.clone(),
            func,
            post_return,
            callback,
        });
    }
    Ok(Instance {
        state,
        exports,
        bounded,
        _builtins: linker.builtins,
    })
}

/// The memories of a fresh instance of `module` whose maximum the policy's limit set (not those
/// that kept a smaller maximum of their own), found through its exports.
fn bounded_memories(module: &crate::plan::Module, exports: &Object, out: &mut Vec<Bounded>) {
    let imported = module.memories.iter().filter(|m| m.imported).count();
    for (index, name) in &module.memory_exports {
        let Some(defined) = (*index as usize).checked_sub(imported) else {
            continue; // an imported memory: bounded where it is defined
        };
        let (Some(memory), Some(&maximum)) = (
            module.memories.get(*index as usize),
            module.bounds.get(defined),
        ) else {
            continue;
        };
        if memory
            .maximum_pages
            .is_some_and(|declared| declared <= maximum)
        {
            continue; // the guest's own maximum, not the policy's
        }
        let Ok(object) = Reflect::get(exports, &JsValue::from_str(name)) else {
            continue;
        };
        if let Ok(object) = object.dyn_into::<WebAssembly::Memory>() {
            let page = crate::bound::PAGE as f64;
            out.push(Bounded {
                memory: object,
                initial: memory.initial_pages as f64 * page,
                maximum: maximum as f64 * page,
            });
        }
    }
}

fn set(target: &Object, name: &str, value: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(name), value);
}

fn get(source: &JsValue, name: &str, what: &str) -> Result<JsValue, InstantiateError> {
    let value = Reflect::get(source, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    if value.is_undefined() {
        return Err(PlanError::Invalid(format!("{what} `{name}` is not exported")).into());
    }
    Ok(value)
}

/// The linking state while instantiating.
struct Link<'a> {
    plan: &'a Plan,
    allowlist: &'a Allowlist,
    resources: &'static [ResourceInfo],
    trampolines: Object,
    state: Rc<State>,
    /// The exports object of each core instance so far.
    instances: Vec<Object>,
    /// Core functions resolved so far.
    funcs: Vec<Option<JsValue>>,
    /// The one memory (index into `Plan::core_memories`) the canonical options use.
    memory: Option<u32>,
    /// The one realloc they use.
    realloc: Option<u32>,
    builtins: Vec<JsValue>,
}

impl Link<'_> {
    fn item(&mut self, item: CoreItem) -> Result<JsValue, InstantiateError> {
        match item {
            CoreItem::Func(f) => self.func(f),
            CoreItem::Memory(m) => self.memory_object(m),
            CoreItem::Table(t) => {
                let e = &self.plan.core_tables[t as usize];
                get(&self.instances[e.instance as usize], &e.name, "table")
            }
            CoreItem::Global(g) => {
                let e = &self.plan.core_globals[g as usize];
                get(&self.instances[e.instance as usize], &e.name, "global")
            }
        }
    }

    fn memory_object(&self, m: u32) -> Result<JsValue, InstantiateError> {
        let e = &self.plan.core_memories[m as usize];
        get(&self.instances[e.instance as usize], &e.name, "memory")
    }

    /// Records the memory and realloc that canonical options name: one of each per instance.
    fn options(&mut self, options: &crate::plan::Options) -> Result<(), InstantiateError> {
        for (slot, value, what) in [
            (&mut self.memory, options.memory, "memory"),
            (&mut self.realloc, options.realloc, "realloc"),
        ] {
            if let Some(v) = value {
                match *slot {
                    None => *slot = Some(v),
                    Some(existing) if existing == v => {}
                    Some(_) => {
                        return Err(PlanError::UnsupportedFeature {
                            feature: format!("canonical options naming more than one {what}"),
                        }
                        .into());
                    }
                }
            }
        }
        Ok(())
    }

    /// The trampoline of function `func` of import `import`: `<interface>@<version>#<func>`
    /// with the version the host implements (the import's may be a compatible other one).
    fn trampoline(&self, import: u32, func: &str) -> Result<JsValue, InstantiateError> {
        let import = &self.plan.imports[import as usize];
        let allowed = &self.allowlist.entries()[import.allowed];
        let name = format!(
            "{}/{}@{}#{func}",
            allowed.package, allowed.interface, allowed.version
        );
        let f = Reflect::get(&self.trampolines, &JsValue::from_str(&name))
            .unwrap_or(JsValue::UNDEFINED);
        if !f.is_function() {
            return Err(PlanError::ImportDenied {
                import: import.name.clone(),
                why: format!("this host does not implement its function `{func}`"),
            }
            .into());
        }
        Ok(f)
    }

    /// The bindings' handle type of the resource `name` the component defines and exports in
    /// `interface`.
    fn defined_type(&self, interface: &str, name: &str) -> Result<ResourceType, InstantiateError> {
        self.resources
            .iter()
            .find(|r| r.guest_defined && r.interface == interface && r.name == name)
            .map(|r| r.ty)
            .ok_or_else(|| {
                PlanError::UnsupportedFeature {
                    feature: format!(
                        "the resource `{name}` of `{interface}`, which this host's bindings do not know"
                    ),
                }
                .into()
            })
    }

    /// A JavaScript function for a canonical built-in of this instance.
    fn builtin(&self, b: Builtin) -> Result<JsValue, InstantiateError> {
        let defined = |id: u32| match self.plan.resources.get(id as usize) {
            Some(Resource::Defined {
                export: Some((interface, name)),
                ..
            }) => self.defined_type(interface, name),
            _ => Err(unimplemented(b)),
        };
        let state = Rc::clone(&self.state);
        Ok(match b {
            Builtin::ResourceNew(id) => {
                let ty = defined(id)?;
                Closure::<dyn Fn(i32) -> i32>::new(move |rep: i32| {
                    let r = state.parts.borrow_mut().resources.new_own(ty, rep as u32);
                    r.map(|h| h as i32).unwrap_or_else(|t| raise(&state, t.0))
                })
                .into_js_value()
            }
            Builtin::ResourceRep(id) => {
                let ty = defined(id)?;
                Closure::<dyn Fn(i32) -> i32>::new(move |handle: i32| {
                    let r = state.parts.borrow().resources.rep(handle as u32, ty);
                    r.map(|rep| rep as i32)
                        .unwrap_or_else(|t| raise(&state, t.0))
                })
                .into_js_value()
            }
            Builtin::ResourceDrop {
                resource,
                async_: false,
            } => {
                let ty = defined(resource)?;
                Closure::<dyn Fn(i32)>::new(move |handle: i32| {
                    let dropped = state.parts.borrow_mut().resources.drop(handle as u32, ty);
                    match dropped {
                        Err(t) => raise(&state, t.0),
                        Ok(None) => {}
                        Ok(Some(rep)) => {
                            let dtor = state
                                .dtors
                                .borrow()
                                .iter()
                                .find(|d| d.0 == ty)
                                .map(|d| d.2.clone());
                            if let Some(dtor) = dtor {
                                // A trap in the destructor unwinds on through the guest.
                                if let Err(e) =
                                    dtor.call1(&JsValue::UNDEFINED, &JsValue::from(rep as i32))
                                {
                                    wasm_bindgen::throw_val(e);
                                }
                            }
                        }
                    }
                })
                .into_js_value()
            }
            Builtin::WaitableSetNew => Closure::<dyn Fn() -> i32>::new(move || {
                let r = state.waitables.borrow_mut().new_set();
                r.map(|h| h as i32).unwrap_or_else(|t| raise(&state, t.0))
            })
            .into_js_value(),
            Builtin::WaitableSetDrop => Closure::<dyn Fn(i32)>::new(move |set: i32| {
                let r = state.waitables.borrow_mut().drop_set(set as u32);
                r.unwrap_or_else(|t| raise(&state, t.0))
            })
            .into_js_value(),
            Builtin::WaitableJoin => Closure::<dyn Fn(i32, i32)>::new(move |w: i32, set: i32| {
                let r = state.waitables.borrow_mut().join(w as u32, set as u32);
                r.unwrap_or_else(|t| raise(&state, t.0))
            })
            .into_js_value(),
            Builtin::WaitableSetPoll { .. } => {
                Closure::<dyn Fn(i32, i32) -> i32>::new(move |set: i32, ptr: i32| {
                    let event = state.waitables.borrow_mut().poll(set as u32);
                    let written = event.and_then(|e| {
                        let mut parts = state.parts.borrow_mut();
                        let memory = parts
                            .memory
                            .as_mut()
                            .ok_or_else(|| Trap::new("waitable-set.poll needs a memory"))?;
                        let mut bytes = [0u8; 8];
                        bytes[..4].copy_from_slice(&e.index.to_le_bytes());
                        bytes[4..].copy_from_slice(&e.payload.to_le_bytes());
                        crate::abi::Memory::write(memory, ptr as u32, &bytes)?;
                        Ok(e.code as i32)
                    });
                    written.unwrap_or_else(|t| raise(&state, t.0))
                })
                .into_js_value()
            }
            Builtin::SubtaskDrop => Closure::<dyn Fn(i32)>::new(move |task: i32| {
                let r = state.waitables.borrow_mut().drop_subtask(task as u32);
                r.unwrap_or_else(|t| raise(&state, t.0))
            })
            .into_js_value(),
            Builtin::ContextGet(slot) => Closure::<dyn Fn() -> i32>::new(move || {
                let r = state.waitables.borrow().context_get(slot);
                r.map(|v| v as i32).unwrap_or_else(|t| raise(&state, t.0))
            })
            .into_js_value(),
            Builtin::ContextSet(slot) => Closure::<dyn Fn(i32)>::new(move |v: i32| {
                let r = state.waitables.borrow_mut().context_set(slot, v as u32);
                r.unwrap_or_else(|t| raise(&state, t.0))
            })
            .into_js_value(),
            // Nothing else runs in this instance meanwhile, so yielding returns at once (the
            // explainer leaves the scheduling to the host); never cancelled.
            Builtin::Yield { .. } => Closure::<dyn Fn() -> i32>::new(|| 0).into_js_value(),
            // Exports are never called concurrently here, so backpressure has nothing to hold.
            Builtin::BackpressureInc | Builtin::BackpressureDec => {
                Closure::<dyn Fn()>::new(|| {}).into_js_value()
            }
            // The results of the running async export, as flat values (at most 8 here).
            Builtin::TaskReturn(_) => Closure::<
                dyn Fn(JsValue, JsValue, JsValue, JsValue, JsValue, JsValue, JsValue, JsValue),
            >::new(
                move |a: JsValue,
                      b: JsValue,
                      c: JsValue,
                      d: JsValue,
                      e: JsValue,
                      f: JsValue,
                      g: JsValue,
                      h: JsValue| {
                    let flat: Vec<Flat> =
                        [a, b, c, d, e, f, g, h].iter().map_while(from_js).collect();
                    let Some(lift) = state.lift.borrow_mut().take() else {
                        raise(
                            &state,
                            "task.return outside of an async export, or twice".into(),
                        );
                    };
                    match with_cx(&state, |cx| lift(cx, &flat)) {
                        Ok(value) => *state.returned.borrow_mut() = Some(value),
                        Err(t) => raise(&state, t.0),
                    }
                },
            )
            .into_js_value(),
            Builtin::SubtaskCancel { .. } => {
                Closure::<dyn Fn(i32) -> i32>::new(move |task: i32| {
                    let r = cancel_subtask(&state, task as u32);
                    r.map(|v| v as i32).unwrap_or_else(|t| raise(&state, t.0))
                })
                .into_js_value()
            }
            Builtin::New(ty) => {
                let kind = self.kind(ty)?;
                Closure::<dyn Fn() -> i64>::new(move || {
                    channels::new(&state, kind).unwrap_or_else(|t| raise(&state, t.0))
                })
                .into_js_value()
            }
            Builtin::Read(ty, options) | Builtin::Write(ty, options) => {
                let kind = self.kind(ty)?;
                if !options.async_ {
                    return Err(PlanError::UnsupportedFeature {
                        feature: format!(
                            "the blocking form of {} (it would block; only the `async` form runs without JSPI)",
                            builtin_name(b)
                        ),
                    }
                    .into());
                }
                let end = match b {
                    Builtin::Read(..) => End::Readable,
                    _ => End::Writable,
                };
                // A future's built-in has no count: JavaScript passes `undefined`, read as 0.
                Closure::<dyn Fn(i32, i32, i32) -> i32>::new(move |h: i32, ptr: i32, n: i32| {
                    let r = channels::copy(&state, kind, end, h as u32, ptr as u32, n as u32);
                    r.map(|v| v as i32).unwrap_or_else(|t| raise(&state, t.0))
                })
                .into_js_value()
            }
            Builtin::CancelRead { ty, .. } | Builtin::CancelWrite { ty, .. } => {
                let kind = self.kind(ty)?;
                let end = match b {
                    Builtin::CancelRead { .. } => End::Readable,
                    _ => End::Writable,
                };
                Closure::<dyn Fn(i32) -> i32>::new(move |h: i32| {
                    let r = channels::cancel(&state, kind, end, h as u32);
                    r.map(|v| v as i32).unwrap_or_else(|t| raise(&state, t.0))
                })
                .into_js_value()
            }
            Builtin::DropReadable(ty) | Builtin::DropWritable(ty) => {
                let kind = self.kind(ty)?;
                let end = match b {
                    Builtin::DropReadable(_) => End::Readable,
                    _ => End::Writable,
                };
                Closure::<dyn Fn(i32)>::new(move |h: i32| {
                    let r = channels::drop_end(&state, kind, end, h as u32);
                    r.unwrap_or_else(|t| raise(&state, t.0))
                })
                .into_js_value()
            }
            // Linked so that guests importing them instantiate; calling one traps, naming it.
            other => {
                let name = builtin_name(other);
                Closure::<dyn Fn() -> i32>::new(move || {
                    raise(
                        &state,
                        format!("the canonical built-in {name} is not implemented yet"),
                    )
                })
                .into_js_value()
            }
        })
    }

    /// Whether payload type `ty` is a stream or a future.
    fn kind(&self, ty: u32) -> Result<Kind, InstantiateError> {
        let p =
            self.plan.payload_types.get(ty as usize).ok_or_else(|| {
                PlanError::Invalid(format!("stream or future type {ty} is unknown"))
            })?;
        Ok(if p.stream { Kind::Stream } else { Kind::Future })
    }

    fn func(&mut self, index: u32) -> Result<JsValue, InstantiateError> {
        if let Some(Some(f)) = self.funcs.get(index as usize) {
            return Ok(f.clone());
        }
        // Dropping a handle to a host resource: the generated `[resource-drop]` trampoline.
        if let CoreFunc::Builtin(Builtin::ResourceDrop {
            resource,
            async_: false,
        }) = &self.plan.core_funcs[index as usize]
        {
            if let Some(Resource::Imported { import, name }) =
                self.plan.resources.get(*resource as usize)
            {
                let f = self.trampoline(*import, &format!("[resource-drop]{name}"))?;
                self.funcs[index as usize] = Some(f.clone());
                return Ok(f);
            }
        }
        let value = match &self.plan.core_funcs[index as usize] {
            CoreFunc::Export(e) => get(&self.instances[e.instance as usize], &e.name, "function")?,
            CoreFunc::Lower { func, options } => {
                self.options(options)?;
                let prefix = if options.async_ { "[async-lower]" } else { "" };
                self.trampoline(func.import, &format!("{prefix}{}", func.name))?
            }
            CoreFunc::Builtin(b) => {
                let f = self.builtin(*b)?;
                self.builtins.push(f.clone());
                f
            }
        };
        self.funcs[index as usize] = Some(value.clone());
        Ok(value)
    }
}

fn unimplemented(b: Builtin) -> InstantiateError {
    PlanError::UnsupportedFeature {
        feature: format!(
            "the canonical built-in {} (not implemented yet)",
            builtin_name(b)
        ),
    }
    .into()
}

fn builtin_name(b: Builtin) -> &'static str {
    match b {
        Builtin::ResourceNew(_) => "resource.new",
        Builtin::ResourceRep(_) => "resource.rep",
        Builtin::ResourceDrop { .. } => "resource.drop",
        Builtin::TaskReturn(_) => "task.return",
        Builtin::TaskCancel => "task.cancel",
        Builtin::ContextGet(_) => "context.get",
        Builtin::ContextSet(_) => "context.set",
        Builtin::Yield { .. } => "thread.yield",
        Builtin::BackpressureInc => "backpressure.inc",
        Builtin::BackpressureDec => "backpressure.dec",
        Builtin::SubtaskDrop => "subtask.drop",
        Builtin::SubtaskCancel { .. } => "subtask.cancel",
        Builtin::WaitableSetNew => "waitable-set.new",
        Builtin::WaitableSetWait { .. } => "waitable-set.wait",
        Builtin::WaitableSetPoll { .. } => "waitable-set.poll",
        Builtin::WaitableSetDrop => "waitable-set.drop",
        Builtin::WaitableJoin => "waitable.join",
        Builtin::New(_) => "stream.new / future.new",
        Builtin::Read(..) => "stream.read / future.read",
        Builtin::Write(..) => "stream.write / future.write",
        Builtin::CancelRead { .. } => "stream.cancel-read / future.cancel-read",
        Builtin::CancelWrite { .. } => "stream.cancel-write / future.cancel-write",
        Builtin::DropReadable(_) => "stream.drop-readable / future.drop-readable",
        Builtin::DropWritable(_) => "stream.drop-writable / future.drop-writable",
        Builtin::ErrorContextNew(_) => "error-context.new",
        Builtin::ErrorContextDebugMessage(_) => "error-context.debug-message",
        Builtin::ErrorContextDrop => "error-context.drop",
    }
}

fn to_js(v: &Flat) -> JsValue {
    match *v {
        Flat::I32(x) => JsValue::from(x),
        Flat::I64(x) => JsValue::from(js_sys::BigInt::from(x)),
        Flat::F32(x) => JsValue::from(x),
        Flat::F64(x) => JsValue::from(x),
    }
}

impl Instance {
    /// Whether a memory the policy's limit bounds is at that limit, so that a trap the guest
    /// raised now is best reported as `memory-limit` (growth failed, the allocator aborted)
    /// rather than `trap`.
    ///
    /// The host cannot see a failed `memory.grow` (it returns -1 inside the guest) nor how much
    /// the guest asked for, so this is the rule: some memory whose maximum the runtime set
    /// (not a smaller one the module declared itself) has grown since instantiation and holds
    /// at least half of that maximum. A guest's last request is what no longer fits; an
    /// allocator asks for at least what it needs, so an allocation failure leaves the memory
    /// within one request of its maximum: the memory bomb's 16 MiB blocks leave it at about 242
    /// of 256 MiB, 49 of 64, 17 of 32. A trap for another reason in a guest that uses half its limit
    /// is also reported as `memory-limit`; a single request of more than half the limit that
    /// fails in a guest still small is reported as `trap`. Only exported memories are seen (every
    /// memory the canonical ABI uses is). Cheap: one `byteLength` read per bounded memory.
    pub fn memory_at_limit(&self) -> bool {
        self.bounded.iter().any(|b| {
            let size = Reflect::get(&b.memory.buffer(), &JsValue::from_str("byteLength"))
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0);
            size > b.initial && size * 2.0 >= b.maximum
        })
    }

    /// Calls the export `name` of `interface` (`None`: a world-level function) with flat core
    /// arguments; returns its flat results (at most one for the synchronous ABI). The caller runs
    /// the post-return function with [`Instance::post_return`] after lifting the results.
    pub fn call(
        &self,
        interface: Option<&str>,
        name: &str,
        args: &[Flat],
    ) -> Result<Vec<Flat>, Trap> {
        let export = self.export(interface, name)?;
        let argv: Array = args.iter().map(to_js).collect();
        let out = self.guarded(|| Reflect::apply(&export.func, &JsValue::UNDEFINED, &argv))?;
        Ok(from_js(&out).into_iter().collect())
    }

    /// Calls the callback-form async export `name` of `interface` and drives it from the
    /// browser's event loop until it exits (see [`run_task`]); resolves with the flat values it
    /// passed to `task.return`.
    pub async fn call_async(
        &self,
        interface: Option<&str>,
        name: &str,
        args: &[Flat],
    ) -> Result<Vec<Flat>, Trap> {
        let (func, callback) = self.async_export(interface, name)?;
        let args = args.to_vec();
        let value = run_task(
            Rc::clone(&self.state),
            func,
            callback,
            Box::new(move |_| Ok(args)),
            Box::new(|_, flat| Ok(Box::new(flat.to_vec()))),
        )
        .await?;
        crate::abi::returned::<Vec<Flat>>(value)
    }

    /// The core function and callback of a callback-form async export.
    fn async_export(
        &self,
        interface: Option<&str>,
        name: &str,
    ) -> Result<(Function, Function), Trap> {
        let export = self.export(interface, name)?;
        let callback = export
            .callback
            .clone()
            .ok_or_else(|| Trap(format!("`{name}` is not a callback-form async export")))?;
        Ok((export.func.clone(), callback))
    }

    /// Runs the destructor `"<interface>#[dtor]<resource>"` (a host-owned handle to a resource
    /// the guest defines was dropped); nothing if the resource has none.
    fn destroy(&self, export: &str, args: &[Flat]) -> Result<Vec<Flat>, Trap> {
        let dtor = self
            .state
            .dtors
            .borrow()
            .iter()
            .find(|d| d.1 == export)
            .map(|d| d.2.clone());
        if let Some(dtor) = dtor {
            let argv: Array = args.iter().map(to_js).collect();
            self.guarded(|| Reflect::apply(&dtor, &JsValue::UNDEFINED, &argv))?;
        }
        Ok(Vec::new())
    }

    /// Runs the post-return function of an export, if it has one, with the export's results.
    pub fn post_return(
        &self,
        interface: Option<&str>,
        name: &str,
        results: &[Flat],
    ) -> Result<(), Trap> {
        let export = self.export(interface, name)?;
        if let Some(f) = &export.post_return {
            let argv: Array = results.iter().map(to_js).collect();
            self.guarded(|| Reflect::apply(f, &JsValue::UNDEFINED, &argv))?;
        }
        Ok(())
    }

    /// Runs `f` with this instance current, turning an exception into a [`Trap`].
    fn guarded(&self, f: impl FnOnce() -> Result<JsValue, JsValue>) -> Result<JsValue, Trap> {
        guarded(&self.state, f)
    }

    fn export(&self, interface: Option<&str>, name: &str) -> Result<&Export, Trap> {
        self.exports
            .iter()
            .find(|e| e.interface.as_deref() == interface && e.name == name)
            .ok_or_else(|| {
                Trap(format!(
                    "the component does not export `{}{}{name}`",
                    interface.unwrap_or(""),
                    if interface.is_some() { "#" } else { "" }
                ))
            })
    }

    /// The typed callers' view of this instance (an [`abi::Guest`](crate::abi::Guest)).
    ///
    /// While it lives, the instance's memory and handle table are in it (so its `cx()` can lend
    /// them out); each `call` puts them back into the instance for the trampolines the guest
    /// calls meanwhile, and takes them again after.
    pub fn guest(&self) -> Result<GuestCalls<'_>, Trap> {
        let mut parts = self.state.parts.borrow_mut();
        let memory = parts.memory.take().ok_or_else(|| {
            Trap("the component has no memory (or is already being called)".into())
        })?;
        let resources = std::mem::take(&mut parts.resources);
        drop(parts);
        Ok(GuestCalls {
            instance: self,
            parts: Some((memory, resources)),
        })
    }

    /// Runs `f` with this instance's lifting context (memory and handle tables), for the typed
    /// callers of guest exports.
    pub fn with_cx<R>(&self, f: impl FnOnce(&mut Cx<'_>) -> Result<R, Trap>) -> Result<R, Trap> {
        let mut parts = self.state.parts.borrow_mut();
        let Parts {
            memory, resources, ..
        } = &mut *parts;
        let memory = memory
            .as_mut()
            .ok_or_else(|| Trap("the component has no memory".into()))?;
        f(&mut Cx {
            memory,
            resources,
            instance: self.state.id,
        })
    }
}

/// A core result as JavaScript returned it. JavaScript does not say which core type a number
/// had: a `BigInt` is an `i64`, an integral number in `i32` range an `i32` (but not `-0`), any
/// other number an `f64`; [`Flat`]'s accessors convert between them exactly, so an `f32` result
/// read as `F64` is the same value. `undefined` (no result) is none.
fn from_js(v: &JsValue) -> Option<Flat> {
    if v.is_undefined() {
        return None;
    }
    if let Ok(big) = v.clone().dyn_into::<js_sys::BigInt>() {
        return i64::try_from(big).ok().map(Flat::I64);
    }
    let x = v.as_f64()?;
    let integral = x.fract() == 0.0 && x >= f64::from(i32::MIN) && x <= f64::from(i32::MAX);
    if integral && !(x == 0.0 && x.is_sign_negative()) {
        Some(Flat::I32(x as i32))
    } else {
        Some(Flat::F64(x))
    }
}

/// An [`Instance`] seen by generated export callers: see [`Instance::guest`].
pub struct GuestCalls<'a> {
    instance: &'a Instance,
    /// The memory and handle table, here between calls (in the instance during them).
    parts: Option<(JsMemory, ResourceTables)>,
}

impl GuestCalls<'_> {
    fn lend(&mut self) {
        if let Some((memory, resources)) = self.parts.take() {
            let mut parts = self.instance.state.parts.borrow_mut();
            parts.memory = Some(memory);
            parts.resources = resources;
        }
    }

    fn reclaim(&mut self) {
        let mut parts = self.instance.state.parts.borrow_mut();
        if let Some(memory) = parts.memory.take() {
            let resources = std::mem::take(&mut parts.resources);
            self.parts = Some((memory, resources));
        }
    }

    /// `"<interface>#<function>"` or a world-level `"<function>"`.
    fn split(export: &str) -> (Option<&str>, &str) {
        match export.rsplit_once('#') {
            Some((interface, name)) => (Some(interface), name),
            None => (None, export),
        }
    }
}

impl Drop for GuestCalls<'_> {
    fn drop(&mut self) {
        self.lend();
    }
}

/// A memory that traps on every access: what `cx()` lends while the real one is out (never, in
/// correct use: generated callers do not keep a `Cx` across a call).
struct Gone;

impl crate::abi::Memory for Gone {
    fn read(&self, _: u32, _: &mut [u8]) -> Result<(), Trap> {
        Err(Trap::new("the guest's memory is in use by a call"))
    }
    fn write(&mut self, _: u32, _: &[u8]) -> Result<(), Trap> {
        Err(Trap::new("the guest's memory is in use by a call"))
    }
    fn realloc(&mut self, _: u32, _: u32, _: u32, _: u32) -> Result<u32, Trap> {
        Err(Trap::new("the guest's memory is in use by a call"))
    }
    fn size(&self) -> u64 {
        0
    }
}

impl crate::abi::Guest for GuestCalls<'_> {
    fn cx(&mut self) -> Cx<'_> {
        match &mut self.parts {
            Some((memory, resources)) => Cx {
                memory,
                resources,
                instance: self.instance.state.id,
            },
            None => Cx {
                memory: Box::leak(Box::new(Gone)),
                resources: Box::leak(Box::default()),
                instance: self.instance.state.id,
            },
        }
    }

    fn call(&mut self, export: &str, args: &[Flat]) -> Result<Vec<Flat>, Trap> {
        let (interface, name) = Self::split(export);
        self.lend();
        let out = if name.starts_with("[dtor]") {
            self.instance.destroy(export, args)
        } else {
            self.instance.call(interface, name, args)
        };
        self.reclaim();
        out
    }

    fn post_return(&mut self, export: &str, results: &[Flat]) -> Result<(), Trap> {
        let (interface, name) = Self::split(export);
        self.lend();
        let out = self.instance.post_return(interface, name, results);
        self.reclaim();
        out
    }
}

/// Resolves on a later turn of the browser's event loop (a `setTimeout(0)`), so a yielding
/// guest never starves rendering or input.
async fn next_turn() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let set_timeout = Reflect::get(&js_sys::global(), &JsValue::from_str("setTimeout"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        match set_timeout {
            Some(f) => {
                let _ = f.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(0));
            }
            None => {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves once the instance is notified (a subtask resolved).
struct Notified<'a> {
    state: &'a State,
    registered: bool,
}

impl<'a> Notified<'a> {
    fn new(state: &'a State) -> Self {
        Notified {
            state,
            registered: false,
        }
    }
}

impl std::future::Future for Notified<'_> {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.registered {
            return std::task::Poll::Ready(());
        }
        self.registered = true;
        self.state.wakers.borrow_mut().push(cx.waker().clone());
        std::task::Poll::Pending
    }
}

impl State {
    /// Wakes whoever waits for events (after a subtask resolved).
    fn notify(&self) {
        for w in self.wakers.borrow_mut().drain(..) {
            w.wake();
        }
    }
}

/// Runs `f` with `state`'s instance current, turning an exception into a [`Trap`] (the one a
/// trampoline or built-in recorded, else the exception's text).
fn guarded(
    state: &Rc<State>,
    f: impl FnOnce() -> Result<JsValue, JsValue>,
) -> Result<JsValue, Trap> {
    push_current(state);
    let out = f();
    pop_current();
    out.map_err(|e| match state.trap.borrow_mut().take() {
        Some(message) => Trap(message),
        None => Trap(describe(&e)),
    })
}

/// Runs `f` with the instance's lifting context, when no guest code is running (a component
/// without a memory lends one on which every access traps).
fn with_cx<R>(state: &State, f: impl FnOnce(&mut Cx<'_>) -> Result<R, Trap>) -> Result<R, Trap> {
    with_parts(state, |cx, _| f(cx))
}

/// [`with_cx`], with the host as well.
fn with_parts<R>(
    state: &State,
    f: impl FnOnce(&mut Cx<'_>, &mut dyn Any) -> Result<R, Trap>,
) -> Result<R, Trap> {
    let mut parts = state
        .parts
        .try_borrow_mut()
        .map_err(|_| Trap::new("the instance's memory is in use"))?;
    let Parts {
        memory,
        resources,
        host,
    } = &mut *parts;
    let mut none = NoMemory;
    let memory: &mut dyn crate::abi::Memory = match memory.as_mut() {
        Some(m) => m,
        None => &mut none,
    };
    f(
        &mut Cx {
            memory,
            resources,
            instance: state.id,
        },
        host.as_mut(),
    )
}

/// One task of a callback-form async export, driven from the browser's event loop: lowers the
/// arguments, calls the `[async-lift]` function, then calls its callback for each event until
/// it exits — `YIELD` on a later turn, `WAIT` once an event is pending on the waitable set it
/// names (a host call it made resolved, a copy finished), the legacy `POLL` on a later turn
/// with whatever is pending. `task.return` lifts the result while the guest is still in it.
/// Nothing blocks, so no JSPI.
///
/// Several tasks of one instance may be in progress at once (each waits on its own set); the
/// guest runs one call at a time, and each call sees its own task's `task.return` and context
/// slots ([`Slots`]).
async fn run_task(
    state: Rc<State>,
    func: Function,
    callback: Function,
    lower_args: crate::abi::LowerArgs,
    lift_result: crate::abi::LiftResult,
) -> Result<Box<dyn Any>, Trap> {
    let args = with_cx(&state, lower_args)?;
    let mut slots = Slots {
        lift: Some(lift_result),
        returned: None,
        context: [0; 2],
    };
    let argv: Array = args.iter().map(to_js).collect();
    let mut code = slots.call(&state, || Reflect::apply(&func, &JsValue::UNDEFINED, &argv))?;
    loop {
        let packed = match from_js(&code) {
            Some(Flat::I32(p)) => p as u32,
            _ => return Err(Trap::new("the async export returned no callback code")),
        };
        let event = match Callback::unpack(packed)? {
            Callback::Exit => break,
            Callback::Yield => {
                next_turn().await;
                Event::NONE
            }
            Callback::Poll(set) => {
                next_turn().await;
                state.waitables.borrow_mut().poll(set)?
            }
            Callback::Wait(set) => {
                event_on(&state, set).await?;
                state.waitables.borrow_mut().poll(set)?
            }
        };
        let (c, i, p) = (event.code as i32, event.index as i32, event.payload as i32);
        code = slots.call(&state, || {
            callback.call3(&JsValue::UNDEFINED, &c.into(), &i.into(), &p.into())
        })?;
    }
    slots
        .returned
        .take()
        .ok_or_else(|| Trap::new("the async export exited without calling task.return"))
}

/// What belongs to one task rather than to its instance: how its `task.return` lifts, what it
/// lifted, its context slots. They are in the instance only while the task's guest code runs.
struct Slots {
    lift: Option<crate::abi::LiftResult>,
    returned: Option<Box<dyn Any>>,
    context: [u32; 2],
}

impl Slots {
    /// Calls into the guest for this task (see [`guarded`]).
    fn call(
        &mut self,
        state: &Rc<State>,
        f: impl FnOnce() -> Result<JsValue, JsValue>,
    ) -> Result<JsValue, Trap> {
        self.swap(state);
        let out = guarded(state, f);
        self.swap(state);
        out
    }

    fn swap(&mut self, state: &State) {
        std::mem::swap(&mut *state.lift.borrow_mut(), &mut self.lift);
        std::mem::swap(&mut *state.returned.borrow_mut(), &mut self.returned);
        state.waitables.borrow_mut().swap_context(&mut self.context);
    }
}

/// Waits (on the event loop) until an event is pending on waitable set `set`.
async fn event_on(state: &State, set: u32) -> Result<(), Trap> {
    loop {
        if let Some(message) = state.trap.borrow_mut().take() {
            return Err(Trap(message));
        }
        if state.waitables.borrow_mut().has_event(set)? {
            return Ok(());
        }
        // With only subtasks to wait for, none running means nothing will ever come. A stream
        // or future end's event may come from anywhere (the host, another task).
        if state.in_flight.get() == 0 && !state.waitables.borrow_mut().waits_on_channels(set)? {
            return Err(Trap(format!(
                "the guest waits on waitable set {set}, but nothing it waits for is in progress"
            )));
        }
        Notified::new(state).await;
    }
}

/// What a component without a memory lends to lifting and lowering: every access traps.
struct NoMemory;

impl crate::abi::Memory for NoMemory {
    fn read(&self, _: u32, _: &mut [u8]) -> Result<(), Trap> {
        Err(Trap::new("the component has no memory"))
    }
    fn write(&mut self, _: u32, _: &[u8]) -> Result<(), Trap> {
        Err(Trap::new("the component has no memory"))
    }
    fn realloc(&mut self, _: u32, _: u32, _: u32, _: u32) -> Result<u32, Trap> {
        Err(Trap::new("the component has no memory"))
    }
    fn size(&self) -> u64 {
        0
    }
}

/// The body of every generated `[async-lower]` trampoline: lifts the arguments and starts the
/// host call (`f`), polls it once — finished: its results are written now and the guest gets
/// `RETURNED` (2) — else starts a subtask driven on the event loop and returns
/// `STARTED | handle << 4`. When the host's future finishes, its results are written into the
/// guest and the subtask resolves, which wakes the task waiting on it.
pub fn enter_async(
    f: impl FnOnce(&mut Cx<'_>, &mut dyn Any) -> Result<crate::abi::Pending, Trap>,
) -> i32 {
    use crate::concurrent::SubtaskState;
    let Some(state) = CURRENT.with(|c| c.borrow().last().cloned()) else {
        wasm_bindgen::throw_str("a host function was called outside of any component instance");
    };
    let started = (|| {
        let mut pending = with_parts(&state, f)?;
        let mut noop = std::task::Context::from_waker(std::task::Waker::noop());
        if pending.poll(&mut noop).is_ready() {
            with_cx(&state, |cx| pending.complete(cx))?;
            return Ok(SubtaskState::Returned as i32);
        }
        let handle = state.waitables.borrow_mut().start_subtask()?;
        state.in_flight.set(state.in_flight.get() + 1);
        let running = Rc::new(RefCell::new(Running {
            pending: Some(pending),
            waker: None,
        }));
        state
            .running
            .borrow_mut()
            .push((handle, Rc::clone(&running)));
        let driver = Rc::clone(&state);
        wasm_bindgen_futures::spawn_local(async move {
            // Ready(true): finished; Ready(false): cancelled (the future is gone).
            let finished = std::future::poll_fn(|cx| {
                let mut r = running.borrow_mut();
                r.waker = Some(cx.waker().clone());
                match r.pending.as_mut() {
                    Some(p) => p.poll(cx).map(|()| true),
                    None => std::task::Poll::Ready(false),
                }
            })
            .await;
            driver.running.borrow_mut().retain(|(h, _)| *h != handle);
            driver
                .in_flight
                .set(driver.in_flight.get().saturating_sub(1));
            let pending = running.borrow_mut().pending.take();
            if let (true, Some(pending)) = (finished, pending) {
                let done = with_cx(&driver, |cx| pending.complete(cx))
                    .and_then(|()| driver.waitables.borrow_mut().resolve_subtask(handle));
                if let Err(Trap(message)) = done {
                    *driver.trap.borrow_mut() = Some(message);
                }
            }
            driver.notify();
        });
        Ok(SubtaskState::Started as i32 | (handle << 4) as i32)
    })();
    match started {
        Ok(code) => code,
        Err(Trap(message)) => {
            let thrown = format!("component trap: {message}");
            *state.trap.borrow_mut() = Some(message);
            drop(state);
            wasm_bindgen::throw_str(&thrown)
        }
    }
}

/// `subtask.cancel`: a running host call is stopped now (its future dropped, before this
/// returns) and the subtask is `CANCELLED_BEFORE_RETURNED`; one that already returned answers
/// `RETURNED`. Never blocks.
fn cancel_subtask(state: &State, handle: u32) -> Result<u32, Trap> {
    use crate::concurrent::{Cancelled, SubtaskState};
    match state.waitables.borrow_mut().cancel_subtask(handle)? {
        Cancelled::AlreadyReturned => return Ok(SubtaskState::Returned as u32),
        Cancelled::Stopped => {}
    }
    let running = {
        let mut all = state.running.borrow_mut();
        let i = all.iter().position(|(h, _)| *h == handle);
        i.map(|i| all.remove(i).1)
    };
    if let Some(running) = running {
        // Drop the host's future outside the borrow: its destructor is host code.
        let (pending, waker) = {
            let mut r = running.borrow_mut();
            (r.pending.take(), r.waker.take())
        };
        if let Some(mut pending) = pending {
            let lends = pending.take_lends();
            drop(pending);
            // The call's borrows end with it (`Subtask.cancel` → `deliver_resolve`).
            state.parts.borrow_mut().resources.unlend(&lends);
        }
        if let Some(w) = waker {
            w.wake();
        }
    }
    Ok(SubtaskState::CancelledBeforeReturned as u32)
}

impl crate::abi::AsyncGuest for Instance {
    fn call_async(
        &self,
        export: &str,
        lower_args: crate::abi::LowerArgs,
        lift_result: crate::abi::LiftResult,
    ) -> crate::abi::AsyncCall<Box<dyn Any>> {
        let (interface, name) = GuestCalls::split(export);
        let found = self.async_export(interface, name);
        let state = Rc::clone(&self.state);
        Box::pin(async move {
            let (func, callback) = found?;
            run_task(state, func, callback, lower_args, lift_result).await
        })
    }
}
