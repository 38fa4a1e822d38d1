//! World `async` in the browser: the host's `host-async` (async-lowered imports, streams and
//! futures the guest uses) and the driver that calls the guest's `guest-async` exports, over
//! our runtime's event loop — the same behaviour as crates/worlds-wasmtime/src/async_world.rs,
//! as tests/worlds/README.md ("World `async`") specifies it. "A later turn" is a
//! `setTimeout(0)`.

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use gfx_component::abi::{self, AsyncCall, FutureReader, StreamReader, Trap};
use gfx_component::web::Instance;
use wasm_bindgen_futures::spawn_local;

use crate::asyncs::later;
use crate::bindings::async_world::{self as bindings, host_async, types::Point};
use crate::text::{record, text, Show, Transcript};

impl Show for Point {
    fn show(&self, out: &mut String) {
        record(out, &[("x", &self.x), ("y", &self.y)]);
    }
}

fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

/// Counts one cancelled `pending-forever` call when the host's future is dropped.
struct CountOnDrop(Rc<Cell<u32>>);

impl Drop for CountOnDrop {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// The host of `host-async`.
#[derive(Default)]
pub(crate) struct Host {
    cancelled: Rc<Cell<u32>>,
    /// Ends the host keeps and never uses (`silent`'s writer, `hold-stream`'s reader).
    kept: Vec<Box<dyn Any>>,
}

/// A stream the host writes `items` into as one write, then ends.
fn stream_of<T: 'static>(items: Vec<T>) -> StreamReader<T> {
    let (mut w, r) = abi::stream::<T>();
    spawn_local(async move {
        let _ = w.write(items).await;
    });
    r
}

/// A future the host writes `value` into on a later turn.
fn future_of<T: 'static>(value: T) -> FutureReader<T> {
    let (w, r) = abi::future::<T>();
    spawn_local(async move {
        let value = later(value).await;
        let _ = w.write(value).await;
    });
    r
}

type Boxed<T> = Pin<Box<dyn Future<Output = T>>>;

impl host_async::Host for Host {
    fn sleep_then_echo(&mut self, x: u32) -> Boxed<u32> {
        later(x)
    }

    fn sleep_then_reverse(&mut self, s: String) -> Boxed<String> {
        later(reverse(&s))
    }

    fn pending_forever(&mut self) -> Boxed<u32> {
        let count = CountOnDrop(Rc::clone(&self.cancelled));
        Box::pin(async move {
            let _count = count;
            std::future::pending::<()>().await;
            0
        })
    }

    fn cancelled_calls(&mut self) -> u32 {
        self.cancelled.get()
    }

    fn bytes_from_host(&mut self, n: u32) -> StreamReader<u8> {
        stream_of((0..n).map(|i| (i % 256) as u8).collect())
    }

    fn words_from_host(&mut self) -> StreamReader<String> {
        stream_of(["alpha", "βeta", "", "😀"].map(String::from).to_vec())
    }

    fn endless(&mut self) -> StreamReader<u32> {
        let (mut w, r) = abi::stream::<u32>();
        spawn_local(async move {
            let mut next = 0u32;
            while w.write(vec![next]).await.is_ok() {
                next = next.wrapping_add(1);
            }
        });
        r
    }

    fn silent(&mut self) -> StreamReader<u8> {
        let (w, r) = abi::stream::<u8>();
        self.kept.push(Box::new(w));
        r
    }

    fn sum_bytes(&mut self, mut s: StreamReader<u8>) -> Boxed<(Vec<u32>, u32)> {
        Box::pin(async move {
            let (mut sizes, mut sum) = (Vec::new(), 0u32);
            while let Some(chunk) = s.read(8).await {
                sizes.push(chunk.len() as u32);
                sum = chunk
                    .iter()
                    .fold(sum, |acc, &b| acc.wrapping_add(u32::from(b)));
            }
            (sizes, sum)
        })
    }

    fn collect_points(&mut self, mut s: StreamReader<Point>) -> Boxed<Vec<Point>> {
        Box::pin(async move {
            let mut all = Vec::new();
            while let Some(chunk) = s.read(2).await {
                all.extend(chunk);
            }
            all
        })
    }

    fn take_two(&mut self, mut s: StreamReader<u32>) -> Boxed<Vec<u32>> {
        Box::pin(async move {
            let mut two = Vec::new();
            while two.len() < 2 {
                match s.next().await {
                    Some(x) => two.push(x),
                    None => break,
                }
            }
            drop(s);
            two
        })
    }

    fn hold_stream(&mut self, s: StreamReader<u8>) {
        self.kept.push(Box::new(s));
    }

    fn future_from_host(&mut self, x: u32) -> FutureReader<u32> {
        future_of(x.wrapping_add(1))
    }

    fn string_future_from_host(&mut self, s: String) -> FutureReader<String> {
        future_of(reverse(&s))
    }

    fn await_u32(&mut self, f: FutureReader<u32>) -> Boxed<u32> {
        Box::pin(async move { f.read().await.unwrap_or_default().wrapping_mul(2) })
    }

    fn await_string(&mut self, f: FutureReader<String>) -> Boxed<String> {
        Box::pin(async move { reverse(&f.read().await.unwrap_or_default()) })
    }

    fn drop_future(&mut self, f: FutureReader<u32>) {
        drop(f);
    }
}

/// The host object the trampolines find (a `Box<dyn AsyncHost>`).
pub(crate) struct World(pub(crate) Host);

impl bindings::AsyncHost for World {
    fn host_async(&mut self) -> &mut dyn host_async::Host {
        &mut self.0
    }
}

/// Polls every call until all have finished (they start in order, on the first poll, before
/// any is awaited: "at once").
async fn join_all<T>(mut calls: Vec<AsyncCall<T>>) -> Result<Vec<T>, Trap> {
    let mut results: Vec<Option<Result<T, Trap>>> = calls.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (call, slot) in calls.iter_mut().zip(results.iter_mut()) {
            if slot.is_none() {
                if let Poll::Ready(r) = call.as_mut().poll(cx) {
                    *slot = Some(r);
                }
            }
        }
        if results.iter().all(Option::is_some) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    results.into_iter().flatten().collect()
}

/// Runs `a` and `b` together; both results.
async fn join2<A, B>(a: impl Future<Output = A>, b: impl Future<Output = B>) -> (A, B) {
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    match (ra, rb) {
        (Some(a), Some(b)) => (a, b),
        _ => unreachable!("both finished"),
    }
}

/// The transcript of world `async`: the guest's `run`, then the driver's calls.
pub(crate) async fn run(instance: &Instance) -> Result<String, Trap> {
    let mut t = Transcript::default();
    t.line("== run ==");
    t.raw(&bindings::call_run(instance).await?);
    t.line("== exports ==");
    drive(&mut t, instance).await?;
    Ok(t.finish())
}

/// The host driver's calls of README "World `async`", in order.
async fn drive(t: &mut Transcript, g: &Instance) -> Result<(), Trap> {
    const P: &str = "export guest-async.";

    let r = join_all(
        (1..=3)
            .map(|x| bindings::call_guest_async_double_later(g, x))
            .collect(),
    )
    .await?;
    t.line(&format!(
        "export join(double-later(1), double-later(2), double-later(3)) -> {}",
        text(&(r[0], r[1], r[2]))
    ));

    let bytes: Vec<u8> = (1..=12).collect();
    let shown = text(&bytes);
    let r = bindings::call_guest_async_sum_stream(g, stream_of(bytes)).await?;
    t.line(&format!("{P}sum-stream(stream({shown})) -> {}", text(&r)));

    let words = ["one", "two", "three"].map(String::from).to_vec();
    let shown = text(&words);
    let r = bindings::call_guest_async_join_words(g, stream_of(words)).await?;
    t.line(&format!("{P}join-words(stream({shown})) -> {}", text(&r)));

    let r = bindings::call_guest_async_await_host_future(g, future_of(41)).await?;
    t.line(&format!("{P}await-host-future(future(41)) -> {}", text(&r)));

    // The host reads the guest's stream 4 items at a time while the guest writes it.
    let mut s = {
        let mut calls = g.guest()?;
        bindings::call_guest_async_open_bytes(&mut calls, 10)?
    };
    t.line(&format!("{P}open-bytes(10) -> stream"));
    let reads = async move {
        let mut reads = Vec::new();
        while let Some(chunk) = s.read(4).await {
            reads.push(chunk);
        }
        reads
    };
    let (writes, reads) = join2(bindings::call_guest_async_pump_bytes(g), reads).await;
    let mut log: Vec<String> = reads
        .iter()
        .map(|chunk| format!("complete({}) {}", chunk.len(), text(chunk)))
        .collect();
    log.push("dropped".into());
    t.line(&format!(
        "{P}pump-bytes() -> {}; the host's reads of 4: {}",
        text(&writes?),
        log.join(", ")
    ));

    let f = {
        let mut calls = g.guest()?;
        bindings::call_guest_async_open_future(&mut calls)?
    };
    t.line(&format!("{P}open-future() -> future"));
    let (written, value) = join2(
        bindings::call_guest_async_resolve_future(g, "done".into()),
        f.read(),
    )
    .await;
    t.line(&format!(
        "{P}resolve-future(\"done\") -> {}; the host read: {}",
        text(&written?),
        text(&value.unwrap_or_default())
    ));

    let r = join_all(vec![
        bindings::call_guest_async_yield_loop(g, 3),
        bindings::call_guest_async_yield_loop(g, 4),
    ])
    .await?;
    t.line(&format!(
        "export join(yield-loop(3), yield-loop(4)) -> {}",
        text(&(r[0], r[1]))
    ));
    Ok(())
}
