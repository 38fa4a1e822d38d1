//! The copy rules of [`Hub`], natively: each test drives both ends the way the runtime does
//! (the guest's built-ins with a [`VecMemory`], the host's futures with a counting waker) and
//! checks what each side sees.

use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

use super::*;
use crate::abi::testing::VecMemory;
use crate::abi::{load_u8, store_i8, Cx, ResourceTables};

static U8: ElementCodec = ElementCodec {
    ty: "u8",
    size: 1,
    align: 1,
    lift: |cx, ptr| Ok(Box::new(load_u8(cx, ptr as i32, 0)? as u8)),
    lower: |cx, ptr, v| store_i8(cx, ptr as i32, 0, crate::abi::element::<u8>(v)? as i32),
};

const INST: InstanceId = 1;
const READER: GuestEnd = GuestEnd {
    instance: INST,
    handle: 5,
};
const WRITER: GuestEnd = GuestEnd {
    instance: INST,
    handle: 6,
};

#[derive(Default)]
struct Count(AtomicUsize);
impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

struct World {
    hub: Hub,
    mem: VecMemory,
    res: ResourceTables,
    wakes: Arc<Count>,
    waker: Waker,
}

impl World {
    fn new() -> Self {
        let wakes = Arc::new(Count::default());
        World {
            hub: Hub::default(),
            mem: VecMemory::new(1, 1024),
            res: ResourceTables::default(),
            waker: Waker::from(wakes.clone()),
            wakes,
        }
    }

    fn woken(&self) -> usize {
        self.wakes.0.load(Ordering::SeqCst)
    }

    fn cx(&mut self) -> Cx<'_> {
        Cx {
            memory: &mut self.mem,
            resources: &mut self.res,
            instance: INST,
        }
    }

    /// A stream whose readable end `reader` or writable end `writer` is the guest's.
    fn channel(&mut self, kind: Kind, reader: bool, writer: bool) -> u32 {
        let rep = self.hub.new_channel(kind);
        if reader {
            self.hub
                .give_to_guest(rep, End::Readable, READER, Some(&U8))
                .unwrap();
        }
        if writer {
            self.hub
                .give_to_guest(rep, End::Writable, WRITER, Some(&U8))
                .unwrap();
        }
        rep
    }

    /// Carries out a guest operation's copy as the runtime does; (its result, the other's
    /// completion).
    fn finish(&mut self, rep: u32, copy: GuestCopy, ptr: u32) -> (u32, Option<Completion>) {
        match copy {
            GuestCopy::Now { result, other } => (result, other),
            GuestCopy::Lower {
                items,
                codec,
                result,
            } => {
                codec.lower_items(&mut self.cx(), ptr, items).unwrap();
                (result, None)
            }
            GuestCopy::Lift {
                count,
                codec,
                result,
            } => {
                let items = codec.lift_items(&mut self.cx(), ptr, count).unwrap();
                self.hub.deliver(rep, items).unwrap();
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
                let items = codec.lift_items(&mut self.cx(), from.ptr, count).unwrap();
                codec.lower_items(&mut self.cx(), to.ptr, items).unwrap();
                (result, Some(other))
            }
        }
    }

    fn read(&mut self, rep: u32, ptr: u32, count: u32) -> (u32, Option<Completion>) {
        let copy = self
            .hub
            .guest_read(
                rep,
                Buffer {
                    end: READER,
                    ptr,
                    count,
                },
            )
            .unwrap();
        self.finish(rep, copy, ptr)
    }

    fn write(&mut self, rep: u32, ptr: u32, data: &[u8]) -> (u32, Option<Completion>) {
        self.mem.put(ptr, data);
        let copy = self
            .hub
            .guest_write(
                rep,
                Buffer {
                    end: WRITER,
                    ptr,
                    count: data.len() as u32,
                },
            )
            .unwrap();
        self.finish(rep, copy, ptr)
    }

    /// Settles every dirty channel as the runtime's event loop does; the completions.
    fn settle(&mut self) -> Vec<Completion> {
        let mut out = Vec::new();
        for rep in self.hub.take_dirty() {
            match self.hub.settle(rep).unwrap() {
                None => {}
                Some(Settle::Lower {
                    to,
                    items,
                    codec,
                    completion,
                }) => {
                    codec.lower_items(&mut self.cx(), to.ptr, items).unwrap();
                    out.push(completion);
                }
                Some(Settle::Lift {
                    from,
                    count,
                    codec,
                    completion,
                }) => {
                    let items = codec.lift_items(&mut self.cx(), from.ptr, count).unwrap();
                    self.hub.deliver(rep, items).unwrap();
                    out.push(completion);
                }
                Some(Settle::Dropped(c)) => out.push(c),
            }
        }
        out
    }

    fn host_read(&mut self, rep: u32, max: usize) -> Poll<Option<Vec<u8>>> {
        self.hub
            .poll_host_read(rep, max, &self.waker)
            .map(|o| o.map(bytes))
    }

    fn host_write(&mut self, rep: u32) -> Poll<WriteResult> {
        self.hub.poll_host_write(rep, &self.waker)
    }

    fn bytes_at(&self, ptr: u32, n: usize) -> Vec<u8> {
        self.mem.bytes[ptr as usize..ptr as usize + n].to_vec()
    }
}

fn boxed(data: &[u8]) -> Vec<Box<dyn Any>> {
    data.iter().map(|b| Box::new(*b) as Box<dyn Any>).collect()
}

fn bytes(items: Vec<Box<dyn Any>>) -> Vec<u8> {
    items
        .into_iter()
        .map(|i| *i.downcast::<u8>().unwrap())
        .collect()
}

fn done(n: u32) -> u32 {
    pack(Kind::Stream, n, Status::Completed)
}

fn event(end: GuestEnd, code: EventCode, payload: u32) -> Completion {
    Completion {
        instance: end.instance,
        event: Event {
            code,
            index: end.handle,
            payload,
        },
    }
}

#[test]
fn guest_reads_take_at_most_their_capacity_of_a_host_write_which_waits_for_all_of_it() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, true, false);
    w.hub
        .start_host_write(rep, boxed(&(0..20).collect::<Vec<u8>>()));
    assert_eq!(w.host_write(rep), Poll::Pending);
    assert_eq!(w.read(rep, 100, 8), (done(8), None));
    assert_eq!(w.bytes_at(100, 8), (0..8).collect::<Vec<u8>>());
    assert_eq!(w.read(rep, 100, 8), (done(8), None));
    assert_eq!(w.host_write(rep), Poll::Pending, "4 items left");
    assert_eq!(w.read(rep, 100, 8), (done(4), None));
    assert_eq!(w.bytes_at(100, 4), vec![16, 17, 18, 19]);
    assert!(
        w.woken() >= 1,
        "the writer is woken when its last item is taken"
    );
    assert_eq!(
        w.host_write(rep),
        Poll::Ready(WriteResult {
            written: 20,
            dropped: false
        })
    );
    // The next read waits; the host dropping its writer ends it with DROPPED, on settling.
    assert_eq!(w.read(rep, 100, 8), (BLOCKED, None));
    w.hub.host_drop(rep, End::Writable);
    assert_eq!(
        w.settle(),
        vec![event(
            READER,
            EventCode::StreamRead,
            pack(Kind::Stream, 0, Status::Dropped)
        )]
    );
    assert_eq!(
        w.read(rep, 100, 8),
        (pack(Kind::Stream, 0, Status::Dropped), None)
    );
}

#[test]
fn a_host_read_ends_a_guest_write_after_taking_part_of_it() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, false, true);
    assert_eq!(w.host_read(rep, 8), Poll::Pending);
    let data: Vec<u8> = (1..=20).collect();
    assert_eq!(
        w.write(rep, 200, &data),
        (done(8), None),
        "one read's worth"
    );
    assert_eq!(w.host_read(rep, 8), Poll::Ready(Some((1..=8).collect())));
    // The rest waits for the next read, which is copied when the channel settles.
    assert_eq!(w.write(rep, 208, &data[8..]), (BLOCKED, None));
    assert_eq!(w.host_read(rep, 8), Poll::Pending);
    assert_eq!(
        w.settle(),
        vec![event(WRITER, EventCode::StreamWrite, done(8))]
    );
    assert_eq!(w.host_read(rep, 8), Poll::Ready(Some((9..=16).collect())));
}

#[test]
fn a_waiting_guest_read_gets_a_later_host_write_when_the_channel_settles() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, true, false);
    assert_eq!(w.read(rep, 300, 4), (BLOCKED, None));
    w.hub.start_host_write(rep, boxed(&[7]));
    assert_eq!(w.host_write(rep), Poll::Pending, "not copied on the spot");
    assert_eq!(
        w.settle(),
        vec![event(READER, EventCode::StreamRead, done(1))]
    );
    assert_eq!(w.bytes_at(300, 1), vec![7]);
    assert_eq!(
        w.host_write(rep),
        Poll::Ready(WriteResult {
            written: 1,
            dropped: false
        })
    );
}

#[test]
fn a_cancelled_guest_read_copies_nothing_and_later_writes_wait_for_the_next_read() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, true, false);
    assert_eq!(w.read(rep, 300, 4), (BLOCKED, None));
    assert!(w.hub.guest_cancel(rep, End::Readable).unwrap());
    assert!(
        !w.hub.guest_cancel(rep, End::Readable).unwrap(),
        "nothing left to cancel"
    );
    w.hub.start_host_write(rep, boxed(&[1, 2]));
    assert!(w.settle().is_empty());
    assert_eq!(w.read(rep, 300, 4), (done(2), None));
}

#[test]
fn dropping_the_readable_end_ends_a_host_write_with_the_count_taken() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, true, false);
    w.hub.start_host_write(rep, boxed(&[10, 20, 30, 40]));
    assert_eq!(w.read(rep, 100, 1), (done(1), None));
    assert_eq!(w.hub.guest_drop(rep, End::Readable).unwrap(), None);
    assert_eq!(
        w.host_write(rep),
        Poll::Ready(WriteResult {
            written: 1,
            dropped: true
        })
    );
}

#[test]
fn a_guest_write_to_a_dropped_reader_is_dropped_and_a_waiting_one_learns_on_settling() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, false, true);
    assert_eq!(w.write(rep, 100, &[1, 2, 3]), (BLOCKED, None));
    w.hub.host_drop(rep, End::Readable);
    assert_eq!(
        w.settle(),
        vec![event(
            WRITER,
            EventCode::StreamWrite,
            pack(Kind::Stream, 0, Status::Dropped)
        )]
    );
    assert_eq!(
        w.write(rep, 100, &[1]),
        (pack(Kind::Stream, 0, Status::Dropped), None)
    );
}

#[test]
fn a_future_carries_one_value_and_reports_bare_status_codes() {
    let mut w = World::new();
    let rep = w.channel(Kind::Future, false, true);
    assert_eq!(w.host_read(rep, 8), Poll::Pending);
    assert_eq!(
        w.write(rep, 100, &[21]),
        (pack(Kind::Future, 1, Status::Completed), None)
    );
    assert_eq!(pack(Kind::Future, 1, Status::Completed), 0);
    assert_eq!(w.host_read(rep, 8), Poll::Ready(Some(vec![21])));
    assert_eq!(w.host_read(rep, 8), Poll::Ready(None), "one value only");

    // Host to guest: the guest's read waits, then gets the value.
    let rep = w.channel(Kind::Future, true, false);
    assert_eq!(w.read(rep, 50, 1), (BLOCKED, None));
    w.hub.start_host_write(rep, boxed(&[8]));
    assert_eq!(w.settle(), vec![event(READER, EventCode::FutureRead, 0)]);
    assert_eq!(w.bytes_at(50, 1), vec![8]);
    assert!(
        w.hub
            .guest_read(
                rep,
                Buffer {
                    end: READER,
                    ptr: 50,
                    count: 1
                }
            )
            .is_err(),
        "reading a future twice traps"
    );
}

#[test]
fn both_ends_in_one_guest_copy_between_its_buffers() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, true, true);
    assert_eq!(w.write(rep, 100, &[9, 8, 7]), (BLOCKED, None));
    let (result, other) = w.read(rep, 400, 2);
    assert_eq!(result, done(2));
    assert_eq!(other, Some(event(WRITER, EventCode::StreamWrite, done(2))));
    assert_eq!(w.bytes_at(400, 2), vec![9, 8]);
}

#[test]
fn zero_length_operations_complete_against_a_waiting_other_side_without_copying() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, true, true);
    assert_eq!(w.read(rep, 100, 4), (BLOCKED, None));
    assert_eq!(
        w.write(rep, 200, &[]),
        (done(0), None),
        "the read still waits"
    );
    // A zero-length read that waited is completed by a write, which waits in its place.
    let rep = w.channel(Kind::Stream, true, true);
    assert_eq!(w.read(rep, 100, 0), (BLOCKED, None));
    assert_eq!(
        w.write(rep, 200, &[1]),
        (BLOCKED, Some(event(READER, EventCode::StreamRead, done(0))))
    );
}

#[test]
fn host_to_host_items_move_without_a_guest() {
    let mut w = World::new();
    let rep = w.hub.new_channel(Kind::Stream);
    assert_eq!(w.host_read(rep, 2), Poll::Pending);
    w.hub.start_host_write(rep, boxed(&[1, 2, 3]));
    assert_eq!(w.host_write(rep), Poll::Pending);
    assert_eq!(w.host_read(rep, 2), Poll::Ready(Some(vec![1, 2])));
    assert_eq!(w.host_read(rep, 2), Poll::Ready(Some(vec![3])));
    assert_eq!(
        w.host_write(rep),
        Poll::Ready(WriteResult {
            written: 3,
            dropped: false
        })
    );
    w.hub.host_drop(rep, End::Writable);
    assert_eq!(w.host_read(rep, 2), Poll::Ready(None));
}

#[test]
fn a_cancelled_host_read_gives_its_items_to_the_next_read() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, false, true);
    assert_eq!(w.host_read(rep, 4), Poll::Pending);
    assert_eq!(w.write(rep, 100, &[5, 6]), (done(2), None));
    w.hub.cancel_host_read(rep);
    assert_eq!(w.host_read(rep, 1), Poll::Ready(Some(vec![5])));
    assert_eq!(w.host_read(rep, 4), Poll::Ready(Some(vec![6])));
}

#[test]
fn a_channel_is_freed_once_both_ends_are_dropped_and_its_rep_reused() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, true, true);
    w.hub.guest_drop(rep, End::Readable).unwrap();
    assert!(w.hub.exists(rep));
    w.hub.guest_drop(rep, End::Writable).unwrap();
    assert!(!w.hub.exists(rep));
    assert!(w.hub.is_empty());
    assert_eq!(w.hub.new_channel(Kind::Future), rep);
}

#[test]
fn a_guest_drop_tells_the_other_guest_end_at_once() {
    let mut w = World::new();
    let rep = w.channel(Kind::Stream, true, true);
    assert_eq!(w.read(rep, 100, 4), (BLOCKED, None));
    assert_eq!(
        w.hub.guest_drop(rep, End::Writable).unwrap(),
        Some(event(
            READER,
            EventCode::StreamRead,
            pack(Kind::Stream, 0, Status::Dropped)
        ))
    );
}

#[test]
fn unknown_reps_trap_or_read_as_ended_instead_of_panicking() {
    let mut w = World::new();
    let buf = Buffer {
        end: READER,
        ptr: 0,
        count: 1,
    };
    assert!(w.hub.guest_read(0, buf).is_err());
    assert!(w.hub.guest_write(99, buf).is_err());
    assert!(w.hub.guest_drop(3, End::Readable).is_err());
    assert!(w.hub.settle(7).is_err());
    assert_eq!(w.host_read(42, 1), Poll::Ready(None));
    w.hub.host_drop(42, End::Writable);
    w.hub.start_host_write(42, boxed(&[1]));
    assert_eq!(
        w.host_write(42),
        Poll::Ready(WriteResult {
            written: 0,
            dropped: true
        })
    );
}

mod random {
    //! Arbitrary interleavings of every operation on a few channels, legal or not: never a
    //! panic (a misuse is a `Trap` or reads as an ended channel).
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        GuestRead(u8, u32),
        GuestWrite(u8, u8),
        GuestCancel(u8, bool),
        GuestDrop(u8, bool),
        HostRead(u8, u8),
        HostWrite(u8, u8),
        HostCancelRead(u8),
        HostCancelWrite(u8),
        HostDrop(u8, bool),
        Settle,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3u8, 0..5u32).prop_map(|(c, n)| Op::GuestRead(c, n)),
            (0..3u8, 0..5u8).prop_map(|(c, n)| Op::GuestWrite(c, n)),
            (0..3u8, any::<bool>()).prop_map(|(c, r)| Op::GuestCancel(c, r)),
            (0..3u8, any::<bool>()).prop_map(|(c, r)| Op::GuestDrop(c, r)),
            (0..3u8, 1..4u8).prop_map(|(c, n)| Op::HostRead(c, n)),
            (0..3u8, 0..5u8).prop_map(|(c, n)| Op::HostWrite(c, n)),
            (0..3u8).prop_map(Op::HostCancelRead),
            (0..3u8).prop_map(Op::HostCancelWrite),
            (0..3u8, any::<bool>()).prop_map(|(c, r)| Op::HostDrop(c, r)),
            Just(Op::Settle),
        ]
    }

    proptest! {
        #[test]
        fn any_interleaving_never_panics(ops in proptest::collection::vec(op(), 0..60)) {
            let mut w = World::new();
            let kinds = [Kind::Stream, Kind::Future, Kind::Stream];
            let reps: Vec<u32> = kinds
                .iter()
                .enumerate()
                .map(|(i, k)| w.channel(*k, i != 1, i != 2))
                .collect();
            let mut next = 0u8;
            for op in ops {
                match op {
                    Op::GuestRead(c, n) => {
                        let _ = w.hub.guest_read(reps[c as usize], Buffer { end: READER, ptr: 100, count: n });
                    }
                    Op::GuestWrite(c, n) => {
                        let data: Vec<u8> = (0..n).map(|_| { next = next.wrapping_add(1); next }).collect();
                        w.mem.put(200, &data);
                        let _ = w.hub.guest_write(reps[c as usize], Buffer { end: WRITER, ptr: 200, count: n as u32 });
                    }
                    Op::GuestCancel(c, r) => {
                        let end = if r { End::Readable } else { End::Writable };
                        let _ = w.hub.guest_cancel(reps[c as usize], end);
                    }
                    Op::GuestDrop(c, r) => {
                        let end = if r { End::Readable } else { End::Writable };
                        let _ = w.hub.guest_drop(reps[c as usize], end);
                    }
                    Op::HostRead(c, n) => {
                        let _ = w.host_read(reps[c as usize], n as usize);
                    }
                    Op::HostWrite(c, n) => {
                        let data: Vec<u8> = (0..n).map(|_| { next = next.wrapping_add(1); next }).collect();
                        w.hub.start_host_write(reps[c as usize], boxed(&data));
                        let _ = w.host_write(reps[c as usize]);
                    }
                    Op::HostCancelRead(c) => w.hub.cancel_host_read(reps[c as usize]),
                    Op::HostCancelWrite(c) => w.hub.cancel_host_write(reps[c as usize]),
                    Op::HostDrop(c, r) => {
                        let end = if r { End::Readable } else { End::Writable };
                        w.hub.host_drop(reps[c as usize], end);
                    }
                    Op::Settle => {
                        for rep in w.hub.take_dirty() {
                            let _ = w.hub.settle(rep);
                        }
                    }
                }
            }
        }
    }
}
