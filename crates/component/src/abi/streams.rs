//! `stream<T>` and `future<T>` values, host side: the handle types generated bindings use and
//! the contract the runtime ([`Channels`]) implements for them.
//!
//! # One Rust type per WIT type, whatever the direction
//!
//! A `stream<T>` value is always its **readable end**, so in generated code `stream<T>` is
//! [`StreamReader<T>`] and `future<T>` is [`FutureReader<T>`], in parameters and results, of
//! imports and exports alike (the explainer: a stream value passed in a call is the readable
//! end; the writer stays with whoever created the stream). The writable ends,
//! [`StreamWriter<T>`] and [`FutureWriter<T>`], exist only on the host, made with [`stream`] /
//! [`future`]:
//!
//! - a host import `bytes-from-host: func(n: u32) -> stream<u8>`: the host calls
//!   `let (mut w, r) = abi::stream::<u8>();`, spawns a task writing into `w`, and returns `r`;
//! - a host import `sum-bytes: async func(s: stream<u8>) -> …` gets a `StreamReader<u8>` whose
//!   writer is the guest's, and reads it with [`StreamReader::read`] / [`StreamReader::next`];
//! - calling a guest export with a `stream<T>` parameter: pass the reader of a host-made stream;
//!   a guest export returning `stream<T>` gives the host a reader whose writer the guest keeps.
//!
//! # Channels and ends
//!
//! The runtime keeps every stream or future as a **channel** with a readable and a writable
//! end, named by a `u32` *rep* the runtime chooses (not a guest handle: a rep is never
//! reused while either end is alive). Each end is held either by the host (one of the four
//! handle types here, which own it: dropping one drops that end) or by a guest instance (an
//! entry in its waitables table, the handle the guest sees).
//!
//! Ownership transfers, as the generated lift/lower code performs them:
//!
//! | value | generated call | end moved |
//! |---|---|---|
//! | a `stream`/`future` **lifted from** the guest (a param of a host import, a result of a guest export, a `task.return` value) | [`stream_lift`] / [`future_lift`] → [`Channels::lift_readable`] | the readable end leaves the guest's table (it must be a readable end of that type, idle; else a trap) and is the host's, as the returned reader |
//! | a `stream`/`future` **lowered into** the guest (a result of a host import, a param of a guest export) | [`stream_lower`] / [`future_lower`] → [`Channels::lower_readable`] | the host-held readable end (the reader is consumed) enters the guest's table; the guest's new handle is the core value |
//!
//! The writable end never moves in a lift or a lower: for a lifted stream the guest keeps
//! writing, for a lowered one the host's [`StreamWriter`] keeps writing. When a readable end
//! enters a guest, the runtime learns the element [`ElementCodec`] to copy items with; when
//! one leaves a guest, the codec of the guest's writes comes with it. A channel with both ends
//! host-held never touches guest memory: its items stay boxed Rust values.
//!
//! # Copies
//!
//! The runtime copies between a guest buffer `(ptr, count)` of `stream.read`/`stream.write`
//! (or the one value of `future.read`/`future.write`) and host items with
//! [`ElementCodec::lower_items`] / [`ElementCodec::lift_items`], inside the guest's call (with
//! its [`Cx`]): they range-check the whole buffer first, as `load_list_from_range` does, then
//! lift/lower element `i` at `ptr + i * size` with the generated functions. A copy between two
//! guests' ends lifts from one and lowers into the other.
//!
//! The runtime is reached through the [`Channels`] installed on this thread
//! ([`install_channels`]); the handles keep an `Rc` to it.

use core::any::Any;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use std::cell::RefCell;
use std::rc::Rc;

use super::{check_range, Cx, Trap};

/// An [`ElementCodec`]'s lift: the element at a guest address, boxed as its Rust type.
pub type LiftElement = fn(&mut Cx<'_>, u32) -> Result<Box<dyn Any>, Trap>;

/// An [`ElementCodec`]'s lower: a boxed element written at a guest address.
pub type LowerElement = fn(&mut Cx<'_>, u32, Box<dyn Any>) -> Result<(), Trap>;

/// How to move one element of a stream or future between guest memory and a Rust value:
/// generated per element type (one `static` per type), from wit-parser's `SizeAlign` and
/// wit-bindgen-core's `lift_from_memory` / `lower_to_memory`.
pub struct ElementCodec {
    /// The element type as WIT spells it (`u8`, `string`, `point`; `_` for a stream or future
    /// without payload), for messages.
    pub ty: &'static str,
    /// The element's size in guest memory (0 for no payload).
    pub size: u32,
    /// The element's alignment in guest memory (a power of two).
    pub align: u32,
    /// Lifts the element at `ptr` (in bounds and aligned: the caller checked): the value boxed
    /// as the element's Rust type. Strings and lists are copied out.
    pub lift: LiftElement,
    /// Lowers a value (boxed as the element's Rust type, else a trap) at `ptr` (checked by the
    /// caller); strings and lists go through `realloc`.
    pub lower: LowerElement,
}

impl fmt::Debug for ElementCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ElementCodec({}, size {}, align {})",
            self.ty, self.size, self.align
        )
    }
}

impl ElementCodec {
    /// Lifts `count` elements from the guest buffer at `ptr` (what a guest's `stream.write`
    /// offers): the whole range is checked first (alignment, bounds), then element `i` is lifted
    /// at `ptr + i * size`.
    pub fn lift_items(
        &self,
        cx: &mut Cx<'_>,
        ptr: u32,
        count: u32,
    ) -> Result<Vec<Box<dyn Any>>, Trap> {
        let bytes = self.buffer_bytes(count)?;
        check_range(cx, ptr as i32, bytes, self.align)?;
        (0..count)
            .map(|i| (self.lift)(cx, ptr + i * self.size))
            .collect()
    }

    /// Lowers `items` into the guest buffer at `ptr` (what a guest's `stream.read` offers; the
    /// runtime passes at most the buffer's count): the range is checked first, then item `i`
    /// is lowered at `ptr + i * size`.
    pub fn lower_items(
        &self,
        cx: &mut Cx<'_>,
        ptr: u32,
        items: Vec<Box<dyn Any>>,
    ) -> Result<(), Trap> {
        let count = u32::try_from(items.len())
            .map_err(|_| Trap::new("too many stream items for one copy"))?;
        let bytes = self.buffer_bytes(count)?;
        check_range(cx, ptr as i32, bytes, self.align)?;
        for (i, item) in (0u32..).zip(items) {
            (self.lower)(cx, ptr + i * self.size, item)?;
        }
        Ok(())
    }

    fn buffer_bytes(&self, count: u32) -> Result<u32, Trap> {
        count
            .checked_mul(self.size)
            .ok_or_else(|| Trap::new("stream buffer out of bounds"))
    }
}

/// The element a codec's `lower` got, as the type it lowers (a runtime bug otherwise).
pub fn element<T: 'static>(value: Box<dyn Any>) -> Result<T, Trap> {
    value
        .downcast::<T>()
        .map(|v| *v)
        .map_err(|_| Trap::new("a stream or future item of another type (a runtime bug)"))
}

/// A stream or a future.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `stream<T>`.
    Stream,
    /// `future<T>`: at most one item, then the channel is done.
    Future,
}

impl Kind {
    /// `"stream"` or `"future"`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Stream => "stream",
            Kind::Future => "future",
        }
    }
}

/// One end of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum End {
    /// The reading end.
    Readable,
    /// The writing end.
    Writable,
}

/// The writer side finished a host write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteResult {
    /// How many of the items the reader took (from the front).
    pub written: usize,
    /// The readable end was dropped (the items past `written` were not taken).
    pub dropped: bool,
}

/// The reader went away: its end was dropped before it took every item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the reader was dropped after taking {written} item(s)")]
pub struct Dropped {
    /// How many items it took before.
    pub written: usize,
}

/// A future the runtime returns to a handle (single-threaded, `'static`).
pub type ChannelFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// What the runtime implements for streams and futures (the copy state machine: the explainer's
/// `ReadableStreamEnd`/`WritableStreamEnd`, `SharedStreamImpl`, and the future equivalents).
///
/// All methods are called on the runtime's thread, outside any `Channels` call (no
/// re-entrance), and never with a rep whose end the caller does not hold.
pub trait Channels {
    /// A new channel, both ends held by the host (the caller wraps them in a writer and a
    /// reader). Items written by the host stay boxed Rust values until a guest end is
    /// involved.
    fn new_channel(&self, kind: Kind) -> u32;

    /// The host reads from the readable end of `rep` (it holds it): resolves with at least one
    /// and at most `max` items (a future: `max` is 1) once the writer offers some — a guest
    /// `stream.write`, lifted with that guest's codec inside its call, or a host write — and
    /// `None` once the writable end is dropped and nothing is left (a future: dropped without
    /// a value). At most one read per end at a time. Dropping the returned future cancels the
    /// read: items not yet delivered stay in the channel.
    fn host_read(&self, rep: u32, max: usize) -> ChannelFuture<Option<Vec<Box<dyn Any>>>>;

    /// The host writes `items` (boxed element values) to the writable end of `rep`: resolves
    /// once the reader took all of them — a guest reader over as many `stream.read`s as it
    /// needs, each lowering with the codec its end came with, inside the guest's call —, or
    /// earlier with `dropped` once the readable end is dropped. At most one write per end at a
    /// time; dropping the returned future cancels it (items not taken are dropped).
    fn host_write(&self, rep: u32, items: Vec<Box<dyn Any>>) -> ChannelFuture<WriteResult>;

    /// The host drops its `end` of `rep` (a reader or writer was dropped): the other end sees
    /// the drop (`DROPPED` for a guest, `None`/`dropped` for the host). When both ends are gone
    /// the rep is free.
    fn drop_end(&self, rep: u32, end: End);

    /// Lifting a `stream`/`future` value (`handle`, a guest handle in the table of the instance
    /// being lifted from, i.e. the one whose `Cx` this is): it must be a readable end of `kind`
    /// (and the guest's element type: the runtime knows the guest's type of the handle) and
    /// idle (no read in progress), else a trap. The end leaves the guest's table and is held
    /// by the host from now on; returns the channel's rep. `codec` is the element type's.
    fn lift_readable(
        &self,
        cx: &mut Cx<'_>,
        kind: Kind,
        handle: u32,
        codec: &'static ElementCodec,
    ) -> Result<u32, Trap>;

    /// Lowering a host-held readable end of `rep` into the instance being lowered into: the end
    /// becomes a new entry of its waitables table, whose handle is returned (the core value).
    /// From now on the guest's `stream.read`/`future.read` copy with `codec`.
    fn lower_readable(
        &self,
        cx: &mut Cx<'_>,
        kind: Kind,
        rep: u32,
        codec: &'static ElementCodec,
    ) -> Result<u32, Trap>;
}

thread_local! {
    static CHANNELS: RefCell<Option<Rc<dyn Channels>>> = const { RefCell::new(None) };
}

/// Installs the runtime's [`Channels`] on this thread (the runtime does so before running
/// guests; tests install a fake). Handles made afterwards use it; returns the previous one.
pub fn install_channels(channels: Option<Rc<dyn Channels>>) -> Option<Rc<dyn Channels>> {
    CHANNELS.with(|c| core::mem::replace(&mut *c.borrow_mut(), channels))
}

fn channels() -> Result<Rc<dyn Channels>, Trap> {
    CHANNELS
        .with(|c| c.borrow().clone())
        .ok_or_else(|| Trap::new("no stream runtime (`Channels`) installed"))
}

struct EndRef {
    channels: Rc<dyn Channels>,
    rep: u32,
    end: End,
    /// Moved into a guest: dropping does not drop the end.
    moved: bool,
}

impl Drop for EndRef {
    fn drop(&mut self) {
        if !self.moved {
            self.channels.drop_end(self.rep, self.end);
        }
    }
}

impl fmt::Debug for EndRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}({})", self.end, self.rep)
    }
}

/// The readable end of a `stream<T>`, held by the host (the Rust type of `stream<T>`).
/// Dropping it drops the end (the writer sees `DROPPED`).
pub struct StreamReader<T> {
    end: EndRef,
    done: bool,
    _t: PhantomData<fn() -> T>,
}

/// The writable end of a `stream<T>`, held by the host. Dropping it ends the stream.
pub struct StreamWriter<T> {
    end: EndRef,
    _t: PhantomData<fn(T)>,
}

/// The readable end of a `future<T>`, held by the host (the Rust type of `future<T>`).
pub struct FutureReader<T> {
    end: EndRef,
    _t: PhantomData<fn() -> T>,
}

/// The writable end of a `future<T>`, held by the host; [`FutureWriter::write`] consumes it.
pub struct FutureWriter<T> {
    end: EndRef,
    _t: PhantomData<fn(T)>,
}

fn end_ref(channels: Rc<dyn Channels>, rep: u32, end: End) -> EndRef {
    EndRef {
        channels,
        rep,
        end,
        moved: false,
    }
}

/// A new stream whose both ends the host holds: keep the writer, hand the reader to a guest
/// (return it from a host import, pass it to a guest export). Panics when no [`Channels`] is
/// installed (a host set-up bug).
pub fn stream<T: 'static>() -> (StreamWriter<T>, StreamReader<T>) {
    let c = channels().expect("abi::stream");
    let rep = c.new_channel(Kind::Stream);
    (
        StreamWriter {
            end: end_ref(c.clone(), rep, End::Writable),
            _t: PhantomData,
        },
        StreamReader {
            end: end_ref(c, rep, End::Readable),
            done: false,
            _t: PhantomData,
        },
    )
}

/// A new future whose both ends the host holds (as [`stream`]).
pub fn future<T: 'static>() -> (FutureWriter<T>, FutureReader<T>) {
    let c = channels().expect("abi::future");
    let rep = c.new_channel(Kind::Future);
    (
        FutureWriter {
            end: end_ref(c.clone(), rep, End::Writable),
            _t: PhantomData,
        },
        FutureReader {
            end: end_ref(c, rep, End::Readable),
            _t: PhantomData,
        },
    )
}

fn unbox<T: 'static>(items: Vec<Box<dyn Any>>) -> Vec<T> {
    items
        .into_iter()
        .map(|i| {
            *i.downcast::<T>()
                .expect("the runtime delivered a stream item of another type")
        })
        .collect()
}

fn boxed<T: 'static>(items: Vec<T>) -> Vec<Box<dyn Any>> {
    items
        .into_iter()
        .map(|i| Box::new(i) as Box<dyn Any>)
        .collect()
}

impl<T: 'static> StreamReader<T> {
    /// The channel's rep.
    pub fn rep(&self) -> u32 {
        self.end.rep
    }

    /// Reads between 1 and `max` items (`max` of 0 counts as 1) as soon as the writer offers
    /// some; `None` once the writer dropped its end and everything was read (and on every read
    /// after).
    pub async fn read(&mut self, max: usize) -> Option<Vec<T>> {
        if self.done {
            return None;
        }
        match self.end.channels.host_read(self.end.rep, max.max(1)).await {
            Some(items) => Some(unbox(items)),
            None => {
                self.done = true;
                None
            }
        }
    }

    /// The next item; `None` at the end of the stream.
    pub async fn next(&mut self) -> Option<T> {
        self.read(1).await.and_then(|v| v.into_iter().next())
    }

    /// Reads to the end of the stream.
    pub async fn collect(&mut self) -> Vec<T> {
        let mut all = Vec::new();
        while let Some(items) = self.read(usize::MAX).await {
            all.extend(items);
        }
        all
    }
}

impl<T: 'static> StreamWriter<T> {
    /// The channel's rep.
    pub fn rep(&self) -> u32 {
        self.end.rep
    }

    /// Writes all of `items` (over as many reads as the reader makes): `Ok(items.len())`, or
    /// [`Dropped`] with how many it took if the reader went away first.
    pub async fn write(&mut self, items: Vec<T>) -> Result<usize, Dropped> {
        let n = items.len();
        let r = self
            .end
            .channels
            .host_write(self.end.rep, boxed(items))
            .await;
        if r.dropped {
            Err(Dropped { written: r.written })
        } else {
            debug_assert_eq!(r.written, n);
            Ok(r.written)
        }
    }
}

impl<T: 'static> FutureReader<T> {
    /// The channel's rep.
    pub fn rep(&self) -> u32 {
        self.end.rep
    }

    /// The value, once written; `None` if the writer dropped its end without writing.
    pub async fn read(self) -> Option<T> {
        let items = self.end.channels.host_read(self.end.rep, 1).await?;
        unbox(items).into_iter().next()
    }
}

impl<T: 'static> FutureWriter<T> {
    /// The channel's rep.
    pub fn rep(&self) -> u32 {
        self.end.rep
    }

    /// Writes the value: `Ok` once the reader took it, [`Dropped`] if it went away first.
    pub async fn write(self, value: T) -> Result<(), Dropped> {
        let r = self
            .end
            .channels
            .host_write(self.end.rep, boxed(vec![value]))
            .await;
        if r.dropped {
            Err(Dropped { written: 0 })
        } else {
            Ok(())
        }
    }
}

macro_rules! handle_impls {
    ($($ty:ident),*) => {$(
        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($ty), self.end)
            }
        }
        /// The same end of the same channel (two live handles never are; for `derive`s).
        impl<T> PartialEq for $ty<T> {
            fn eq(&self, other: &Self) -> bool {
                self.end.rep == other.end.rep && Rc::ptr_eq(&self.end.channels, &other.end.channels)
            }
        }
    )*};
}
handle_impls!(StreamReader, StreamWriter, FutureReader, FutureWriter);

/// Lifts a `stream<T>` value: the guest's readable end `handle` becomes the host's reader (see
/// the module docs). Generated code passes the element type's codec.
pub fn stream_lift<T: 'static>(
    cx: &mut Cx<'_>,
    handle: i32,
    codec: &'static ElementCodec,
) -> Result<StreamReader<T>, Trap> {
    let c = channels()?;
    let rep = c.lift_readable(cx, Kind::Stream, handle as u32, codec)?;
    Ok(StreamReader {
        end: end_ref(c, rep, End::Readable),
        done: false,
        _t: PhantomData,
    })
}

/// Lowers a `stream<T>` value: the host's reader goes into the guest's table; its handle.
pub fn stream_lower<T: 'static>(
    cx: &mut Cx<'_>,
    reader: StreamReader<T>,
    codec: &'static ElementCodec,
) -> Result<i32, Trap> {
    let mut reader = reader;
    if reader.done {
        return Err(Trap::new("a finished stream cannot be passed to a guest"));
    }
    lower_end(cx, Kind::Stream, &mut reader.end, codec)
}

/// Lifts a `future<T>` value (as [`stream_lift`]).
pub fn future_lift<T: 'static>(
    cx: &mut Cx<'_>,
    handle: i32,
    codec: &'static ElementCodec,
) -> Result<FutureReader<T>, Trap> {
    let c = channels()?;
    let rep = c.lift_readable(cx, Kind::Future, handle as u32, codec)?;
    Ok(FutureReader {
        end: end_ref(c, rep, End::Readable),
        _t: PhantomData,
    })
}

/// Lowers a `future<T>` value (as [`stream_lower`]).
pub fn future_lower<T: 'static>(
    cx: &mut Cx<'_>,
    reader: FutureReader<T>,
    codec: &'static ElementCodec,
) -> Result<i32, Trap> {
    let mut reader = reader;
    lower_end(cx, Kind::Future, &mut reader.end, codec)
}

fn lower_end(
    cx: &mut Cx<'_>,
    kind: Kind,
    end: &mut EndRef,
    codec: &'static ElementCodec,
) -> Result<i32, Trap> {
    let handle = end.channels.lower_readable(cx, kind, end.rep, codec)?;
    end.moved = true;
    Ok(handle as i32)
}
