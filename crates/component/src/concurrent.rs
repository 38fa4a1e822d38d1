//! WASI P3 async state of one component instance: waitables, waitable sets, subtasks, the
//! callback-form event loop's codes and per-task context storage — the part of the Canonical
//! ABI's concurrency (design/mvp/CanonicalABI.md, "Waitable State", `canon lift` with
//! `callback`, `canon waitable-set.*`, `canon subtask.*`, `canon context.*`) that does not touch
//! JavaScript, so it is tested natively.
//!
//! The browser side (`web`) turns guest calls of the built-ins into calls of these methods and
//! drives the event loop from the browser's own: when a callback-form export returns `WAIT` on a
//! set, the loop resumes only once an event is pending on it (a host future completed, a frame
//! arrived), and calls the guest's callback with that event. Nothing blocks, so no JSPI.
//!
//! A guest's stream and future ends are waitables here too (one table, as the spec has it);
//! the channels behind them, and the copies between ends, are [`crate::channels`]'s.

use std::collections::VecDeque;

use crate::abi::{End, Kind, Trap};

/// Event codes delivered to the guest (`EventCode` in the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum EventCode {
    /// Nothing happened (a `yield` returns, or `poll` found nothing).
    None = 0,
    /// A subtask changed state; payload: the new state.
    Subtask = 1,
    /// A stream read made progress; payload: `(count << 4) | result`.
    StreamRead = 2,
    /// A stream write made progress.
    StreamWrite = 3,
    /// A future read completed.
    FutureRead = 4,
    /// A future write completed.
    FutureWrite = 5,
    /// The task was cancelled.
    TaskCancelled = 6,
}

/// An event for the guest: code, the waitable's handle, payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// What happened.
    pub code: EventCode,
    /// The waitable it happened to (0 for `None`).
    pub index: u32,
    /// The code's payload.
    pub payload: u32,
}

impl Event {
    /// The empty event.
    pub const NONE: Event = Event {
        code: EventCode::None,
        index: 0,
        payload: 0,
    };
}

/// The return value of an async-lowered call or copy that did not finish at once.
pub const BLOCKED: u32 = 0xffff_ffff;

/// States of a subtask (`Subtask.State`), as the payload of its events and in the status an
/// async-lowered call returns (`state | (handle << 4)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum SubtaskState {
    /// Not started (backpressure).
    Starting = 0,
    /// Running.
    Started = 1,
    /// Returned its results (written to the caller's memory).
    Returned = 2,
    /// Cancelled before it started.
    CancelledBeforeStarted = 3,
    /// Cancelled before it returned.
    CancelledBeforeReturned = 4,
}

/// What a callback-form export asks for when it returns (`CallbackCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// The task is done.
    Exit,
    /// Call the callback again on a later turn (with [`Event::NONE`]).
    Yield,
    /// Call the callback once an event is pending on the waitable set.
    Wait(u32),
    /// Call the callback on a later turn with the set's pending event, or `NONE` (the
    /// pre-0.3.0 `POLL` code some toolchains still emit).
    Poll(u32),
}

impl Callback {
    /// Decodes the packed `i32` a callback-form export (or its callback) returned.
    pub fn unpack(packed: u32) -> Result<Callback, Trap> {
        let set = packed >> 4;
        match packed & 0xf {
            0 => Ok(Callback::Exit),
            1 => Ok(Callback::Yield),
            2 => Ok(Callback::Wait(set)),
            3 => Ok(Callback::Poll(set)),
            code => Err(Trap(format!(
                "the async export returned callback code {code}, which does not exist"
            ))),
        }
    }
}

/// What a handle in the waitables table is.
#[derive(Debug)]
enum Entry {
    Set(WaitableSet),
    Waitable(Waitable),
}

/// A waitable set: its members, in join order (events are delivered in that order).
#[derive(Debug, Default)]
struct WaitableSet {
    members: Vec<u32>,
}

/// Something a guest can wait for: a subtask or one end of a stream or future.
#[derive(Debug)]
struct Waitable {
    /// The event waiting to be delivered.
    pending: Option<Event>,
    /// The set it joined.
    set: Option<u32>,
    what: What,
}

#[derive(Debug)]
enum What {
    Subtask(Subtask),
    End(ChannelEnd),
}

/// The caller's view of a host call that did not finish at once.
#[derive(Debug)]
struct Subtask {
    state: SubtaskState,
    /// Whether its resolution was delivered (it may be dropped only then).
    delivered: bool,
}

/// A guest's end of a stream or future (the channel itself lives in
/// [`channels::Hub`](crate::channels::Hub), named by `rep`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelEnd {
    /// The channel.
    pub rep: u32,
    /// Stream or future.
    pub kind: Kind,
    /// Which end the guest holds.
    pub end: End,
    /// A `read`/`write` on it is in progress (no other may start; it may not be dropped or
    /// moved).
    pub copying: bool,
    /// The end is finished: the other end was seen dropped, or (a future) its value was read
    /// or written. Copying again traps.
    pub done: bool,
}

/// What `subtask.cancel` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    /// The call was still running: the runtime must stop it now; the subtask is now
    /// `CANCELLED_BEFORE_RETURNED`.
    Stopped,
    /// It had already returned (its event not delivered yet): nothing to stop; the event is
    /// consumed and its state is the answer.
    AlreadyReturned,
}

/// The instance's table of waitables and waitable sets (handles start at 1; 0 is invalid).
#[derive(Debug, Default)]
pub struct Waitables {
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    /// Context storage of the running task (`context.get/set`, slots 0 and 1).
    context: [u32; 2],
}

/// Most handles an instance may hold at once (the spec's `Table.MAX_LENGTH`: 2^28 − 1).
const MAX_HANDLES: usize = (1 << 28) - 1;

impl Waitables {
    fn add(&mut self, entry: Entry) -> Result<u32, Trap> {
        if let Some(i) = self.free.pop() {
            self.entries[i as usize - 1] = Some(entry);
            return Ok(i);
        }
        if self.entries.len() >= MAX_HANDLES {
            return Err(Trap("too many waitables".into()));
        }
        self.entries.push(Some(entry));
        Ok(self.entries.len() as u32)
    }

    fn get(&mut self, i: u32) -> Result<&mut Entry, Trap> {
        i.checked_sub(1)
            .and_then(|i| self.entries.get_mut(i as usize))
            .and_then(Option::as_mut)
            .ok_or_else(|| Trap(format!("unknown waitable handle {i}")))
    }

    /// Removes waitable `i`, leaving any set it joined.
    fn remove(&mut self, i: u32) -> Result<Entry, Trap> {
        let entry = i
            .checked_sub(1)
            .and_then(|i| self.entries.get_mut(i as usize))
            .and_then(Option::take)
            .ok_or_else(|| Trap(format!("unknown waitable handle {i}")))?;
        self.free.push(i);
        if let Entry::Waitable(Waitable { set: Some(s), .. }) = &entry {
            if let Ok(set) = self.set(*s) {
                set.members.retain(|m| *m != i);
            }
        }
        Ok(entry)
    }

    fn set(&mut self, i: u32) -> Result<&mut WaitableSet, Trap> {
        match self.get(i)? {
            Entry::Set(s) => Ok(s),
            _ => Err(Trap(format!("handle {i} is not a waitable set"))),
        }
    }

    fn waitable(&mut self, i: u32) -> Result<&mut Waitable, Trap> {
        match self.get(i)? {
            Entry::Waitable(w) => Ok(w),
            _ => Err(Trap(format!("handle {i} is not a waitable"))),
        }
    }

    fn subtask(&mut self, i: u32) -> Result<&mut Subtask, Trap> {
        match &mut self.waitable(i)?.what {
            What::Subtask(s) => Ok(s),
            _ => Err(Trap(format!("handle {i} is not a subtask"))),
        }
    }

    /// `waitable-set.new`.
    pub fn new_set(&mut self) -> Result<u32, Trap> {
        self.add(Entry::Set(WaitableSet::default()))
    }

    /// `waitable-set.drop`: traps unless the set is empty.
    pub fn drop_set(&mut self, i: u32) -> Result<(), Trap> {
        if !self.set(i)?.members.is_empty() {
            return Err(Trap(format!(
                "waitable set {i} was dropped while waitables are still in it"
            )));
        }
        self.remove(i).map(drop)
    }

    /// `waitable.join`: moves waitable `w` into set `s` (0: out of any set).
    pub fn join(&mut self, w: u32, s: u32) -> Result<(), Trap> {
        if s != 0 {
            self.set(s)?;
        }
        let old = {
            let waitable = self.waitable(w)?;
            let old = waitable.set;
            waitable.set = (s != 0).then_some(s);
            old
        };
        if let Some(old) = old {
            self.set(old)?.members.retain(|m| *m != w);
        }
        if s != 0 {
            self.set(s)?.members.push(w);
        }
        Ok(())
    }

    /// Whether an event is pending on set `s`.
    pub fn has_event(&mut self, s: u32) -> Result<bool, Trap> {
        let members = self.set(s)?.members.clone();
        for m in members {
            if self.waitable(m)?.pending.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether set `s` has a member other than a subtask (a stream or future end, whose event
    /// may come from anywhere: the event loop cannot tell that nothing will come).
    pub fn waits_on_channels(&mut self, s: u32) -> Result<bool, Trap> {
        let members = self.set(s)?.members.clone();
        for m in members {
            if matches!(self.waitable(m)?.what, What::End(_)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Takes the first pending event of set `s` in join order (`waitable-set.poll`, and what
    /// the event loop delivers after `WAIT`); [`Event::NONE`] if there is none.
    pub fn poll(&mut self, s: u32) -> Result<Event, Trap> {
        let members = self.set(s)?.members.clone();
        for m in members {
            if let Some(event) = self.take_event(m)? {
                return Ok(event);
            }
        }
        Ok(Event::NONE)
    }

    /// Takes waitable `i`'s pending event, if any (delivering it).
    pub fn take_event(&mut self, i: u32) -> Result<Option<Event>, Trap> {
        let w = self.waitable(i)?;
        let Some(event) = w.pending.take() else {
            return Ok(None);
        };
        match &mut w.what {
            What::Subtask(sub) => {
                if matches!(
                    sub.state,
                    SubtaskState::Returned
                        | SubtaskState::CancelledBeforeStarted
                        | SubtaskState::CancelledBeforeReturned
                ) {
                    sub.delivered = true;
                }
            }
            What::End(end) => end.copying = false,
        }
        Ok(Some(event))
    }

    /// A host call that did not finish at once: a new subtask in state `Started`; its handle.
    pub fn start_subtask(&mut self) -> Result<u32, Trap> {
        self.add(Entry::Waitable(Waitable {
            pending: None,
            set: None,
            what: What::Subtask(Subtask {
                state: SubtaskState::Started,
                delivered: false,
            }),
        }))
    }

    /// The host call behind subtask `i` returned (its results are in the guest's memory): a
    /// `SUBTASK` event with state `RETURNED` becomes pending.
    pub fn resolve_subtask(&mut self, i: u32) -> Result<(), Trap> {
        let w = self.waitable(i)?;
        let What::Subtask(sub) = &mut w.what else {
            return Err(Trap(format!("handle {i} is not a subtask")));
        };
        sub.state = SubtaskState::Returned;
        w.pending = Some(Event {
            code: EventCode::Subtask,
            index: i,
            payload: SubtaskState::Returned as u32,
        });
        Ok(())
    }

    /// `subtask.cancel` (the call cannot be stopped later than now: the host's calls stop at
    /// once). Traps if its resolution was already delivered.
    pub fn cancel_subtask(&mut self, i: u32) -> Result<Cancelled, Trap> {
        let w = self.waitable(i)?;
        let What::Subtask(sub) = &mut w.what else {
            return Err(Trap(format!("handle {i} is not a subtask")));
        };
        if sub.delivered {
            return Err(Trap(format!(
                "subtask {i} was cancelled after its resolution was delivered"
            )));
        }
        sub.delivered = true;
        if w.pending.take().is_some() {
            return Ok(Cancelled::AlreadyReturned);
        }
        sub.state = SubtaskState::CancelledBeforeReturned;
        Ok(Cancelled::Stopped)
    }

    /// `subtask.drop`: traps unless its resolution was delivered.
    pub fn drop_subtask(&mut self, i: u32) -> Result<(), Trap> {
        let sub = self.subtask(i)?;
        if !sub.delivered {
            return Err(Trap(format!("subtask {i} was dropped before it resolved")));
        }
        self.remove(i).map(drop)
    }

    /// The subtask's current state.
    pub fn subtask_state(&mut self, i: u32) -> Result<SubtaskState, Trap> {
        Ok(self.subtask(i)?.state)
    }

    /// A guest end of channel `rep` enters the table (`stream.new`, or a readable end lowered
    /// into the guest); its handle.
    pub fn add_end(&mut self, rep: u32, kind: Kind, end: End) -> Result<u32, Trap> {
        self.add(Entry::Waitable(Waitable {
            pending: None,
            set: None,
            what: What::End(ChannelEnd {
                rep,
                kind,
                end,
                copying: false,
                done: false,
            }),
        }))
    }

    /// The stream or future end `i`, which must be an `end` of a `kind`.
    pub fn end(&mut self, i: u32, kind: Kind, end: End) -> Result<&mut ChannelEnd, Trap> {
        match &mut self.waitable(i)?.what {
            What::End(e) if e.kind == kind && e.end == end => Ok(e),
            _ => Err(Trap(format!(
                "handle {i} is not the {} end of a {}",
                match end {
                    End::Readable => "readable",
                    End::Writable => "writable",
                },
                kind.name()
            ))),
        }
    }

    /// Removes end `i` (dropped by the guest, or lifted out of it): traps while a copy on it is
    /// in progress.
    pub fn remove_end(&mut self, i: u32, kind: Kind, end: End) -> Result<ChannelEnd, Trap> {
        if self.end(i, kind, end)?.copying {
            return Err(Trap(format!(
                "handle {i} was dropped or passed on while a copy on it is in progress"
            )));
        }
        match self.remove(i)? {
            Entry::Waitable(Waitable {
                what: What::End(e), ..
            }) => Ok(e),
            _ => Err(Trap(format!("handle {i} is not a stream or future end"))),
        }
    }

    /// A copy in progress on guest end `i` finished: its event becomes pending (and the end is
    /// done if the other end was dropped, or it was a future's). Unknown handles are ignored
    /// (the end was dropped meanwhile; nothing is waiting).
    pub fn finish_copy(&mut self, i: u32, event: Event) {
        if let Ok(w) = self.waitable(i) {
            if let What::End(e) = &mut w.what {
                if e.copying {
                    // The low four bits are the status; 1 is DROPPED.
                    e.done |= e.kind == Kind::Future || event.payload & 0xf == 1;
                    w.pending = Some(event);
                }
            }
        }
    }

    /// Every stream and future end in the table (what an instance that goes away leaves
    /// behind: the runtime drops them all).
    pub fn ends(&self) -> Vec<ChannelEnd> {
        self.entries
            .iter()
            .filter_map(|e| match e {
                Some(Entry::Waitable(Waitable {
                    what: What::End(end),
                    ..
                })) => Some(*end),
                _ => None,
            })
            .collect()
    }

    /// `context.get i32 n`.
    pub fn context_get(&self, n: u32) -> Result<u32, Trap> {
        self.context
            .get(n as usize)
            .copied()
            .ok_or_else(|| Trap(format!("context slot {n} does not exist")))
    }

    /// `context.set i32 n`.
    pub fn context_set(&mut self, n: u32, v: u32) -> Result<(), Trap> {
        let slot = self
            .context
            .get_mut(n as usize)
            .ok_or_else(|| Trap(format!("context slot {n} does not exist")))?;
        *slot = v;
        Ok(())
    }

    /// Swaps the context slots with `task`'s: the event loop saves one task's slots and
    /// restores another's around every call into the guest (they are per task).
    pub fn swap_context(&mut self, task: &mut [u32; 2]) {
        core::mem::swap(&mut self.context, task);
    }
}

/// Work the event loop has to do: callback-form tasks waiting for their next call.
#[derive(Debug, Default)]
pub struct Ready {
    queue: VecDeque<u32>,
}

impl Ready {
    /// Schedules task `t`.
    pub fn push(&mut self, t: u32) {
        if !self.queue.contains(&t) {
            self.queue.push_back(t);
        }
    }

    /// The next task to run.
    pub fn pop(&mut self) -> Option<u32> {
        self.queue.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_codes_unpack_and_unknown_codes_trap() {
        assert_eq!(Callback::unpack(0), Ok(Callback::Exit));
        assert_eq!(Callback::unpack(1), Ok(Callback::Yield));
        assert_eq!(Callback::unpack(2 | (7 << 4)), Ok(Callback::Wait(7)));
        assert_eq!(Callback::unpack(3 | (2 << 4)), Ok(Callback::Poll(2)));
        assert!(Callback::unpack(4).is_err());
        assert!(Callback::unpack(0xf).is_err());
    }

    #[test]
    fn a_resolved_subtask_delivers_one_event_through_its_set_then_may_be_dropped() {
        let mut w = Waitables::default();
        let set = w.new_set().unwrap();
        let sub = w.start_subtask().unwrap();
        w.join(sub, set).unwrap();
        assert!(!w.has_event(set).unwrap());
        assert_eq!(w.poll(set).unwrap(), Event::NONE);
        assert!(w.drop_subtask(sub).is_err(), "not resolved yet");
        w.resolve_subtask(sub).unwrap();
        assert!(w.has_event(set).unwrap());
        assert_eq!(
            w.poll(set).unwrap(),
            Event {
                code: EventCode::Subtask,
                index: sub,
                payload: 2
            }
        );
        assert_eq!(w.poll(set).unwrap(), Event::NONE, "delivered once");
        assert!(w.drop_set(set).is_err(), "the subtask is still in the set");
        w.drop_subtask(sub).unwrap();
        w.drop_set(set).unwrap();
    }

    #[test]
    fn events_are_delivered_in_join_order_and_rejoining_moves_a_waitable() {
        let mut w = Waitables::default();
        let (a_set, b_set) = (w.new_set().unwrap(), w.new_set().unwrap());
        let s1 = w.start_subtask().unwrap();
        let s2 = w.start_subtask().unwrap();
        w.join(s2, a_set).unwrap();
        w.join(s1, a_set).unwrap();
        w.resolve_subtask(s1).unwrap();
        w.resolve_subtask(s2).unwrap();
        assert_eq!(w.poll(a_set).unwrap().index, s2);
        w.join(s1, b_set).unwrap();
        assert_eq!(w.poll(a_set).unwrap(), Event::NONE);
        assert_eq!(w.poll(b_set).unwrap().index, s1);
        w.join(s1, 0).unwrap();
        w.drop_set(b_set).unwrap();
    }

    #[test]
    fn stale_and_wrong_handles_trap_instead_of_panicking() {
        let mut w = Waitables::default();
        assert!(w.poll(0).is_err());
        assert!(w.poll(99).is_err());
        let set = w.new_set().unwrap();
        assert!(w.join(set, set).is_err(), "a set is not a waitable");
        let sub = w.start_subtask().unwrap();
        assert!(w.poll(sub).is_err(), "a subtask is not a set");
        assert!(w.join(sub, 12345).is_err());
        w.drop_set(set).unwrap();
        assert!(w.drop_set(set).is_err(), "dropped twice");
        assert!(w.context_get(2).is_err());
    }

    #[test]
    fn cancelling_a_running_subtask_stops_it_and_a_returned_one_reports_returned() {
        let mut w = Waitables::default();
        let running = w.start_subtask().unwrap();
        assert_eq!(w.cancel_subtask(running).unwrap(), Cancelled::Stopped);
        assert_eq!(
            w.subtask_state(running).unwrap(),
            SubtaskState::CancelledBeforeReturned
        );
        assert!(w.cancel_subtask(running).is_err(), "cancelled twice");
        w.drop_subtask(running).unwrap();

        let returned = w.start_subtask().unwrap();
        w.resolve_subtask(returned).unwrap();
        assert_eq!(
            w.cancel_subtask(returned).unwrap(),
            Cancelled::AlreadyReturned
        );
        w.drop_subtask(returned).unwrap();
    }

    #[test]
    fn a_stream_end_joins_sets_gets_its_copy_event_and_cannot_leave_while_copying() {
        let mut w = Waitables::default();
        let set = w.new_set().unwrap();
        let r = w.add_end(3, Kind::Stream, End::Readable).unwrap();
        assert!(w.end(r, Kind::Stream, End::Writable).is_err(), "wrong end");
        assert!(w.end(r, Kind::Future, End::Readable).is_err(), "wrong kind");
        w.join(r, set).unwrap();
        assert!(w.waits_on_channels(set).unwrap());
        w.end(r, Kind::Stream, End::Readable).unwrap().copying = true;
        assert!(w.remove_end(r, Kind::Stream, End::Readable).is_err());
        let event = Event {
            code: EventCode::StreamRead,
            index: r,
            payload: 2 << 4,
        };
        w.finish_copy(r, event);
        assert!(w.has_event(set).unwrap());
        assert_eq!(w.poll(set).unwrap(), event);
        assert!(!w.end(r, Kind::Stream, End::Readable).unwrap().copying);
        let end = w.remove_end(r, Kind::Stream, End::Readable).unwrap();
        assert_eq!(end.rep, 3);
        w.drop_set(set).unwrap();
    }

    #[test]
    fn handles_are_reused_after_drop() {
        let mut w = Waitables::default();
        let a = w.new_set().unwrap();
        w.drop_set(a).unwrap();
        assert_eq!(w.new_set().unwrap(), a);
    }

    #[test]
    fn context_slots_hold_what_was_set() {
        let mut w = Waitables::default();
        w.context_set(0, 7).unwrap();
        w.context_set(1, 9).unwrap();
        assert_eq!(
            (w.context_get(0).unwrap(), w.context_get(1).unwrap()),
            (7, 9)
        );
    }
}
