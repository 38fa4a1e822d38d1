//! Streams and futures: the channels behind them and the copies between their two ends — the
//! explainer's `SharedStreamImpl` / `SharedFutureImpl` with `stream_copy` / `future_copy`
//! (design/mvp/CanonicalABI.md), kept free of JavaScript so that it is tested natively.
//!
//! A [`Hub`] holds every channel of one thread, named by a `u32` *rep*. Each end is held by the
//! host (a handle of [`crate::abi`]'s, whose futures poll the hub) or by a guest (an entry in
//! its instance's [`Waitables`](crate::concurrent::Waitables), a [`GuestEnd`] here). At most
//! one read and one write are in progress per channel; a copy happens when the second of the
//! two arrives, as in the spec:
//!
//! - the operation that arrives second finishes at once, with the number of items copied;
//! - a guest operation that was waiting finishes with the same count (its event is a
//!   [`Completion`]); a guest read or write never waits for more items than one copy brings;
//! - a host write waits until its reader took every item (over as many reads as that takes),
//!   a host read until one copy brought it some (see [`crate::abi::Channels`]).
//!
//! The hub never touches guest memory itself. When a copy needs it, the hub says what to copy
//! ([`GuestCopy`], [`Settle`]) and the runtime does it with the guest's [`Cx`](crate::abi::Cx)
//! and the [`ElementCodec`] the channel learnt when one end crossed the host boundary. Progress
//! the *host* makes on a channel whose other end waits in a guest is never copied on the spot
//! (the host may be inside a call of that guest, holding its memory): the channel is marked
//! dirty ([`Hub::take_dirty`]) and the runtime settles it ([`Hub::settle`]) from the event
//! loop.

use std::any::Any;
use std::collections::VecDeque;
use std::task::{Poll, Waker};

use crate::abi::{ElementCodec, End, Kind, Trap, WriteResult};
use crate::concurrent::{Event, EventCode, BLOCKED};

/// A component instance, as the runtime numbers them.
pub type InstanceId = u32;

/// A guest's end of a channel: its instance and its handle there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestEnd {
    /// The instance holding it.
    pub instance: InstanceId,
    /// Its handle in that instance's waitables table.
    pub handle: u32,
}

/// How a copy ended: the low four bits of a copy result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Status {
    /// Items were copied (the count says how many), or a zero-length copy met the other side.
    Completed = 0,
    /// The other end was dropped; nothing more will come.
    Dropped = 1,
    /// Cancelled by the guest before anything was copied.
    Cancelled = 2,
}

/// A copy result as the guest reads it: `count << 4 | status` for a stream, the status alone
/// for a future (wit-bindgen compares a future's result with the bare codes).
pub fn pack(kind: Kind, count: u32, status: Status) -> u32 {
    match kind {
        Kind::Stream => (count << 4) | status as u32,
        Kind::Future => status as u32,
    }
}

/// The event code of a finished read or write.
pub fn event_code(kind: Kind, end: End) -> EventCode {
    match (kind, end) {
        (Kind::Stream, End::Readable) => EventCode::StreamRead,
        (Kind::Stream, End::Writable) => EventCode::StreamWrite,
        (Kind::Future, End::Readable) => EventCode::FutureRead,
        (Kind::Future, End::Writable) => EventCode::FutureWrite,
    }
}

/// The guest buffer of a read or write in progress (a future's is one value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffer {
    /// Whose buffer.
    pub end: GuestEnd,
    /// Where in its memory.
    pub ptr: u32,
    /// How many elements fit (a future: 1).
    pub count: u32,
}

/// A guest operation that had been waiting finished: the event to make pending on its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    /// The instance to deliver it to.
    pub instance: InstanceId,
    /// The event (its index is the end's handle).
    pub event: Event,
}

/// What a guest's `read`/`write` led to; the runtime finishes the copy.
pub enum GuestCopy {
    /// Nothing to copy: return `result` — a zero-length copy, the other end dropped, or
    /// `BLOCKED` (the guest waits for the end's event) — and deliver `other`, a waiting
    /// zero-length operation this one met.
    Now {
        /// What the operation returns.
        result: u32,
        /// The waiting operation that finished.
        other: Option<Completion>,
    },
    /// A read met a host write: lower `items` into the read's buffer with `codec`, then
    /// return `result`.
    Lower {
        /// The items the host wrote, in order (at most the buffer's count).
        items: Vec<Box<dyn Any>>,
        /// How to lower them.
        codec: &'static ElementCodec,
        /// What the read returns.
        result: u32,
    },
    /// A write met a host read: lift `count` items of the write's buffer with `codec`, hand
    /// them to [`Hub::deliver`], then return `result`.
    Lift {
        /// How many.
        count: u32,
        /// How to lift them.
        codec: &'static ElementCodec,
        /// What the write returns.
        result: u32,
    },
    /// Both ends are guests': lift `count` items from `from` and lower them into `to` (one of
    /// them is the caller's buffer); the other one's operation finished with `other`.
    Between {
        /// The writer's buffer.
        from: Buffer,
        /// The reader's buffer.
        to: Buffer,
        /// How many.
        count: u32,
        /// How to move them.
        codec: &'static ElementCodec,
        /// What the caller's operation returns.
        result: u32,
        /// The other (waiting) operation's event.
        other: Completion,
    },
}

/// A copy the host's progress made possible, for the runtime to carry out with the guest's
/// memory (see [`Hub::settle`]).
pub enum Settle {
    /// A guest read waited and the host wrote: lower `items` into `to`, then deliver
    /// `completion`.
    Lower {
        /// The read's buffer.
        to: Buffer,
        /// The items.
        items: Vec<Box<dyn Any>>,
        /// How to lower them.
        codec: &'static ElementCodec,
        /// The read's event.
        completion: Completion,
    },
    /// A guest write waited and the host read: lift `count` items of `from`, hand them to
    /// [`Hub::deliver`], then deliver `completion`.
    Lift {
        /// The write's buffer.
        from: Buffer,
        /// How many.
        count: u32,
        /// How to lift them.
        codec: &'static ElementCodec,
        /// The write's event.
        completion: Completion,
    },
    /// A waiting guest operation learnt that the host dropped the other end.
    Dropped(Completion),
}

/// Who holds an end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    Host,
    Guest(GuestEnd),
    Dropped,
}

enum Read {
    Host { max: usize },
    Guest(Buffer),
}

enum Write {
    Host {
        items: VecDeque<Box<dyn Any>>,
        total: usize,
    },
    Guest(Buffer),
}

struct Channel {
    kind: Kind,
    /// How to move items between guest memory and Rust values (learnt when an end crossed the
    /// host boundary).
    codec: Option<&'static ElementCodec>,
    readable: Holder,
    writable: Holder,
    read: Option<Read>,
    write: Option<Write>,
    /// What a finished host read brought, until its future picks it up.
    read_done: Option<Vec<Box<dyn Any>>>,
    /// How a finished host write ended, until its future picks it up.
    write_done: Option<WriteResult>,
    /// Items a host read had received when it was cancelled: the next read gets them first.
    spill: VecDeque<Box<dyn Any>>,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
    /// A future's value was delivered: nothing more will come.
    done: bool,
}

impl Channel {
    fn new(kind: Kind) -> Self {
        Channel {
            kind,
            codec: None,
            readable: Holder::Host,
            writable: Holder::Host,
            read: None,
            write: None,
            read_done: None,
            write_done: None,
            spill: VecDeque::new(),
            read_waker: None,
            write_waker: None,
            done: false,
        }
    }

    /// The most items one read may take: a future's one value.
    fn cap(&self, count: usize) -> usize {
        match self.kind {
            Kind::Stream => count,
            Kind::Future => count.min(1),
        }
    }

    fn codec(&self) -> Result<&'static ElementCodec, Trap> {
        self.codec.ok_or_else(|| {
            Trap::new("a stream or future copy between guest ends of unknown element type")
        })
    }

    fn wake_reader(&mut self) {
        if let Some(w) = self.read_waker.take() {
            w.wake();
        }
    }

    fn wake_writer(&mut self) {
        if let Some(w) = self.write_waker.take() {
            w.wake();
        }
    }

    /// Takes up to `n` items of the pending host write (or the spill), finishing the write when
    /// it is empty.
    fn take_host_items(&mut self, n: usize) -> Vec<Box<dyn Any>> {
        if !self.spill.is_empty() {
            let n = n.min(self.spill.len());
            return self.spill.drain(..n).collect();
        }
        let Some(Write::Host { items, total }) = &mut self.write else {
            return Vec::new();
        };
        let n = n.min(items.len());
        let taken: Vec<_> = items.drain(..n).collect();
        if items.is_empty() {
            self.write_done = Some(WriteResult {
                written: *total,
                dropped: false,
            });
            self.write = None;
            self.wake_writer();
        }
        if self.kind == Kind::Future && !taken.is_empty() {
            self.done = true;
        }
        taken
    }

    /// Items are waiting for a reader: a host write or spilled items.
    fn host_items(&self) -> usize {
        self.spill.len()
            + match &self.write {
                Some(Write::Host { items, .. }) => items.len(),
                _ => 0,
            }
    }
}

/// Every channel of one thread (see the module docs).
#[derive(Default)]
pub struct Hub {
    channels: Vec<Option<Channel>>,
    free: Vec<u32>,
    /// Channels where the host made progress that a waiting guest operation must see.
    dirty: Vec<u32>,
}

impl Hub {
    fn get(&mut self, rep: u32) -> Result<&mut Channel, Trap> {
        rep.checked_sub(1)
            .and_then(|i| self.channels.get_mut(i as usize))
            .and_then(Option::as_mut)
            .ok_or_else(|| Trap(format!("stream or future {rep} does not exist")))
    }

    fn mark(&mut self, rep: u32) {
        if !self.dirty.contains(&rep) {
            self.dirty.push(rep);
        }
    }

    /// A new channel, both ends held by the host; its rep (never 0, never one in use).
    pub fn new_channel(&mut self, kind: Kind) -> u32 {
        if let Some(rep) = self.free.pop() {
            self.channels[rep as usize - 1] = Some(Channel::new(kind));
            return rep;
        }
        self.channels.push(Some(Channel::new(kind)));
        self.channels.len() as u32
    }

    /// Whether the channel exists.
    pub fn exists(&self, rep: u32) -> bool {
        rep.checked_sub(1)
            .and_then(|i| self.channels.get(i as usize))
            .is_some_and(Option::is_some)
    }

    /// How many channels are alive (for tests and leak checks).
    pub fn len(&self) -> usize {
        self.channels.iter().filter(|c| c.is_some()).count()
    }

    /// Whether no channel is alive.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `end` of `rep` is now held by the guest end `guest` (`stream.new`, or a readable end
    /// lowered into a guest), whose copies use `codec` when one is known.
    pub fn give_to_guest(
        &mut self,
        rep: u32,
        end: End,
        guest: GuestEnd,
        codec: Option<&'static ElementCodec>,
    ) -> Result<(), Trap> {
        let c = self.get(rep)?;
        match end {
            End::Readable => c.readable = Holder::Guest(guest),
            End::Writable => c.writable = Holder::Guest(guest),
        }
        if c.codec.is_none() {
            c.codec = codec;
        }
        Ok(())
    }

    /// The readable end of `rep` left its guest and is the host's (a lifted stream or future);
    /// `codec` is its element type's.
    pub fn take_to_host(&mut self, rep: u32, codec: &'static ElementCodec) -> Result<(), Trap> {
        let c = self.get(rep)?;
        if c.read.is_some() {
            return Err(Trap::new(
                "a stream or future was passed on while a read on it is in progress",
            ));
        }
        c.readable = Holder::Host;
        if c.codec.is_none() {
            c.codec = Some(codec);
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // The guest's operations (its built-ins), with its memory at hand.

    /// A guest `stream.read`/`future.read` into `buf` (the caller checked that `buf.end`
    /// holds the readable end of `rep` and no read is in progress on it).
    pub fn guest_read(&mut self, rep: u32, buf: Buffer) -> Result<GuestCopy, Trap> {
        let c = self.get(rep)?;
        let kind = c.kind;
        if c.kind == Kind::Future && c.done {
            return Err(Trap::new("a future was read after its value was read"));
        }
        if c.host_items() > 0 {
            if buf.count == 0 {
                return Ok(now(pack(kind, 0, Status::Completed)));
            }
            let codec = c.codec()?;
            let items = c.take_host_items(c.cap(buf.count as usize));
            let result = pack(kind, items.len() as u32, Status::Completed);
            return Ok(GuestCopy::Lower {
                items,
                codec,
                result,
            });
        }
        match c.write.take() {
            Some(Write::Guest(w)) if w.count == 0 => {
                // A zero-length write waited: it completes, and this read waits in its place.
                c.read = Some(Read::Guest(buf));
                Ok(GuestCopy::Now {
                    result: BLOCKED,
                    other: Some(completion(kind, End::Writable, w.end, 0, Status::Completed)),
                })
            }
            Some(Write::Guest(w)) if buf.count == 0 => {
                c.write = Some(Write::Guest(w));
                Ok(now(pack(kind, 0, Status::Completed)))
            }
            Some(Write::Guest(w)) => {
                let codec = c.codec()?;
                let count = w.count.min(buf.count);
                if kind == Kind::Future {
                    c.done = true;
                }
                Ok(GuestCopy::Between {
                    from: w,
                    to: buf,
                    count,
                    codec,
                    result: pack(kind, count, Status::Completed),
                    other: completion(kind, End::Writable, w.end, count, Status::Completed),
                })
            }
            Some(Write::Host { .. }) => unreachable!("an empty host write is finished"),
            None if c.writable == Holder::Dropped => Ok(now(pack(kind, 0, Status::Dropped))),
            None => {
                c.read = Some(Read::Guest(buf));
                Ok(now(BLOCKED))
            }
        }
    }

    /// A guest `stream.write`/`future.write` of `buf` (the caller checked that `buf.end`
    /// holds the writable end of `rep` and no write is in progress on it).
    pub fn guest_write(&mut self, rep: u32, buf: Buffer) -> Result<GuestCopy, Trap> {
        let c = self.get(rep)?;
        let kind = c.kind;
        if c.readable == Holder::Dropped {
            return Ok(now(pack(kind, 0, Status::Dropped)));
        }
        if buf.count == 0 && matches!(c.read, Some(Read::Host { .. })) {
            return Ok(now(pack(kind, 0, Status::Completed)));
        }
        match c.read.take() {
            Some(Read::Host { max }) => {
                let codec = c.codec()?;
                let count = (max.min(buf.count as usize)) as u32;
                if kind == Kind::Future {
                    c.done = true;
                }
                Ok(GuestCopy::Lift {
                    count,
                    codec,
                    result: pack(kind, count, Status::Completed),
                })
            }
            Some(Read::Guest(r)) if r.count == 0 => {
                // A zero-length read waited: it completes, and this write waits in its place.
                c.write = Some(Write::Guest(buf));
                Ok(GuestCopy::Now {
                    result: BLOCKED,
                    other: Some(completion(kind, End::Readable, r.end, 0, Status::Completed)),
                })
            }
            Some(Read::Guest(r)) if buf.count == 0 => {
                c.read = Some(Read::Guest(r));
                Ok(now(pack(kind, 0, Status::Completed)))
            }
            Some(Read::Guest(r)) => {
                let codec = c.codec()?;
                let count = r.count.min(buf.count);
                if kind == Kind::Future {
                    c.done = true;
                }
                Ok(GuestCopy::Between {
                    from: buf,
                    to: r,
                    count,
                    codec,
                    result: pack(kind, count, Status::Completed),
                    other: completion(kind, End::Readable, r.end, count, Status::Completed),
                })
            }
            None => {
                c.write = Some(Write::Guest(buf));
                Ok(now(BLOCKED))
            }
        }
    }

    /// What a [`GuestCopy::Lift`] or [`Settle::Lift`] lifted: the host's read has its items.
    pub fn deliver(&mut self, rep: u32, items: Vec<Box<dyn Any>>) -> Result<(), Trap> {
        let c = self.get(rep)?;
        c.read_done = Some(items);
        c.wake_reader();
        Ok(())
    }

    /// A guest `cancel-read`/`cancel-write` on its `end` of `rep`: whether its operation was
    /// still waiting (now removed, to be reported `CANCELLED`); `false` when it had finished
    /// already (its event is pending on the end).
    pub fn guest_cancel(&mut self, rep: u32, end: End) -> Result<bool, Trap> {
        let c = self.get(rep)?;
        let slot = match end {
            End::Readable => matches!(c.read, Some(Read::Guest(_))),
            End::Writable => matches!(c.write, Some(Write::Guest(_))),
        };
        if slot {
            match end {
                End::Readable => c.read = None,
                End::Writable => c.write = None,
            }
        }
        Ok(slot)
    }

    /// A guest dropped its `end` of `rep` (no copy of its own was in progress: the caller
    /// checked). A waiting operation on the other end learns it: a host one at once, a guest
    /// one through the returned completion.
    pub fn guest_drop(&mut self, rep: u32, end: End) -> Result<Option<Completion>, Trap> {
        let completion = self.drop_end(rep, end)?;
        self.collect(rep);
        Ok(completion)
    }

    // -----------------------------------------------------------------------------------------
    // The host's operations (its handles), which never copy into or out of a guest on the spot.

    /// The host dropped its `end` of `rep`. A guest waiting on the other end is told through
    /// [`Hub::settle`] (the channel is marked dirty).
    pub fn host_drop(&mut self, rep: u32, end: End) {
        // A host drop returns no completion: `drop_end` marks the channel instead.
        let _ = self.drop_end(rep, end);
        self.collect(rep);
    }

    fn drop_end(&mut self, rep: u32, end: End) -> Result<Option<Completion>, Trap> {
        let host = {
            let c = self.get(rep)?;
            let holder = match end {
                End::Readable => &mut c.readable,
                End::Writable => &mut c.writable,
            };
            let host = *holder == Holder::Host;
            *holder = Holder::Dropped;
            host
        };
        let kind = self.get(rep)?.kind;
        let c = self.get(rep)?;
        let waiting = match end {
            End::Readable => {
                c.read = None;
                c.read_done = None;
                c.spill.clear();
                match c.write.take() {
                    Some(Write::Host { items, total }) => {
                        c.write_done = Some(WriteResult {
                            written: total - items.len(),
                            dropped: true,
                        });
                        c.wake_writer();
                        None
                    }
                    Some(Write::Guest(w)) => Some((End::Writable, w)),
                    None => {
                        c.wake_writer();
                        None
                    }
                }
            }
            End::Writable => {
                c.write = None;
                c.wake_reader();
                match c.read.take() {
                    // The host's read sees the end when it polls.
                    Some(Read::Host { max }) => {
                        c.read = Some(Read::Host { max });
                        None
                    }
                    Some(Read::Guest(r)) => Some((End::Readable, r)),
                    None => None,
                }
            }
        };
        match waiting {
            None => Ok(None),
            Some((their_end, buf)) if host => {
                // Told on settling: put the operation back, mark the channel.
                let c = self.get(rep)?;
                match their_end {
                    End::Readable => c.read = Some(Read::Guest(buf)),
                    End::Writable => c.write = Some(Write::Guest(buf)),
                }
                self.mark(rep);
                Ok(None)
            }
            Some((their_end, buf)) => Ok(Some(completion(
                kind,
                their_end,
                buf.end,
                0,
                Status::Dropped,
            ))),
        }
    }

    /// Frees the channel once both ends are gone and nothing is left to pick up.
    fn collect(&mut self, rep: u32) {
        let gone = self.get(rep).is_ok_and(|c| {
            c.readable == Holder::Dropped
                && c.writable == Holder::Dropped
                && c.read.is_none()
                && c.write.is_none()
        });
        if gone {
            self.channels[rep as usize - 1] = None;
            self.free.push(rep);
            self.dirty.retain(|d| *d != rep);
        }
    }

    /// Polls the host's read of at most `max` items from `rep`: `Some(items)` (at least one),
    /// `None` at the end (the writer dropped its end and nothing is left), or pending.
    pub fn poll_host_read(
        &mut self,
        rep: u32,
        max: usize,
        waker: &Waker,
    ) -> Poll<Option<Vec<Box<dyn Any>>>> {
        let Ok(c) = self.get(rep) else {
            return Poll::Ready(None);
        };
        if let Some(items) = c.read_done.take() {
            c.read = None;
            return Poll::Ready(Some(items));
        }
        if c.kind == Kind::Future && c.done {
            return Poll::Ready(None);
        }
        let max = c.cap(max.max(1));
        if c.host_items() > 0 {
            c.read = None;
            return Poll::Ready(Some(c.take_host_items(max)));
        }
        let guest_writes = matches!(c.write, Some(Write::Guest(_)));
        if !guest_writes && c.writable == Holder::Dropped {
            c.read = None;
            return Poll::Ready(None);
        }
        c.read = Some(Read::Host { max });
        c.read_waker = Some(waker.clone());
        if guest_writes {
            self.mark(rep);
        }
        Poll::Pending
    }

    /// The host's read future was dropped: the read stops; items it had been given but not
    /// taken go back to the front of the channel.
    pub fn cancel_host_read(&mut self, rep: u32) {
        if let Ok(c) = self.get(rep) {
            if matches!(c.read, Some(Read::Host { .. })) {
                c.read = None;
            }
            if let Some(items) = c.read_done.take() {
                for item in items.into_iter().rev() {
                    c.spill.push_front(item);
                }
            }
            c.read_waker = None;
        }
    }

    /// The host starts writing `items` to `rep` (the caller polls [`Hub::poll_host_write`]).
    pub fn start_host_write(&mut self, rep: u32, items: Vec<Box<dyn Any>>) {
        let Ok(c) = self.get(rep) else { return };
        let total = items.len();
        c.write_done = None;
        if total == 0 {
            c.write_done = Some(WriteResult {
                written: 0,
                dropped: c.readable == Holder::Dropped,
            });
            return;
        }
        if c.readable == Holder::Dropped {
            c.write_done = Some(WriteResult {
                written: 0,
                dropped: true,
            });
            return;
        }
        c.write = Some(Write::Host {
            items: items.into(),
            total,
        });
        match c.read {
            Some(Read::Guest(_)) => self.mark(rep),
            Some(Read::Host { .. }) => c.wake_reader(),
            None => {}
        }
    }

    /// Polls the host's write of `rep`: finished (all items taken, or the reader dropped) or
    /// pending.
    pub fn poll_host_write(&mut self, rep: u32, waker: &Waker) -> Poll<WriteResult> {
        let Ok(c) = self.get(rep) else {
            return Poll::Ready(WriteResult {
                written: 0,
                dropped: true,
            });
        };
        if let Some(done) = c.write_done.take() {
            return Poll::Ready(done);
        }
        if let Some(Read::Host { max }) = c.read {
            // Host to host: the items move as they are.
            let items = c.take_host_items(max);
            c.read = None;
            c.read_done = Some(items);
            c.wake_reader();
            if let Some(done) = c.write_done.take() {
                return Poll::Ready(done);
            }
        }
        c.write_waker = Some(waker.clone());
        if matches!(c.read, Some(Read::Guest(_))) {
            self.mark(rep);
        }
        Poll::Pending
    }

    /// The host's write future was dropped: the items not taken are dropped.
    pub fn cancel_host_write(&mut self, rep: u32) {
        if let Ok(c) = self.get(rep) {
            if matches!(c.write, Some(Write::Host { .. })) {
                c.write = None;
            }
            c.write_done = None;
            c.write_waker = None;
        }
    }

    // -----------------------------------------------------------------------------------------
    // Settling: the host's progress meets a waiting guest operation.

    /// Whether a channel waits to be settled.
    pub fn has_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// The channels to [`settle`](Hub::settle) (each once), emptying the list.
    pub fn take_dirty(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.dirty)
    }

    /// The copy or drop notice the host's progress on `rep` allows for a waiting guest
    /// operation, if any (the operation is finished by it; the runtime carries it out).
    pub fn settle(&mut self, rep: u32) -> Result<Option<Settle>, Trap> {
        let c = self.get(rep)?;
        let kind = c.kind;
        match c.read.take() {
            Some(Read::Guest(to)) if c.host_items() > 0 => {
                let codec = c.codec()?;
                let items = c.take_host_items(c.cap(to.count as usize));
                let n = items.len() as u32;
                return Ok(Some(Settle::Lower {
                    to,
                    items,
                    codec,
                    completion: completion(kind, End::Readable, to.end, n, Status::Completed),
                }));
            }
            Some(Read::Guest(to)) if c.writable == Holder::Dropped && c.write.is_none() => {
                return Ok(Some(Settle::Dropped(completion(
                    kind,
                    End::Readable,
                    to.end,
                    0,
                    Status::Dropped,
                ))));
            }
            other => c.read = other,
        }
        match c.write.take() {
            Some(Write::Guest(from)) if c.readable == Holder::Dropped => Ok(Some(Settle::Dropped(
                completion(kind, End::Writable, from.end, 0, Status::Dropped),
            ))),
            Some(Write::Guest(from)) => match c.read.take() {
                Some(Read::Host { max }) => {
                    let codec = c.codec()?;
                    let count = (max.min(from.count as usize)) as u32;
                    if kind == Kind::Future {
                        c.done = true;
                    }
                    Ok(Some(Settle::Lift {
                        from,
                        count,
                        codec,
                        completion: completion(
                            kind,
                            End::Writable,
                            from.end,
                            count,
                            Status::Completed,
                        ),
                    }))
                }
                other => {
                    c.read = other;
                    c.write = Some(Write::Guest(from));
                    Ok(None)
                }
            },
            other => {
                c.write = other;
                Ok(None)
            }
        }
    }
}

fn completion(kind: Kind, end: End, guest: GuestEnd, count: u32, status: Status) -> Completion {
    Completion {
        instance: guest.instance,
        event: Event {
            code: event_code(kind, end),
            index: guest.handle,
            payload: pack(kind, count, status),
        },
    }
}

fn now(result: u32) -> GuestCopy {
    GuestCopy::Now {
        result,
        other: None,
    }
}

#[cfg(test)]
mod tests;
