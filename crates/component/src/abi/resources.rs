//! Handle tables: the explainer's `Table` of `ResourceHandle`s, one per component instance.
//!
//! A handle is a `u32` index into the instance's table (index 0 is never valid). Each entry
//! records the resource type, the representation (`rep`), whether it owns the resource and how
//! many borrows are currently lent from it:
//!
//! - lowering an `own` adds an owning entry ([`ResourceTables::new_own`], also `resource.new`);
//! - lifting an `own` removes it: it must be owning, of the expected type and not lent
//!   ([`ResourceTables::lift_own`]);
//! - lifting a `borrow` lends the entry for the rest of the call: generated code takes a
//!   [`ResourceTables::lend_mark`] before lifting and [`ResourceTables::release_lends`] after the
//!   host function returned, error or not (see [`scoped`]);
//! - lowering a `borrow` into the instance that does not implement the resource adds a
//!   non-owning entry in the current borrow scope ([`ResourceTables::lower_borrow`]); the guest
//!   must drop it before its export returns ([`ResourceTables::end_borrows`] traps otherwise);
//!   into the implementing instance it is just the `rep`;
//! - `resource.drop` removes an entry: a lent one traps; an owning one yields its `rep` for the
//!   destructor (the host's `<resource>_drop` for host resources, the guest's `[dtor]` for its
//!   own); a borrowing one ends that borrow.
//!
//! Every mismatch (unknown or freed handle, wrong type, own/borrow confusion, dropping a lent
//! handle) is a [`Trap`], and a trap leaves the table unchanged.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

use super::{Cx, Trap};

/// A resource type's identity within one generated world (assigned by the generator, listed in
/// the generated `RESOURCES`). Type checks on handles compare these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceType(pub u32);

/// Implemented by the zero-sized marker type the generator emits per resource.
pub trait ResourceKind: 'static {
    /// The resource type's identity.
    const TYPE: ResourceType;
    /// The WIT name (for messages).
    const NAME: &'static str;
}

/// What the generator says about a resource type of its world, for the runtime to map the
/// component's resource types (and `resource.new` / `rep` / `drop` built-ins) onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceInfo {
    /// The interface that defines it, with version (`gfx-test:worlds/counters@0.1.0`).
    pub interface: &'static str,
    /// The resource's WIT name (`counter`).
    pub name: &'static str,
    /// Its identity.
    pub ty: ResourceType,
    /// Defined by the guest (an exported interface's resource) rather than by the host.
    pub guest_defined: bool,
}

/// An owned handle as the host holds it: the resource's `rep`. For a host resource the host
/// chose the rep (and keeps its object keyed by it); for a guest resource it is the guest's.
///
/// Not `Clone`: it stands for unique ownership. Dropping the Rust value does nothing; the owner
/// passes it back to a drop function.
pub struct Resource<T> {
    rep: u32,
    _t: PhantomData<fn() -> T>,
}

impl<T> Resource<T> {
    /// The handle for `rep`.
    pub const fn new(rep: u32) -> Self {
        Resource {
            rep,
            _t: PhantomData,
        }
    }
    /// The resource's representation.
    pub const fn rep(&self) -> u32 {
        self.rep
    }
    /// A borrow of it.
    pub const fn borrow(&self) -> Borrow<T> {
        Borrow::new(self.rep)
    }
}

impl<T> fmt::Debug for Resource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Resource({})", self.rep)
    }
}
impl<T> PartialEq for Resource<T> {
    fn eq(&self, o: &Self) -> bool {
        self.rep == o.rep
    }
}
impl<T> Eq for Resource<T> {}
impl<T> Hash for Resource<T> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.rep.hash(h);
    }
}

/// A borrowed handle as the host sees it during one call: the resource's `rep`.
pub struct Borrow<T> {
    rep: u32,
    _t: PhantomData<fn() -> T>,
}

impl<T> Borrow<T> {
    /// The borrow of `rep`.
    pub const fn new(rep: u32) -> Self {
        Borrow {
            rep,
            _t: PhantomData,
        }
    }
    /// The resource's representation.
    pub const fn rep(&self) -> u32 {
        self.rep
    }
}

impl<T> Clone for Borrow<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Borrow<T> {}
impl<T> fmt::Debug for Borrow<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Borrow({})", self.rep)
    }
}
impl<T> PartialEq for Borrow<T> {
    fn eq(&self, o: &Self) -> bool {
        self.rep == o.rep
    }
}
impl<T> Eq for Borrow<T> {}
impl<T> Hash for Borrow<T> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.rep.hash(h);
    }
}

/// One live entry of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandleEntry {
    /// The resource type.
    pub ty: ResourceType,
    /// The representation.
    pub rep: u32,
    /// Owning (else a borrow lowered into this instance).
    pub own: bool,
    /// Borrows currently lent from it (`num_lends`).
    pub lends: u32,
    /// For a borrow: the index of its borrow scope (see [`ResourceTables::begin_borrows`]).
    pub scope: u32,
}

#[derive(Debug, Clone)]
enum Slot {
    Free,
    Handle(HandleEntry),
}

/// The handle table of one component instance.
#[derive(Debug, Clone)]
pub struct ResourceTables {
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Handles lent by `lift_borrow`, innermost call last.
    lent: Vec<u32>,
    /// Borrow handles outstanding per active export call, innermost last.
    borrows: Vec<u32>,
}

impl Default for ResourceTables {
    fn default() -> Self {
        Self::new()
    }
}

#[cold]
fn trap_handle(handle: u32) -> Trap {
    Trap(format!("unknown handle {handle}"))
}

#[cold]
fn trap_type(handle: u32, have: ResourceType, want: ResourceType) -> Trap {
    Trap(format!(
        "handle {handle} has resource type {}, expected {}",
        have.0, want.0
    ))
}

#[cold]
fn trap_lent(handle: u32, lends: u32) -> Trap {
    Trap(format!("handle {handle} is lent out ({lends} borrows)"))
}

#[cold]
fn trap_not_own(handle: u32) -> Trap {
    Trap(format!("handle {handle} is a borrow, not an own"))
}

impl ResourceTables {
    /// The explainer's `Table.MAX_LENGTH`.
    pub const MAX_LENGTH: u32 = (1 << 28) - 1;

    /// An empty table (index 0 reserved).
    pub fn new() -> Self {
        ResourceTables {
            slots: vec![Slot::Free],
            free: Vec::new(),
            lent: Vec::new(),
            borrows: Vec::new(),
        }
    }

    /// Number of live handles.
    pub fn live(&self) -> usize {
        self.slots.len() - 1 - self.free.len()
    }

    /// The entry of `handle`.
    pub fn get(&self, handle: u32) -> Result<&HandleEntry, Trap> {
        match self.slots.get(handle as usize) {
            Some(Slot::Handle(h)) if handle != 0 => Ok(h),
            _ => Err(trap_handle(handle)),
        }
    }

    fn get_mut(&mut self, handle: u32) -> Result<&mut HandleEntry, Trap> {
        match self.slots.get_mut(handle as usize) {
            Some(Slot::Handle(h)) if handle != 0 => Ok(h),
            _ => Err(trap_handle(handle)),
        }
    }

    fn typed(&self, handle: u32, ty: ResourceType) -> Result<&HandleEntry, Trap> {
        let h = self.get(handle)?;
        if h.ty != ty {
            return Err(trap_type(handle, h.ty, ty));
        }
        Ok(h)
    }

    fn add(&mut self, entry: HandleEntry) -> Result<u32, Trap> {
        if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Slot::Handle(entry);
            return Ok(i);
        }
        let i = self.slots.len() as u32;
        if i > Self::MAX_LENGTH {
            return Err(Trap::new("handle table full"));
        }
        self.slots.push(Slot::Handle(entry));
        Ok(i)
    }

    /// Frees `handle` (the caller has checked that it is live).
    fn remove(&mut self, handle: u32) {
        if let Some(slot) = self.slots.get_mut(handle as usize) {
            *slot = Slot::Free;
            self.free.push(handle);
        }
    }

    /// `lower_own` / `resource.new`: a new owning handle for `rep`.
    pub fn new_own(&mut self, ty: ResourceType, rep: u32) -> Result<u32, Trap> {
        self.add(HandleEntry {
            ty,
            rep,
            own: true,
            lends: 0,
            scope: 0,
        })
    }

    /// `lift_own`: removes the owning, unlent handle `handle` of type `ty`; returns its rep.
    pub fn lift_own(&mut self, handle: u32, ty: ResourceType) -> Result<u32, Trap> {
        let h = *self.typed(handle, ty)?;
        if h.lends != 0 {
            return Err(trap_lent(handle, h.lends));
        }
        if !h.own {
            return Err(trap_not_own(handle));
        }
        self.remove(handle);
        Ok(h.rep)
    }

    /// `lift_borrow`: the rep of `handle` (owning or borrowing) of type `ty`, lent until the
    /// matching [`release_lends`](Self::release_lends).
    pub fn lift_borrow(&mut self, handle: u32, ty: ResourceType) -> Result<u32, Trap> {
        let rep = self.typed(handle, ty)?.rep;
        self.get_mut(handle)?.lends += 1;
        self.lent.push(handle);
        Ok(rep)
    }

    /// Where the current call's lends start.
    pub fn lend_mark(&self) -> usize {
        self.lent.len()
    }

    /// Ends the lends made since `mark` (the callee returned: `Subtask.deliver_resolve`).
    pub fn release_lends(&mut self, mark: usize) {
        let mark = mark.min(self.lent.len());
        for i in mark..self.lent.len() {
            let handle = self.lent[i];
            if let Some(Slot::Handle(h)) = self.slots.get_mut(handle as usize) {
                h.lends = h.lends.saturating_sub(1);
            }
        }
        self.lent.truncate(mark);
    }

    /// Takes the lends made since `mark` out of the call stack's record, still lent: an
    /// async-lowered call keeps them until its subtask resolves ([`unlend`](Self::unlend)).
    pub fn take_lends(&mut self, mark: usize) -> Vec<u32> {
        let mark = mark.min(self.lent.len());
        self.lent.split_off(mark)
    }

    /// Ends the lends of `handles` (taken with [`take_lends`](Self::take_lends)). A handle
    /// that is gone meanwhile is skipped (it could not have been dropped while lent).
    pub fn unlend(&mut self, handles: &[u32]) {
        for &handle in handles {
            if let Some(Slot::Handle(h)) = self.slots.get_mut(handle as usize) {
                h.lends = h.lends.saturating_sub(1);
            }
        }
    }

    /// Opens a borrow scope: a host call into one of the instance's exports begins.
    pub fn begin_borrows(&mut self) {
        self.borrows.push(0);
    }

    /// Closes the innermost borrow scope: traps if the guest still holds a borrow handle the
    /// call lowered into it (`trap_if(self.num_borrows > 0)` at task return).
    pub fn end_borrows(&mut self) -> Result<(), Trap> {
        match self.borrows.pop() {
            Some(0) => Ok(()),
            Some(n) => Err(Trap(format!(
                "{n} borrowed handles not dropped before return"
            ))),
            None => Err(Trap::new("no borrow scope to end")),
        }
    }

    /// `lower_borrow` into an instance that does not implement the resource: a borrowing handle
    /// in the innermost borrow scope.
    pub fn lower_borrow(&mut self, ty: ResourceType, rep: u32) -> Result<u32, Trap> {
        let scope = self
            .borrows
            .len()
            .checked_sub(1)
            .ok_or_else(|| Trap::new("borrow lowered outside a borrow scope"))?;
        let handle = self.add(HandleEntry {
            ty,
            rep,
            own: false,
            lends: 0,
            scope: scope as u32,
        })?;
        self.borrows[scope] += 1;
        Ok(handle)
    }

    /// `resource.rep`: the rep of `handle` of type `ty`.
    pub fn rep(&self, handle: u32, ty: ResourceType) -> Result<u32, Trap> {
        Ok(self.typed(handle, ty)?.rep)
    }

    /// `resource.drop`: removes `handle` of type `ty`. `Some(rep)` for an owning handle (the
    /// caller runs the destructor), `None` for a borrow (its scope's count goes down). A lent
    /// handle traps.
    pub fn drop(&mut self, handle: u32, ty: ResourceType) -> Result<Option<u32>, Trap> {
        let h = *self.typed(handle, ty)?;
        if h.lends != 0 {
            return Err(trap_lent(handle, h.lends));
        }
        self.remove(handle);
        if h.own {
            return Ok(Some(h.rep));
        }
        if let Some(n) = self.borrows.get_mut(h.scope as usize) {
            *n = n.saturating_sub(1);
        }
        Ok(None)
    }
}

/// Runs `f` as one call's borrow scope: every borrow `f` lifts is released when it returns,
/// whether it returned a value or a trap.
pub fn scoped<R>(
    cx: &mut Cx<'_>,
    f: impl FnOnce(&mut Cx<'_>) -> Result<R, Trap>,
) -> Result<R, Trap> {
    let mark = cx.resources.lend_mark();
    let r = f(cx);
    cx.resources.release_lends(mark);
    r
}

/// Runs `f`, the start of an async-lowered call, so that the borrows it lifts stay lent until
/// the call's subtask resolves or is cancelled: they move into the [`Pending`] it returns
/// (released at once if it traps).
///
/// [`Pending`]: super::Pending
pub fn lending(
    cx: &mut Cx<'_>,
    f: impl FnOnce(&mut Cx<'_>) -> Result<super::Pending, Trap>,
) -> Result<super::Pending, Trap> {
    let mark = cx.resources.lend_mark();
    match f(cx) {
        Ok(pending) => Ok(pending.with_lends(cx.resources.take_lends(mark))),
        Err(e) => {
            cx.resources.release_lends(mark);
            Err(e)
        }
    }
}

/// Lifts an `own<T>` handle (removing it from the table).
pub fn lift_own<T: ResourceKind>(cx: &mut Cx<'_>, handle: i32) -> Result<Resource<T>, Trap> {
    cx.resources
        .lift_own(handle as u32, T::TYPE)
        .map(Resource::new)
}

/// Lifts a `borrow<T>` handle (lending it for the rest of the call).
pub fn lift_borrow<T: ResourceKind>(cx: &mut Cx<'_>, handle: i32) -> Result<Borrow<T>, Trap> {
    cx.resources
        .lift_borrow(handle as u32, T::TYPE)
        .map(Borrow::new)
}

/// Lowers an `own<T>` (a new owning handle in the guest's table).
pub fn lower_own<T: ResourceKind>(cx: &mut Cx<'_>, r: Resource<T>) -> Result<i32, Trap> {
    cx.resources.new_own(T::TYPE, r.rep()).map(|h| h as i32)
}

/// Lowers a `borrow<T>` of a resource the guest does not implement (a borrowing handle).
pub fn lower_borrow<T: ResourceKind>(cx: &mut Cx<'_>, b: Borrow<T>) -> Result<i32, Trap> {
    cx.resources
        .lower_borrow(T::TYPE, b.rep())
        .map(|h| h as i32)
}

/// Lowers a `borrow<T>` of a resource the guest implements: just its rep.
pub fn borrow_rep<T>(b: Borrow<T>) -> i32 {
    b.rep() as i32
}

/// `resource.drop` of a host resource: `Some(resource)` when the handle owned it (the host's
/// drop runs), `None` for a borrow.
pub fn drop_handle<T: ResourceKind>(
    cx: &mut Cx<'_>,
    handle: i32,
) -> Result<Option<Resource<T>>, Trap> {
    Ok(cx
        .resources
        .drop(handle as u32, T::TYPE)?
        .map(Resource::new))
}

/// `resource.new` of a guest resource.
pub fn resource_new<T: ResourceKind>(cx: &mut Cx<'_>, rep: i32) -> Result<i32, Trap> {
    cx.resources.new_own(T::TYPE, rep as u32).map(|h| h as i32)
}

/// `resource.rep` of a guest resource.
pub fn resource_rep<T: ResourceKind>(cx: &mut Cx<'_>, handle: i32) -> Result<i32, Trap> {
    cx.resources.rep(handle as u32, T::TYPE).map(|r| r as i32)
}
