//! `stream<T>` / `future<T>` values through the generated bindings (the `async` test world of
//! tests/worlds/wit and tests/wit/streams.wit), against a fake runtime: an in-memory
//! [`Channels`] whose "guest" side is a handle table plus the copy built-ins
//! (`stream.new`/`read`/`write`/`drop-*` as the runtime would run them), copying with the
//! generated [`ElementCodec`]s on a [`VecMemory`]. Layouts come from wit-parser's `SizeAlign`.

#![deny(warnings)]

#[allow(dead_code)]
mod aw {
    include!("generated/async_world.rs");
}
#[allow(dead_code)]
mod st {
    include!("generated/streams.rs");
}

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use aw::types::Point;
use gfx_component::abi::testing::VecMemory;
use gfx_component::abi::{
    self, ChannelFuture, Channels, Cx, ElementCodec, End, FutureReader, Kind, Pending,
    ResourceTables, StreamReader, Trap, WriteResult,
};
use st::stream_src::Rec;
use wit_parser::{Resolve, SizeAlign, Type, TypeDefKind};

// ---------------------------------------------------------------------------------------------
// The fake runtime.

#[derive(Default)]
struct Chan {
    items: VecDeque<Box<dyn Any>>,
    /// Items of the current host write still in `items`'s front, and that write's length.
    host_writing: Option<usize>,
    readable_dropped: bool,
    writable_dropped: bool,
}

struct GuestEnd {
    rep: u32,
    end: End,
    kind: Kind,
    codec: &'static ElementCodec,
}

#[derive(Default)]
struct State {
    chans: RefCell<BTreeMap<u32, Chan>>,
    next_rep: Cell<u32>,
    /// The guest's waitables table (handles start at 1).
    guest: RefCell<BTreeMap<u32, GuestEnd>>,
    next_handle: Cell<u32>,
    /// `drop_end` calls from the host.
    host_drops: RefCell<Vec<(u32, End)>>,
}

#[derive(Clone, Default)]
struct Fake(Rc<State>);

impl Channels for Fake {
    fn new_channel(&self, _kind: Kind) -> u32 {
        self.0.new_rep()
    }

    fn host_read(&self, rep: u32, max: usize) -> ChannelFuture<Option<Vec<Box<dyn Any>>>> {
        let s = self.0.clone();
        Box::pin(std::future::poll_fn(move |_| {
            let mut chans = s.chans.borrow_mut();
            let c = chans.get_mut(&rep).expect("live channel");
            if !c.items.is_empty() {
                let n = max.min(c.items.len());
                Poll::Ready(Some(c.items.drain(..n).collect()))
            } else if c.writable_dropped {
                Poll::Ready(None)
            } else {
                Poll::Pending
            }
        }))
    }

    fn host_write(&self, rep: u32, items: Vec<Box<dyn Any>>) -> ChannelFuture<WriteResult> {
        let n = items.len();
        {
            let mut chans = self.0.chans.borrow_mut();
            let c = chans.get_mut(&rep).expect("live channel");
            assert!(c.host_writing.is_none(), "one write at a time");
            c.items.extend(items);
            c.host_writing = Some(n);
        }
        let s = self.0.clone();
        Box::pin(std::future::poll_fn(move |_| {
            let mut chans = s.chans.borrow_mut();
            let c = chans.get_mut(&rep).expect("live channel");
            if c.readable_dropped {
                let written = n - c.items.len();
                c.items.clear();
                c.host_writing = None;
                Poll::Ready(WriteResult {
                    written,
                    dropped: true,
                })
            } else if c.items.is_empty() {
                c.host_writing = None;
                Poll::Ready(WriteResult {
                    written: n,
                    dropped: false,
                })
            } else {
                Poll::Pending
            }
        }))
    }

    fn drop_end(&self, rep: u32, end: End) {
        self.0.host_drops.borrow_mut().push((rep, end));
        self.0.set_dropped(rep, end);
    }

    fn lift_readable(
        &self,
        _cx: &mut Cx<'_>,
        kind: Kind,
        handle: u32,
        codec: &'static ElementCodec,
    ) -> Result<u32, Trap> {
        let mut guest = self.0.guest.borrow_mut();
        let e = guest
            .get(&handle)
            .ok_or_else(|| Trap::new("unknown stream handle"))?;
        if e.end != End::Readable || e.kind != kind {
            return Err(Trap::new("not a readable end of that kind"));
        }
        if !std::ptr::eq(e.codec, codec) {
            return Err(Trap::new("a stream of another type"));
        }
        Ok(guest.remove(&handle).expect("present").rep)
    }

    fn lower_readable(
        &self,
        _cx: &mut Cx<'_>,
        kind: Kind,
        rep: u32,
        codec: &'static ElementCodec,
    ) -> Result<u32, Trap> {
        Ok(self.0.insert(GuestEnd {
            rep,
            end: End::Readable,
            kind,
            codec,
        }))
    }
}

impl State {
    fn new_rep(&self) -> u32 {
        let rep = self.next_rep.get() + 1;
        self.next_rep.set(rep);
        self.chans.borrow_mut().insert(rep, Chan::default());
        rep
    }

    fn set_dropped(&self, rep: u32, end: End) {
        let mut chans = self.chans.borrow_mut();
        let c = chans.get_mut(&rep).expect("live channel");
        match end {
            End::Readable => c.readable_dropped = true,
            End::Writable => c.writable_dropped = true,
        }
    }

    fn insert(&self, e: GuestEnd) -> u32 {
        let h = self.next_handle.get() + 1;
        self.next_handle.set(h);
        self.guest.borrow_mut().insert(h, e);
        h
    }

    fn end(&self, handle: u32, end: End) -> (u32, &'static ElementCodec) {
        let guest = self.guest.borrow();
        let e = &guest[&handle];
        assert_eq!(e.end, end);
        (e.rep, e.codec)
    }

    /// `stream.new` / `future.new` in the guest: (readable, writable) handles.
    fn guest_new(&self, kind: Kind, codec: &'static ElementCodec) -> (u32, u32) {
        let rep = self.new_rep();
        let r = self.insert(GuestEnd {
            rep,
            end: End::Readable,
            kind,
            codec,
        });
        let w = self.insert(GuestEnd {
            rep,
            end: End::Writable,
            kind,
            codec,
        });
        (r, w)
    }

    /// `stream.write(w, ptr, n)`: lifts the guest's buffer with the end's codec (inside the
    /// call), hands the items to the reader.
    fn guest_write(&self, cx: &mut Cx<'_>, w: u32, ptr: u32, n: u32) -> Result<(), Trap> {
        let (rep, codec) = self.end(w, End::Writable);
        let items = codec.lift_items(cx, ptr, n)?;
        self.chans
            .borrow_mut()
            .get_mut(&rep)
            .expect("live")
            .items
            .extend(items);
        Ok(())
    }

    /// `stream.read(r, ptr, n)`: `Some(count)` copied (lowered with the end's codec), `None`
    /// at the end (the writer dropped), `Some(0)` when nothing is there yet (would block).
    fn guest_read(&self, cx: &mut Cx<'_>, r: u32, ptr: u32, n: u32) -> Result<Option<u32>, Trap> {
        let (rep, codec) = self.end(r, End::Readable);
        let items: Vec<Box<dyn Any>> = {
            let mut chans = self.chans.borrow_mut();
            let c = chans.get_mut(&rep).expect("live");
            if c.items.is_empty() && c.writable_dropped {
                return Ok(None);
            }
            let k = (n as usize).min(c.items.len());
            c.items.drain(..k).collect()
        };
        let k = items.len() as u32;
        codec.lower_items(cx, ptr, items)?;
        Ok(Some(k))
    }

    /// `stream.drop-*` in the guest.
    fn guest_drop(&self, handle: u32) {
        let e = self
            .guest
            .borrow_mut()
            .remove(&handle)
            .expect("live handle");
        self.set_dropped(e.rep, e.end);
    }
}

fn install() -> Fake {
    let fake = Fake::default();
    abi::install_channels(Some(Rc::new(fake.clone())));
    fake
}

// ---------------------------------------------------------------------------------------------
// The hosts.

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// A host whose writers run as tasks the test polls ("spawned").
#[derive(Default)]
struct Host {
    tasks: Vec<Task>,
    /// Writes as the tasks saw their results.
    log: Rc<RefCell<Vec<String>>>,
    /// Readers the host kept (`hold-stream`, `take`).
    held_u8: Vec<StreamReader<u8>>,
    held_recs: Vec<StreamReader<Rec>>,
}

impl Host {
    fn spawn(&mut self, f: impl Future<Output = ()> + 'static) {
        self.tasks.push(Box::pin(f));
    }

    /// Polls every task once (a turn of the event loop); finished ones are removed.
    fn turn(&mut self) {
        let mut task = Context::from_waker(Waker::noop());
        self.tasks
            .retain_mut(|t| t.as_mut().poll(&mut task).is_pending());
    }

    fn stream_of<T: 'static>(&mut self, items: Vec<T>) -> StreamReader<T> {
        let (mut w, r) = abi::stream::<T>();
        let log = self.log.clone();
        self.spawn(async move {
            let res = w.write(items).await;
            log.borrow_mut().push(format!("write: {res:?}"));
        });
        r
    }

    fn future_of<T: 'static>(&mut self, value: T) -> FutureReader<T> {
        let (w, r) = abi::future::<T>();
        let log = self.log.clone();
        self.spawn(async move {
            let res = w.write(value).await;
            log.borrow_mut().push(format!("future write: {res:?}"));
        });
        r
    }
}

type Fut<T> = Pin<Box<dyn Future<Output = T>>>;

impl aw::host_async::Host for Host {
    fn sleep_then_echo(&mut self, _: u32) -> Fut<u32> {
        unreachable!()
    }
    fn sleep_then_reverse(&mut self, _: String) -> Fut<String> {
        unreachable!()
    }
    fn pending_forever(&mut self) -> Fut<u32> {
        unreachable!()
    }
    fn cancelled_calls(&mut self) -> u32 {
        unreachable!()
    }
    fn bytes_from_host(&mut self, n: u32) -> StreamReader<u8> {
        self.stream_of((0..n).map(|i| i as u8).collect())
    }
    fn words_from_host(&mut self) -> StreamReader<String> {
        self.stream_of(["one", "two", "three", "four"].map(String::from).to_vec())
    }
    fn endless(&mut self) -> StreamReader<u32> {
        unreachable!()
    }
    fn silent(&mut self) -> StreamReader<u8> {
        abi::stream::<u8>().1
    }
    fn sum_bytes(&mut self, mut s: StreamReader<u8>) -> Fut<(Vec<u32>, u32)> {
        Box::pin(async move {
            let (mut sizes, mut sum) = (Vec::new(), 0u32);
            while let Some(items) = s.read(8).await {
                sizes.push(items.len() as u32);
                sum += items.iter().map(|b| u32::from(*b)).sum::<u32>();
            }
            (sizes, sum)
        })
    }
    fn collect_points(&mut self, mut s: StreamReader<Point>) -> Fut<Vec<Point>> {
        Box::pin(async move { s.collect().await })
    }
    fn take_two(&mut self, _: StreamReader<u32>) -> Fut<Vec<u32>> {
        unreachable!()
    }
    fn hold_stream(&mut self, s: StreamReader<u8>) {
        self.held_u8.push(s);
    }
    fn future_from_host(&mut self, x: u32) -> FutureReader<u32> {
        self.future_of(x + 1)
    }
    fn string_future_from_host(&mut self, s: String) -> FutureReader<String> {
        self.future_of(s.chars().rev().collect())
    }
    fn await_u32(&mut self, f: FutureReader<u32>) -> Fut<u32> {
        Box::pin(async move { f.read().await.unwrap_or(0).wrapping_mul(2) })
    }
    fn await_string(&mut self, _: FutureReader<String>) -> Fut<String> {
        unreachable!()
    }
    fn drop_future(&mut self, f: FutureReader<u32>) {
        drop(f);
    }
}

impl st::stream_src::Host for Host {
    fn recs(&mut self) -> StreamReader<Rec> {
        self.stream_of(vec![
            Rec {
                a: 7,
                b: 0x0102_0304_0506_0708,
                name: "first".into(),
            },
            Rec {
                a: 255,
                b: u64::MAX,
                name: "ü".into(),
            },
        ])
    }
    fn ticks(&mut self) -> StreamReader<()> {
        self.stream_of(vec![(), (), ()])
    }
    fn done(&mut self) -> FutureReader<()> {
        self.future_of(())
    }
    fn nested(&mut self) -> StreamReader<StreamReader<u8>> {
        let inner = self.stream_of(vec![9u8, 8]);
        self.stream_of(vec![inner])
    }
    fn maybe(&mut self, some: bool) -> Option<StreamReader<u8>> {
        some.then(|| self.stream_of(vec![1u8]))
    }
    fn take(&mut self, s: StreamReader<Rec>) -> u32 {
        self.held_recs.push(s);
        7
    }
    fn later(&mut self, x: u32) -> Fut<FutureReader<u32>> {
        let f = self.future_of(x * 10);
        Box::pin(async move { f })
    }
}

struct Inst {
    mem: VecMemory,
    tables: ResourceTables,
}

impl Inst {
    fn new() -> Self {
        Inst {
            mem: VecMemory::new(1, 1024),
            tables: ResourceTables::new(),
        }
    }
    fn cx(&mut self) -> Cx<'_> {
        Cx {
            memory: &mut self.mem,
            resources: &mut self.tables,
            instance: 0,
        }
    }
    fn u32_at(&self, ptr: u32) -> u32 {
        u32::from_le_bytes(self.mem.get(ptr, 4).try_into().expect("4 bytes"))
    }
    fn string_at(&self, ptr: u32) -> String {
        let (p, n) = (self.u32_at(ptr), self.u32_at(ptr + 4));
        String::from_utf8(self.mem.get(p, n).to_vec()).expect("utf-8")
    }
}

fn block_on<F: Future>(mut f: Pin<&mut F>) -> Option<F::Output> {
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

fn drive(p: &mut Pending) {
    let mut task = Context::from_waker(Waker::noop());
    assert!(p.poll(&mut task).is_ready(), "not ready");
}

/// wit-parser's layout of type `name` of `iface` in `dir`: (size, align, field offsets).
fn layout(dir: &str, iface: &str, name: &str) -> (u32, u32, Vec<u32>) {
    let mut resolve = Resolve::default();
    resolve
        .push_path(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .expect("wit");
    let mut sizes = SizeAlign::default();
    sizes.fill(&resolve);
    let i = resolve
        .interfaces
        .iter()
        .find(|(_, i)| i.name.as_deref() == Some(iface))
        .expect("iface")
        .1;
    let id = i.types[name];
    let ty = Type::Id(id);
    let offs = match &resolve.types[id].kind {
        TypeDefKind::Record(r) => sizes
            .field_offsets(r.fields.iter().map(|f| &f.ty))
            .into_iter()
            .map(|(o, _)| o.size_wasm32() as u32)
            .collect(),
        _ => Vec::new(),
    };
    (
        sizes.size(&ty).size_wasm32() as u32,
        sizes.align(&ty).align_wasm32() as u32,
        offs,
    )
}

fn scalar_layout(ty: Type) -> (u32, u32) {
    let sizes = SizeAlign::default();
    (
        sizes.size(&ty).size_wasm32() as u32,
        sizes.align(&ty).align_wasm32() as u32,
    )
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn one_codec_per_element_type_with_wit_parsers_layout() {
    assert_eq!(aw::CODEC_0.ty, "u8");
    assert_eq!(
        (aw::CODEC_0.size, aw::CODEC_0.align),
        scalar_layout(Type::U8)
    );
    assert_eq!(aw::CODEC_1.ty, "string");
    assert_eq!(
        (aw::CODEC_1.size, aw::CODEC_1.align),
        scalar_layout(Type::String)
    );
    assert_eq!(aw::CODEC_2.ty, "u32");
    assert_eq!(aw::CODEC_3.ty, "point");
    let (size, align, _) = layout("../../tests/worlds/wit", "types", "point");
    assert_eq!((aw::CODEC_3.size, aw::CODEC_3.align), (size, align));
    let rec = &st::CODEC_0;
    assert_eq!(rec.ty, "rec");
    let (size, align, _) = layout("tests/wit", "stream-src", "rec");
    assert_eq!((rec.size, rec.align), (size, align));
    assert_eq!(
        (st::CODEC_1.ty, st::CODEC_1.size, st::CODEC_1.align),
        ("_", 0, 1)
    );
}

/// `bytes-from-host(5)`: the result's readable end goes into the guest's table; the guest
/// reads 3, then the rest, then sees the end; the host's write finishes once all were taken.
#[test]
fn a_host_stream_of_bytes_is_read_by_the_guest() {
    let fake = install();
    let mut host = Host::default();
    let mut inst = Inst::new();
    let h = aw::host_async_bytes_from_host(&mut inst.cx(), &mut host, 5).expect("lowers") as u32;
    assert_eq!(fake.0.guest.borrow()[&h].end, End::Readable);
    assert!(std::ptr::eq(fake.0.guest.borrow()[&h].codec, &aw::CODEC_0));
    host.turn(); // the writer offers its items
    inst.mem.put(100, &[0xee; 8]);
    assert_eq!(fake.0.guest_read(&mut inst.cx(), h, 100, 3), Ok(Some(3)));
    assert_eq!(
        inst.mem.get(100, 8),
        &[0, 1, 2, 0xee, 0xee, 0xee, 0xee, 0xee]
    );
    host.turn();
    assert!(host.log.borrow().is_empty(), "not all taken yet");
    assert_eq!(fake.0.guest_read(&mut inst.cx(), h, 200, 8), Ok(Some(2)));
    assert_eq!(inst.mem.get(200, 3), &[3, 4, 0]);
    host.turn();
    assert_eq!(*host.log.borrow(), ["write: Ok(5)"]);
    assert!(host.tasks.is_empty());
    // The writer was dropped with its task: the end of the stream.
    assert_eq!(fake.0.guest_read(&mut inst.cx(), h, 200, 8), Ok(None));
    assert_eq!(*fake.0.host_drops.borrow(), [(1, End::Writable)]);
}

/// `words-from-host`: strings are lowered through `realloc` at wit-parser's element stride.
#[test]
fn a_host_stream_of_strings_lowers_each_through_realloc() {
    let fake = install();
    let mut host = Host::default();
    let mut inst = Inst::new();
    let h = aw::host_async_words_from_host(&mut inst.cx(), &mut host).expect("lowers") as u32;
    host.turn();
    let (size, _) = scalar_layout(Type::String);
    let buf = inst.mem.alloc(4, &vec![0; 3 * size as usize]);
    let before = inst.mem.reallocs.len();
    assert_eq!(fake.0.guest_read(&mut inst.cx(), h, buf, 3), Ok(Some(3)));
    assert_eq!(
        inst.mem.reallocs.len() - before,
        3,
        "one realloc per string"
    );
    let words: Vec<String> = (0..3).map(|i| inst.string_at(buf + i * size)).collect();
    assert_eq!(words, ["one", "two", "three"]);
    assert_eq!(fake.0.guest_read(&mut inst.cx(), h, buf, 3), Ok(Some(1)));
    assert_eq!(inst.string_at(buf), "four");
    // A misaligned or out-of-bounds buffer traps before anything is copied.
    let fake2 = install();
    let h = aw::host_async_words_from_host(&mut inst.cx(), &mut host).expect("lowers") as u32;
    host.turn();
    assert!(fake2.0.guest_read(&mut inst.cx(), h, buf + 1, 1).is_err());
    let end = inst.mem.bytes.len() as u32;
    assert!(fake2.0.guest_read(&mut inst.cx(), h, end - 4, 1).is_err());
    drop(fake);
}

/// `recs` (streams.wit): a record with a u8, a u64 and a string at wit-parser's field
/// offsets; and the same record lifted back when the guest writes it into a stream it passes
/// to `take`.
#[test]
fn records_cross_at_wit_parsers_field_offsets_both_ways() {
    let fake = install();
    let mut host = Host::default();
    let mut inst = Inst::new();
    let (size, align, offs) = layout("tests/wit", "stream-src", "rec");
    let h = st::stream_src_recs(&mut inst.cx(), &mut host).expect("lowers") as u32;
    host.turn();
    let buf = inst.mem.alloc(align, &vec![0; 2 * size as usize]);
    assert_eq!(fake.0.guest_read(&mut inst.cx(), h, buf, 2), Ok(Some(2)));
    let second = buf + size;
    assert_eq!(inst.mem.get(buf + offs[0], 1), &[7]);
    assert_eq!(
        inst.mem.get(buf + offs[1], 8),
        &0x0102_0304_0506_0708u64.to_le_bytes()
    );
    assert_eq!(inst.string_at(buf + offs[2]), "first");
    assert_eq!(inst.mem.get(second + offs[0], 1), &[255]);
    assert_eq!(inst.mem.get(second + offs[1], 8), &[0xff; 8]);
    assert_eq!(inst.string_at(second + offs[2]), "ü");

    // The guest makes a stream, passes its readable end to `take`, writes the two records.
    let (r, w) = fake.0.guest_new(Kind::Stream, &st::CODEC_0);
    assert_eq!(
        st::stream_src_take(&mut inst.cx(), &mut host, r as i32),
        Ok(7)
    );
    assert!(
        !fake.0.guest.borrow().contains_key(&r),
        "the readable end left the guest"
    );
    fake.0
        .guest_write(&mut inst.cx(), w, buf, 2)
        .expect("lifts");
    inst.mem.put(buf, &vec![0xaa; 2 * size as usize]); // the guest reuses its buffer
    fake.0.guest_drop(w);
    let mut reader = host.held_recs.pop().expect("kept");
    let got = block_on(std::pin::pin!(reader.collect())).expect("all there");
    assert_eq!(got[0].a, 7);
    assert_eq!(got[0].b, 0x0102_0304_0506_0708);
    assert_eq!(got[0].name, "first");
    assert_eq!(
        (got[1].a, got[1].b, got[1].name.as_str()),
        (255, u64::MAX, "ü")
    );
    drop(reader);
    let (rep, end) = *fake.0.host_drops.borrow().last().expect("dropped");
    assert_eq!(end, End::Readable);
    assert!(fake.0.chans.borrow()[&rep].readable_dropped);
}

/// A guest write of a bad element (invalid UTF-8, a string out of bounds) traps inside the
/// guest's call, before the reader sees anything.
#[test]
fn lifting_bad_elements_traps() {
    let fake = install();
    let mut host = Host::default();
    let mut inst = Inst::new();
    let (size, align, offs) = layout("tests/wit", "stream-src", "rec");
    let (r, w) = fake.0.guest_new(Kind::Stream, &st::CODEC_0);
    st::stream_src_take(&mut inst.cx(), &mut host, r as i32).expect("lifts");
    let bad = inst.mem.alloc(1, &[0xff, 0xfe]);
    let mut rec = vec![0u8; size as usize];
    rec[offs[2] as usize..offs[2] as usize + 4].copy_from_slice(&bad.to_le_bytes());
    rec[offs[2] as usize + 4..offs[2] as usize + 8].copy_from_slice(&2u32.to_le_bytes());
    let buf = inst.mem.alloc(align, &rec);
    assert!(fake.0.guest_write(&mut inst.cx(), w, buf, 1).is_err());
    rec[offs[2] as usize..offs[2] as usize + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    inst.mem.put(buf, &rec);
    assert!(fake.0.guest_write(&mut inst.cx(), w, buf, 1).is_err());
    assert!(
        fake.0.guest_write(&mut inst.cx(), w, buf + 1, 1).is_err(),
        "misaligned"
    );
    let mut reader = host.held_recs.pop().expect("kept");
    assert!(
        block_on(std::pin::pin!(reader.next())).is_none(),
        "nothing delivered"
    );
}

/// Lifting a handle that is not a readable end of that type traps (and leaves it in place).
#[test]
fn lifting_the_wrong_handle_traps() {
    let fake = install();
    let mut host = Host::default();
    let mut inst = Inst::new();
    let (r, w) = fake.0.guest_new(Kind::Stream, &st::CODEC_0);
    assert!(
        st::stream_src_take(&mut inst.cx(), &mut host, w as i32).is_err(),
        "writable end"
    );
    assert!(
        st::stream_src_take(&mut inst.cx(), &mut host, 999).is_err(),
        "no such handle"
    );
    let (r8, _) = fake.0.guest_new(Kind::Stream, &aw::CODEC_0);
    assert!(
        st::stream_src_take(&mut inst.cx(), &mut host, r8 as i32).is_err(),
        "stream<u8>"
    );
    let (fr, _) = fake.0.guest_new(Kind::Future, &st::CODEC_0);
    assert!(
        st::stream_src_take(&mut inst.cx(), &mut host, fr as i32).is_err(),
        "a future"
    );
    assert!(fake.0.guest.borrow().contains_key(&r));
    assert_eq!(
        st::stream_src_take(&mut inst.cx(), &mut host, r as i32),
        Ok(7)
    );
}

/// `sum-bytes` (async, a stream parameter): the stream is lifted during the call; the host's
/// future reads it in reads of 8 while the guest writes; the result lands at the retptr.
#[test]
fn an_async_import_reads_a_guest_stream() {
    let fake = install();
    let mut host = Host::default();
    let mut inst = Inst::new();
    let (r, w) = fake.0.guest_new(Kind::Stream, &aw::CODEC_0);
    let mut p = aw::host_async_sum_bytes(&mut inst.cx(), &mut host, r as i32, 512).expect("starts");
    let mut task = Context::from_waker(Waker::noop());
    assert!(p.poll(&mut task).is_pending());
    let data: Vec<u8> = (1..=11).collect();
    let buf = inst.mem.alloc(1, &data);
    fake.0
        .guest_write(&mut inst.cx(), w, buf, 11)
        .expect("write");
    assert!(p.poll(&mut task).is_pending(), "until the end");
    fake.0.guest_drop(w);
    drive(&mut p);
    p.complete(&mut inst.cx()).expect("lowers");
    let (ptr, len, sum) = (inst.u32_at(512), inst.u32_at(516), inst.u32_at(520));
    assert_eq!(len, 2);
    assert_eq!((inst.u32_at(ptr), inst.u32_at(ptr + 4)), (8, 3));
    assert_eq!(sum, 66);
}

/// `future-from-host(41)`: the guest's `future.read` gets 42 at its pointer; `await-u32`
/// lifts a guest future and the host awaits it.
#[test]
fn futures_cross_both_ways() {
    let fake = install();
    let mut host = Host::default();
    let mut inst = Inst::new();
    let h = aw::host_async_future_from_host(&mut inst.cx(), &mut host, 41).expect("lowers") as u32;
    assert_eq!(fake.0.guest.borrow()[&h].kind, Kind::Future);
    host.turn();
    assert_eq!(fake.0.guest_read(&mut inst.cx(), h, 300, 1), Ok(Some(1)));
    assert_eq!(inst.u32_at(300), 42);
    host.turn();
    assert_eq!(*host.log.borrow(), ["future write: Ok(())"]);

    let (r, w) = fake.0.guest_new(Kind::Future, &aw::CODEC_2);
    let mut p = aw::host_async_await_u32(&mut inst.cx(), &mut host, r as i32, 400).expect("starts");
    let mut task = Context::from_waker(Waker::noop());
    assert!(p.poll(&mut task).is_pending());
    let v = inst.mem.alloc(4, &21u32.to_le_bytes());
    fake.0.guest_write(&mut inst.cx(), w, v, 1).expect("write");
    drive(&mut p);
    p.complete(&mut inst.cx()).expect("lowers");
    assert_eq!(inst.u32_at(400), 42);
}

/// `drop-future` drops the host's reader at once: the runtime hears `drop_end(Readable)`.
#[test]
fn dropping_a_lifted_reader_drops_its_end() {
    let fake = install();
    let mut host = Host::default();
    let mut inst = Inst::new();
    let (r, _w) = fake.0.guest_new(Kind::Future, &aw::CODEC_2);
    aw::host_async_drop_future(&mut inst.cx(), &mut host, r as i32).expect("lifts");
    let rep = {
        let drops = fake.0.host_drops.borrow();
        assert_eq!(drops.len(), 1);
        assert_eq!(drops[0].1, End::Readable);
        drops[0].0
    };
    assert!(fake.0.chans.borrow()[&rep].readable_dropped);
    // `hold-stream` keeps it: no drop until the host lets go.
    let (r, _w) = fake.0.guest_new(Kind::Stream, &aw::CODEC_0);
    aw::host_async_hold_stream(&mut inst.cx(), &mut host, r as i32).expect("lifts");
    assert_eq!(fake.0.host_drops.borrow().len(), 1);
    host.held_u8.clear();
    assert_eq!(fake.0.host_drops.borrow().len(), 2);
}

/// Payload-less streams and futures (size 0), a stream of streams (the inner reader is
/// lowered into the guest by the outer codec), a stream inside an option, and an async
/// import whose result is a future (lowered at `complete`).
#[test]
fn unit_nested_optional_and_async_results() {
    let fake = install();
    let mut host = Host::default();
    let mut inst = Inst::new();
    let h = st::stream_src_ticks(&mut inst.cx(), &mut host).expect("lowers") as u32;
    host.turn();
    assert_eq!(fake.0.guest_read(&mut inst.cx(), h, 0, 5), Ok(Some(3)));
    let h = st::stream_src_done(&mut inst.cx(), &mut host).expect("lowers") as u32;
    host.turn();
    assert_eq!(fake.0.guest_read(&mut inst.cx(), h, 0, 1), Ok(Some(1)));

    let outer = st::stream_src_nested(&mut inst.cx(), &mut host).expect("lowers") as u32;
    host.turn();
    assert_eq!(
        fake.0.guest_read(&mut inst.cx(), outer, 600, 1),
        Ok(Some(1))
    );
    let inner = inst.u32_at(600);
    assert_eq!(fake.0.guest.borrow()[&inner].end, End::Readable);
    assert_eq!(
        fake.0.guest_read(&mut inst.cx(), inner, 700, 4),
        Ok(Some(2))
    );
    assert_eq!(inst.mem.get(700, 2), &[9, 8]);

    st::stream_src_maybe(&mut inst.cx(), &mut host, 0, 800).expect("none");
    assert_eq!(inst.mem.get(800, 1), &[0]);
    st::stream_src_maybe(&mut inst.cx(), &mut host, 1, 800).expect("some");
    assert_eq!(inst.mem.get(800, 1), &[1]);
    let h = inst.u32_at(804);
    assert!(std::ptr::eq(fake.0.guest.borrow()[&h].codec, &st::CODEC_3));

    let mut p = st::stream_src_later(&mut inst.cx(), &mut host, 4, 900).expect("starts");
    let before = fake.0.guest.borrow().len();
    drive(&mut p);
    assert_eq!(
        fake.0.guest.borrow().len(),
        before,
        "lowered only at complete"
    );
    p.complete(&mut inst.cx()).expect("lowers");
    let f = inst.u32_at(900);
    host.turn();
    assert_eq!(fake.0.guest_read(&mut inst.cx(), f, 904, 1), Ok(Some(1)));
    assert_eq!(inst.u32_at(904), 40);
}
