//! The canonical ABI's async calls, host side: what generated bindings of `async func`s use.
//!
//! Two directions, both without JSPI (nothing here blocks or suspends a wasm stack):
//!
//! - **Async-lowered imports** (`[async-lower]f`: the guest calls a host `async func`). The
//!   generated lowered call lifts the arguments at once (they are only valid during the call:
//!   the explainer's `on_start`), calls the host, which returns a `'static` future, and returns
//!   a [`Pending`]. The runtime drives it: [`Pending::poll`] with a waker; once it is ready,
//!   [`Pending::complete`] writes the results at the guest's return pointer (`on_resolve`:
//!   `lower_flat_values` with `max_flat = 0`, the return pointer checked then), and the subtask
//!   resolves (`RETURNED`). Dropping a `Pending` drops the host future: that is cancellation.
//! - **Async exports** (callback form: `[async-lift]f` + `[callback][async-lift]f`). The
//!   generated typed caller hands the runtime two closures through [`AsyncGuest::call_async`]:
//!   one lowers the arguments into the guest when the task starts, the other lifts the result
//!   from the flat values the guest passes to `task.return`, **inside** `task.return` (as
//!   `canon_task_return` does: the guest may free what they point at once `task.return`
//!   returns). The caller's future resolves with that value when the task exits.

use core::any::Any;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{Cx, Flat, Trap};

/// How to write a finished async import's results into the guest: lowers the value it
/// captured at the return pointer it captured (strings and lists through `realloc`).
pub type Lower = Box<dyn FnOnce(&mut Cx<'_>) -> Result<(), Trap>>;

/// A future the generated code and the runtime pass around (`'static`, single-threaded).
pub type AsyncCall<T> = Pin<Box<dyn Future<Output = Result<T, Trap>>>>;

/// An async-lowered host call in progress: the host's future, whose output is how to write its
/// results ([`Lower`]).
///
/// What the runtime does with one it got from a generated lowered call:
///
/// 1. [`poll`](Pending::poll) it (with a waker that schedules the next poll). `Ready` on the
///    first poll: [`complete`](Pending::complete) it at once and return `RETURNED` (2) to the
///    guest. Otherwise start a subtask and return `STARTED | handle << 4`.
/// 2. When woken, poll again; once `Ready`, `complete` it — when the guest instance may be
///    entered (`complete` may call its `cabi_realloc`), with its [`Cx`] —, then resolve the
///    subtask (`RETURNED` event).
/// 3. On `subtask.cancel` (or dropping the instance), drop it: the host future is dropped.
///
/// A trap from `complete` (bad return pointer, failing `realloc`, a trappable host's error) is
/// the guest's trap.
pub struct Pending {
    state: State,
    /// Handles the call's `borrow` arguments lent (in the calling instance's table): they stay
    /// lent until the subtask resolves or is cancelled (see [`lending`](super::lending)).
    lends: Vec<u32>,
}

enum State {
    Running(Pin<Box<dyn Future<Output = Lower>>>),
    Ready(Lower),
}

impl Pending {
    /// A call that finishes when `future` does; its output lowers the results.
    pub fn new(future: impl Future<Output = Lower> + 'static) -> Self {
        Pending {
            state: State::Running(Box::pin(future)),
            lends: Vec::new(),
        }
    }

    /// A call that has already finished.
    pub fn ready(lower: Lower) -> Self {
        Pending {
            state: State::Ready(lower),
            lends: Vec::new(),
        }
    }

    /// The same call, holding `lends` (handles its `borrow` arguments lent) until it completes
    /// or is dropped.
    pub fn with_lends(mut self, lends: Vec<u32>) -> Self {
        self.lends = lends;
        self
    }

    /// Takes the handles this call lends, for the runtime to end them when it cancels the call
    /// ([`ResourceTables::unlend`](super::ResourceTables::unlend)).
    pub fn take_lends(&mut self) -> Vec<u32> {
        core::mem::take(&mut self.lends)
    }

    /// Polls the host's future; `Ready` once it has finished (and on every poll after).
    pub fn poll(&mut self, task: &mut Context<'_>) -> Poll<()> {
        match &mut self.state {
            State::Ready(_) => Poll::Ready(()),
            State::Running(f) => match f.as_mut().poll(task) {
                Poll::Ready(lower) => {
                    self.state = State::Ready(lower);
                    Poll::Ready(())
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    /// Whether [`complete`](Pending::complete) may be called.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready(_))
    }

    /// Writes the results into the guest (at the return pointer the call was given) and ends
    /// the call's lends (`Subtask.deliver_resolve`). Before [`poll`](Pending::poll) returned
    /// `Ready` this is a trap (a runtime bug).
    pub fn complete(self, cx: &mut Cx<'_>) -> Result<(), Trap> {
        match self.state {
            State::Ready(lower) => {
                cx.resources.unlend(&self.lends);
                lower(cx)
            }
            State::Running(_) => Err(Trap::new(
                "an async host call was completed before its future finished",
            )),
        }
    }
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_ready() {
            "Pending(ready)"
        } else {
            "Pending(running)"
        })
    }
}

/// Lowers an async export's arguments into the guest when its task starts: the flat
/// arguments of the `[async-lift]` core function (at most 16, else one pointer to them in
/// memory the closure allocated with `realloc`).
pub type LowerArgs = Box<dyn FnOnce(&mut Cx<'_>) -> Result<Vec<Flat>, Trap>>;

/// Lifts an async export's result from the flat values the guest passes to `task.return`
/// (the result flattened with at most 16 values, else one pointer into guest memory); the
/// lifted value, type-erased (the generated caller downcasts it with [`returned`]).
pub type LiftResult = Box<dyn FnOnce(&mut Cx<'_>, &[Flat]) -> Result<Box<dyn Any>, Trap>>;

/// A guest instance whose callback-form async exports the host calls.
pub trait AsyncGuest {
    /// Calls the async export `export`, named as [`Guest::call`](super::Guest::call) names
    /// exports (`"<interface>#<function>"`, the bare name for the world's own): the runtime
    /// finds its `[async-lift]` core function and its callback.
    ///
    /// The runtime must: when the task starts (at once, or when backpressure lets it), call
    /// `lower_args` with the instance's [`Cx`] and call the core function with the flat values
    /// it returns; drive the callback codes (`YIELD`, `WAIT`) from its event loop; when the
    /// guest calls `task.return` for this task, call `lift_result` with the `Cx` and
    /// `task.return`'s flat arguments **before `task.return` returns** and keep the value (a
    /// second `task.return` traps); when the task exits, resolve with that value (exiting
    /// without `task.return` is a trap). No post-return: async exports have none.
    fn call_async(
        &self,
        export: &str,
        lower_args: LowerArgs,
        lift_result: LiftResult,
    ) -> AsyncCall<Box<dyn Any>>;
}

/// The value a [`LiftResult`] produced, as the type the generated caller expects.
pub fn returned<T: 'static>(value: Box<dyn Any>) -> Result<T, Trap> {
    value.downcast::<T>().map(|v| *v).map_err(|_| {
        Trap::new("an async export's result came back as another type (a runtime bug)")
    })
}

/// Runs an async-lowered host function on behalf of the calling guest instance: the browser
/// runtime's entry for the generated `[async-lower]` trampolines (wasm32).
///
/// `f` gets the instance's [`Cx`] and the world's host object (a `Box<dyn <World>Host>` as for
/// [`enter`](super::enter)); it lifts the arguments, starts the host call and returns its
/// [`Pending`]. The runtime polls it once: ready → [`Pending::complete`] and return `RETURNED`
/// (2); else a new subtask in the instance's waitables table, return `STARTED | handle << 4`.
/// A trap from `f` is the guest's trap, as in `enter`.
#[cfg(target_arch = "wasm32")]
pub fn enter_async(f: impl FnOnce(&mut Cx<'_>, &mut dyn Any) -> Result<Pending, Trap>) -> i32 {
    crate::web::enter_async(f)
}
