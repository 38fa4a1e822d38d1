//! Streams and futures in the browser: the thread's [`Hub`] behind the host's handles (the
//! [`abi::Channels`](crate::abi::Channels) the runtime installs), the guest's `stream.*` /
//! `future.*` built-ins, and settling the host's progress from the event loop.
//!
//! A guest built-in copies on the spot, with the guest's memory (nothing else is using it: the
//! guest is in the built-in). The host's progress — a write, a read, a drop from host code,
//! which may run inside a call of that very guest — only marks the channel; a microtask then
//! settles every marked channel with the waiting guest's memory and makes its event pending,
//! which wakes the task waiting for it (see [`crate::channels`]).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use crate::abi::{ChannelFuture, Channels, Cx, ElementCodec, End, Kind, Trap, WriteResult};
use crate::channels::{pack, Buffer, Completion, GuestCopy, GuestEnd, Hub, Settle, Status};
use crate::concurrent::BLOCKED;

use super::{with_cx, State};

/// The thread's channels and the instances that may hold their ends.
pub(crate) struct Runtime {
    hub: RefCell<Hub>,
    instances: RefCell<Vec<(u32, Weak<State>)>>,
    /// A settling microtask is queued.
    scheduled: Cell<bool>,
}

thread_local! {
    static RUNTIME: RefCell<Option<Rc<Runtime>>> = const { RefCell::new(None) };
}

/// The thread's runtime, made (and installed as the bindings' [`Channels`]) on first use.
pub(crate) fn runtime() -> Rc<Runtime> {
    RUNTIME.with(|r| {
        r.borrow_mut()
            .get_or_insert_with(|| {
                let rt = Rc::new(Runtime {
                    hub: RefCell::new(Hub::default()),
                    instances: RefCell::new(Vec::new()),
                    scheduled: Cell::new(false),
                });
                crate::abi::install_channels(Some(Rc::new(Handles) as Rc<dyn Channels>));
                rt
            })
            .clone()
    })
}

impl Runtime {
    /// `state` may hold channel ends from now on.
    pub(crate) fn register(&self, state: &Rc<State>) {
        let mut instances = self.instances.borrow_mut();
        instances.retain(|(_, w)| w.strong_count() > 0);
        instances.push((state.id, Rc::downgrade(state)));
    }

    /// An instance went away: the ends it held are dropped (whoever holds the other end sees
    /// `DROPPED`), so no channel outlives both of its holders.
    pub(crate) fn forget(self: &Rc<Self>, state: &State) {
        let ends = state.waitables.borrow().ends();
        if let Ok(mut hub) = self.hub.try_borrow_mut() {
            for e in ends {
                hub.host_drop(e.rep, e.end);
            }
        }
        self.instances
            .borrow_mut()
            .retain(|(i, w)| *i != state.id && w.strong_count() > 0);
        self.schedule_if_dirty();
    }

    fn instance(&self, id: u32) -> Result<Rc<State>, Trap> {
        self.instances
            .borrow()
            .iter()
            .find(|(i, _)| *i == id)
            .and_then(|(_, w)| w.upgrade())
            .ok_or_else(|| Trap(format!("component instance {id} is gone")))
    }

    /// Queues a microtask settling the marked channels, unless one is queued.
    fn schedule(self: &Rc<Self>) {
        if self.scheduled.get() {
            return;
        }
        self.scheduled.set(true);
        let rt = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            rt.scheduled.set(false);
            rt.settle_all();
        });
    }

    /// Carries out what the host's progress allows on every marked channel.
    fn settle_all(&self) {
        loop {
            let dirty = self.hub.borrow_mut().take_dirty();
            if dirty.is_empty() {
                return;
            }
            for rep in dirty {
                let settled = self.hub.borrow_mut().settle(rep);
                let (instance, done) = match settled {
                    Ok(None) | Err(_) => continue,
                    Ok(Some(Settle::Dropped(c))) => (c.instance, Ok(c)),
                    Ok(Some(Settle::Lower {
                        to,
                        items,
                        codec,
                        completion,
                    })) => (
                        to.end.instance,
                        self.instance(to.end.instance).and_then(|s| {
                            with_cx(&s, |cx| codec.lower_items(cx, to.ptr, items))
                                .map(|()| completion)
                        }),
                    ),
                    Ok(Some(Settle::Lift {
                        from,
                        count,
                        codec,
                        completion,
                    })) => (
                        from.end.instance,
                        self.instance(from.end.instance).and_then(|s| {
                            let items = with_cx(&s, |cx| codec.lift_items(cx, from.ptr, count))?;
                            self.hub.borrow_mut().deliver(rep, items)?;
                            Ok(completion)
                        }),
                    ),
                };
                match done {
                    Ok(c) => self.complete(c),
                    Err(Trap(message)) => {
                        // The guest's buffer was bad: the instance traps; its task sees it.
                        if let Ok(state) = self.instance(instance) {
                            state.trap.borrow_mut().get_or_insert(message);
                            state.notify();
                        }
                    }
                }
            }
        }
    }

    /// A waiting guest operation finished: its event becomes pending; its task wakes.
    fn complete(&self, c: Completion) {
        if let Ok(state) = self.instance(c.instance) {
            state
                .waitables
                .borrow_mut()
                .finish_copy(c.event.index, c.event);
            state.notify();
        }
    }
}

/// The host side: what the bindings' handles call (see [`Channels`]).
struct Handles;

/// The host's read, as a future: polls the hub; dropping it unfinished cancels the read.
struct HostRead {
    rt: Rc<Runtime>,
    rep: u32,
    max: usize,
    finished: bool,
}

impl Future for HostRead {
    type Output = Option<Vec<Box<dyn Any>>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let p = self
            .rt
            .hub
            .borrow_mut()
            .poll_host_read(self.rep, self.max, cx.waker());
        self.rt.schedule_if_dirty();
        if p.is_ready() {
            self.finished = true;
        }
        p
    }
}

impl Drop for HostRead {
    fn drop(&mut self) {
        if !self.finished {
            self.rt.hub.borrow_mut().cancel_host_read(self.rep);
        }
    }
}

/// The host's write, as a future (started when made); dropping it unfinished cancels it.
struct HostWrite {
    rt: Rc<Runtime>,
    rep: u32,
    finished: bool,
}

impl Future for HostWrite {
    type Output = WriteResult;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<WriteResult> {
        let p = self
            .rt
            .hub
            .borrow_mut()
            .poll_host_write(self.rep, cx.waker());
        self.rt.schedule_if_dirty();
        if p.is_ready() {
            self.finished = true;
        }
        p
    }
}

impl Drop for HostWrite {
    fn drop(&mut self) {
        if !self.finished {
            self.rt.hub.borrow_mut().cancel_host_write(self.rep);
        }
    }
}

impl Runtime {
    fn schedule_if_dirty(self: &Rc<Self>) {
        if self.hub.borrow().has_dirty() {
            self.schedule();
        }
    }
}

impl Channels for Handles {
    fn new_channel(&self, kind: Kind) -> u32 {
        runtime().hub.borrow_mut().new_channel(kind)
    }

    fn host_read(&self, rep: u32, max: usize) -> ChannelFuture<Option<Vec<Box<dyn Any>>>> {
        Box::pin(HostRead {
            rt: runtime(),
            rep,
            max,
            finished: false,
        })
    }

    fn host_write(&self, rep: u32, items: Vec<Box<dyn Any>>) -> ChannelFuture<WriteResult> {
        let rt = runtime();
        rt.hub.borrow_mut().start_host_write(rep, items);
        rt.schedule_if_dirty();
        Box::pin(HostWrite {
            rt,
            rep,
            finished: false,
        })
    }

    fn drop_end(&self, rep: u32, end: End) {
        let rt = runtime();
        rt.hub.borrow_mut().host_drop(rep, end);
        rt.schedule_if_dirty();
    }

    fn lift_readable(
        &self,
        cx: &mut Cx<'_>,
        kind: Kind,
        handle: u32,
        codec: &'static ElementCodec,
    ) -> Result<u32, Trap> {
        let rt = runtime();
        let state = rt.instance(cx.instance)?;
        let end = state
            .waitables
            .borrow_mut()
            .remove_end(handle, kind, End::Readable)?;
        rt.hub.borrow_mut().take_to_host(end.rep, codec)?;
        Ok(end.rep)
    }

    fn lower_readable(
        &self,
        cx: &mut Cx<'_>,
        kind: Kind,
        rep: u32,
        codec: &'static ElementCodec,
    ) -> Result<u32, Trap> {
        let rt = runtime();
        let state = rt.instance(cx.instance)?;
        let handle = state
            .waitables
            .borrow_mut()
            .add_end(rep, kind, End::Readable)?;
        let guest = GuestEnd {
            instance: state.id,
            handle,
        };
        rt.hub
            .borrow_mut()
            .give_to_guest(rep, End::Readable, guest, Some(codec))?;
        Ok(handle)
    }
}

// ---------------------------------------------------------------------------------------------
// The guest's built-ins.

/// `stream.new` / `future.new`: `writable << 32 | readable`.
pub(crate) fn new(state: &Rc<State>, kind: Kind) -> Result<i64, Trap> {
    let rt = runtime();
    let rep = rt.hub.borrow_mut().new_channel(kind);
    let mut handles = [0u32; 2];
    for (slot, end) in handles.iter_mut().zip([End::Readable, End::Writable]) {
        let handle = state.waitables.borrow_mut().add_end(rep, kind, end)?;
        let guest = GuestEnd {
            instance: state.id,
            handle,
        };
        rt.hub.borrow_mut().give_to_guest(rep, end, guest, None)?;
        *slot = handle;
    }
    Ok((i64::from(handles[1]) << 32) | i64::from(handles[0]))
}

/// `stream.read` / `stream.write` (`count` elements at `ptr`) and `future.read` /
/// `future.write` (one value at `ptr`): the packed result or `BLOCKED`.
pub(crate) fn copy(
    state: &Rc<State>,
    kind: Kind,
    end: End,
    handle: u32,
    ptr: u32,
    count: u32,
) -> Result<u32, Trap> {
    let rt = runtime();
    let rep = {
        let mut waitables = state.waitables.borrow_mut();
        let e = waitables.end(handle, kind, end)?;
        if e.copying {
            return Err(Trap(format!(
                "a {} on handle {handle} is already in progress",
                what(end)
            )));
        }
        if e.done {
            return Err(Trap(format!(
                "a {} on handle {handle} after its {} ended",
                what(end),
                kind.name()
            )));
        }
        e.rep
    };
    let count = match kind {
        Kind::Stream => count,
        Kind::Future => 1,
    };
    let buf = Buffer {
        end: GuestEnd {
            instance: state.id,
            handle,
        },
        ptr,
        count,
    };
    let plan = match end {
        End::Readable => rt.hub.borrow_mut().guest_read(rep, buf)?,
        End::Writable => rt.hub.borrow_mut().guest_write(rep, buf)?,
    };
    let (result, other) = match plan {
        GuestCopy::Now { result, other } => (result, other),
        GuestCopy::Lower {
            items,
            codec,
            result,
        } => {
            with_cx(state, |cx| codec.lower_items(cx, ptr, items))?;
            (result, None)
        }
        GuestCopy::Lift {
            count,
            codec,
            result,
        } => {
            let items = with_cx(state, |cx| codec.lift_items(cx, ptr, count))?;
            rt.hub.borrow_mut().deliver(rep, items)?;
            (result, None)
        }
        GuestCopy::Between {
            from,
            to,
            count,
            codec,
            result,
            other,
        } => {
            if from.end.instance != to.end.instance {
                return Err(Trap::new(
                    "a stream or future between two component instances (not supported yet)",
                ));
            }
            with_cx(state, |cx| {
                let items = codec.lift_items(cx, from.ptr, count)?;
                codec.lower_items(cx, to.ptr, items)
            })?;
            (result, Some(other))
        }
    };
    {
        let mut waitables = state.waitables.borrow_mut();
        let e = waitables.end(handle, kind, end)?;
        if result == BLOCKED {
            e.copying = true;
        } else if result & 0xf == Status::Dropped as u32 || kind == Kind::Future {
            e.done = true;
        }
    }
    if let Some(other) = other {
        rt.complete(other);
    }
    Ok(result)
}

/// `cancel-read` / `cancel-write` (never blocks: the host stops a copy at once).
pub(crate) fn cancel(state: &Rc<State>, kind: Kind, end: End, handle: u32) -> Result<u32, Trap> {
    let rt = runtime();
    let rep = {
        let mut waitables = state.waitables.borrow_mut();
        let e = waitables.end(handle, kind, end)?;
        if !e.copying {
            return Err(Trap(format!(
                "cancel-{} on handle {handle}, which has no {} in progress",
                what(end),
                what(end)
            )));
        }
        e.rep
    };
    if rt.hub.borrow_mut().guest_cancel(rep, end)? {
        let mut waitables = state.waitables.borrow_mut();
        waitables.end(handle, kind, end)?.copying = false;
        return Ok(pack(kind, 0, Status::Cancelled));
    }
    // It finished before the cancel: its event is the answer.
    let event = state.waitables.borrow_mut().take_event(handle)?;
    event.map(|e| e.payload).ok_or_else(|| {
        Trap(format!(
            "cancel-{} on handle {handle}: the {} is neither waiting nor finished (a runtime bug)",
            what(end),
            what(end)
        ))
    })
}

/// `drop-readable` / `drop-writable`.
pub(crate) fn drop_end(state: &Rc<State>, kind: Kind, end: End, handle: u32) -> Result<(), Trap> {
    let rt = runtime();
    let e = state.waitables.borrow_mut().remove_end(handle, kind, end)?;
    let other = rt.hub.borrow_mut().guest_drop(e.rep, end)?;
    if let Some(other) = other {
        rt.complete(other);
    }
    Ok(())
}

fn what(end: End) -> &'static str {
    match end {
        End::Readable => "read",
        End::Writable => "write",
    }
}
