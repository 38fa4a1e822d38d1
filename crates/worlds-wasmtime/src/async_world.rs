//! World `async`: the host's `host-async` (async-lowered imports, streams and futures the guest
//! uses) and the driver that calls the guest's async `guest-async` exports, all on wasmtime's
//! component-model-async runtime (`Store::run_concurrent`). tests/worlds/README.md, "World
//! `async`", is the specification.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};

use anyhow::Result;
use futures::StreamExt as _;
use futures::channel::{mpsc, oneshot};
use wasmtime::component::{
    Access, Accessor, Component, Destination, FutureConsumer, FutureReader, HasData, Linker,
    Source, StreamConsumer, StreamProducer, StreamReader, StreamResult,
};
use wasmtime::{Engine, Store, StoreContextMut};

use crate::text::{Show, Transcript, record, text};
use crate::values::reverse;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../tests/worlds/wit",
        world: "gfx-test:worlds/%async",
        imports: { default: store | trappable },
        exports: { default: async | store },
    });
}

use bindings::gfx_test::worlds::host_async;
use bindings::gfx_test::worlds::types::Point;

impl Show for Point {
    fn show(&self, out: &mut String) {
        record(out, &[("x", &self.x), ("y", &self.y)]);
    }
}

/// Store data of an `async` run.
pub struct AsyncHost {
    /// Calls of `pending-forever` cancelled so far (counted when the host's future is dropped).
    cancelled: Arc<AtomicU32>,
}

impl HasData for AsyncHost {
    type Data<'a> = &'a mut AsyncHost;
}

/// Ready on its second poll: the host's "later turn" (it wakes itself, so the runtime polls it
/// again on its next round, after the guest has seen the call as started).
#[derive(Default)]
struct LaterTurn {
    yielded: bool,
}

impl Future for LaterTurn {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Counts a cancelled `pending-forever` when the call's future is dropped.
struct CountOnDrop(Arc<AtomicU32>);

impl Drop for CountOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// `endless`: 0, 1, 2, ... one item per read (a zero-length read gets nothing and completes).
struct Endless {
    next: u32,
}

impl<D> StreamProducer<D> for Endless {
    type Item = u32;
    type Buffer = Option<u32>;

    fn poll_produce<'a>(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        store: StoreContextMut<'a, D>,
        mut destination: Destination<'a, u32, Option<u32>>,
        _: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        if destination.remaining(store) != Some(0) {
            destination.set_buffer(Some(self.next));
            self.next = self.next.wrapping_add(1);
        }
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

/// `silent`: never writes; a cancelled read ends with nothing.
struct Silent;

impl<D> StreamProducer<D> for Silent {
    type Item = u8;
    type Buffer = Option<u8>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: StoreContextMut<'a, D>,
        _: Destination<'a, u8, Option<u8>>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        if finish {
            Poll::Ready(Ok(StreamResult::Cancelled))
        } else {
            Poll::Pending
        }
    }
}

/// A reader that takes at most `max` items per read and sends each read's items to `tx`; after
/// `limit` items (if any) it drops its end of the stream. `tx` closes when the stream ends.
struct Chunks<T> {
    max: usize,
    limit: Option<usize>,
    taken: usize,
    tx: mpsc::UnboundedSender<Vec<T>>,
}

impl<T> Chunks<T> {
    fn new(max: usize, limit: Option<usize>) -> (Self, mpsc::UnboundedReceiver<Vec<T>>) {
        let (tx, rx) = mpsc::unbounded();
        (
            Chunks {
                max,
                limit,
                taken: 0,
                tx,
            },
            rx,
        )
    }
}

impl<D, T> StreamConsumer<D> for Chunks<T>
where
    T: wasmtime::component::Lift + Send + Sync + Unpin + 'static,
{
    type Item = T;

    fn poll_consume(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        mut store: StoreContextMut<D>,
        mut source: Source<'_, T>,
        _: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let mut chunk = Vec::new();
        while chunk.len() < self.max && source.remaining(&mut store) > 0 {
            let mut item = None;
            source.read(&mut store, &mut item)?;
            chunk.extend(item);
        }
        self.taken += chunk.len();
        if !chunk.is_empty() {
            // The receiver only goes away when the host call is over; then nothing listens.
            let _ = self.tx.unbounded_send(chunk);
        }
        if self.limit.is_some_and(|limit| self.taken >= limit) {
            Poll::Ready(Ok(StreamResult::Dropped))
        } else {
            Poll::Ready(Ok(StreamResult::Completed))
        }
    }
}

/// `hold-stream`: never reads; a cancelled write ends with nothing taken.
struct Never;

impl<D> StreamConsumer<D> for Never {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: StoreContextMut<D>,
        _: Source<'_, u8>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        if finish {
            Poll::Ready(Ok(StreamResult::Cancelled))
        } else {
            Poll::Pending
        }
    }
}

/// Takes a future's value and hands it to a oneshot channel.
struct Oneshot<T>(Option<oneshot::Sender<T>>);

impl<D, T> FutureConsumer<D> for Oneshot<T>
where
    T: wasmtime::component::Lift + Send + 'static,
{
    type Item = T;

    fn poll_consume(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        store: StoreContextMut<D>,
        mut source: Source<'_, T>,
        _: bool,
    ) -> Poll<wasmtime::Result<()>> {
        let mut value = None;
        source.read(store, &mut value)?;
        if let (Some(tx), Some(value)) = (self.0.take(), value) {
            let _ = tx.send(value);
        }
        Poll::Ready(Ok(()))
    }
}

/// Reads a future the guest wrote to (pipes it into a oneshot channel) and awaits its value.
async fn read_future<T, D, U>(accessor: &Accessor<T, D>, f: FutureReader<U>) -> wasmtime::Result<U>
where
    D: HasData,
    U: wasmtime::component::Lift + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    accessor.with(|mut access| f.pipe(&mut access, Oneshot(Some(tx))))?;
    Ok(rx.await?)
}

impl bindings::gfx_test::worlds::types::Host for AsyncHost {}
impl host_async::Host for AsyncHost {}

impl<T> host_async::HostWithStore<T> for AsyncHost {
    async fn sleep_then_echo(_: &Accessor<T, Self>, x: u32) -> wasmtime::Result<u32> {
        LaterTurn::default().await;
        Ok(x)
    }

    async fn sleep_then_reverse(_: &Accessor<T, Self>, s: String) -> wasmtime::Result<String> {
        LaterTurn::default().await;
        Ok(reverse(&s))
    }

    async fn pending_forever(accessor: &Accessor<T, Self>) -> wasmtime::Result<u32> {
        let cancelled = accessor.with(|mut access| Arc::clone(&access.get().cancelled));
        let _count = CountOnDrop(cancelled);
        std::future::pending::<()>().await;
        Ok(0)
    }

    fn cancelled_calls(mut host: Access<T, Self>) -> wasmtime::Result<u32> {
        Ok(host.get().cancelled.load(Ordering::SeqCst))
    }

    fn bytes_from_host(host: Access<T, Self>, n: u32) -> wasmtime::Result<StreamReader<u8>> {
        let bytes: Vec<u8> = (0..n).map(|i| (i % 256) as u8).collect();
        StreamReader::new(host, bytes)
    }

    fn words_from_host(host: Access<T, Self>) -> wasmtime::Result<StreamReader<String>> {
        let words = ["alpha", "βeta", "", "😀"].map(String::from).to_vec();
        StreamReader::new(host, words)
    }

    fn endless(host: Access<T, Self>) -> wasmtime::Result<StreamReader<u32>> {
        StreamReader::new(host, Endless { next: 0 })
    }

    fn silent(host: Access<T, Self>) -> wasmtime::Result<StreamReader<u8>> {
        StreamReader::new(host, Silent)
    }

    async fn sum_bytes(
        accessor: &Accessor<T, Self>,
        s: StreamReader<u8>,
    ) -> wasmtime::Result<(Vec<u32>, u32)> {
        let (consumer, mut chunks) = Chunks::new(8, None);
        accessor.with(|mut access| s.pipe(&mut access, consumer))?;
        let (mut sizes, mut sum) = (Vec::new(), 0u32);
        while let Some(chunk) = chunks.next().await {
            sizes.push(chunk.len() as u32);
            sum = chunk
                .iter()
                .fold(sum, |acc, &b| acc.wrapping_add(u32::from(b)));
        }
        Ok((sizes, sum))
    }

    async fn collect_points(
        accessor: &Accessor<T, Self>,
        s: StreamReader<Point>,
    ) -> wasmtime::Result<Vec<Point>> {
        let (consumer, chunks) = Chunks::new(2, None);
        accessor.with(|mut access| s.pipe(&mut access, consumer))?;
        Ok(chunks.concat().await)
    }

    async fn take_two(
        accessor: &Accessor<T, Self>,
        s: StreamReader<u32>,
    ) -> wasmtime::Result<Vec<u32>> {
        let (consumer, chunks) = Chunks::new(1, Some(2));
        accessor.with(|mut access| s.pipe(&mut access, consumer))?;
        Ok(chunks.concat().await)
    }

    fn hold_stream(mut host: Access<T, Self>, s: StreamReader<u8>) -> wasmtime::Result<()> {
        s.pipe(&mut host, Never)
    }

    fn future_from_host(host: Access<T, Self>, x: u32) -> wasmtime::Result<FutureReader<u32>> {
        FutureReader::new(host, async move {
            LaterTurn::default().await;
            Ok::<_, wasmtime::Error>(x.wrapping_add(1))
        })
    }

    fn string_future_from_host(
        host: Access<T, Self>,
        s: String,
    ) -> wasmtime::Result<FutureReader<String>> {
        FutureReader::new(host, async move {
            LaterTurn::default().await;
            Ok::<_, wasmtime::Error>(reverse(&s))
        })
    }

    async fn await_u32(
        accessor: &Accessor<T, Self>,
        f: FutureReader<u32>,
    ) -> wasmtime::Result<u32> {
        Ok(read_future(accessor, f).await?.wrapping_mul(2))
    }

    async fn await_string(
        accessor: &Accessor<T, Self>,
        f: FutureReader<String>,
    ) -> wasmtime::Result<String> {
        Ok(reverse(&read_future(accessor, f).await?))
    }

    fn drop_future(mut host: Access<T, Self>, mut f: FutureReader<u32>) -> wasmtime::Result<()> {
        f.close(&mut host)
    }
}

/// Runs the `async` world: `run` (the guest drives `host-async`), then the driver's calls of
/// `guest-async`, in README order, all inside one `run_concurrent`.
pub(crate) fn run(engine: &Engine, component: &Component) -> Result<String> {
    futures::executor::block_on(run_async(engine, component))
}

async fn run_async(engine: &Engine, component: &Component) -> Result<String> {
    let mut linker = Linker::new(engine);
    bindings::Async::add_to_linker::<_, AsyncHost>(&mut linker, |s| s)?;
    let mut store = Store::new(
        engine,
        AsyncHost {
            cancelled: Arc::new(AtomicU32::new(0)),
        },
    );
    let world = bindings::Async::instantiate_async(&mut store, component, &linker).await?;
    let transcript = store
        .run_concurrent(async |accessor| -> Result<String> {
            let mut t = Transcript::default();
            t.line("== run ==");
            let guest_transcript = world.call_run(accessor).await?;
            t.raw(&guest_transcript);
            t.line("== exports ==");
            drive(&mut t, world.gfx_test_worlds_guest_async(), accessor).await?;
            Ok(t.finish())
        })
        .await??;
    Ok(transcript)
}

/// The host driver's calls of README "World `async`", in order.
async fn drive(
    t: &mut Transcript,
    g: &bindings::exports::gfx_test::worlds::guest_async::Guest,
    accessor: &Accessor<AsyncHost>,
) -> Result<()> {
    const P: &str = "export guest-async.";

    let (a, b, c) = futures::try_join!(
        g.call_double_later(accessor, 1),
        g.call_double_later(accessor, 2),
        g.call_double_later(accessor, 3),
    )?;
    t.line(&format!(
        "export join(double-later(1), double-later(2), double-later(3)) -> {}",
        text(&(a, b, c))
    ));

    let bytes: Vec<u8> = (1..=12).collect();
    let shown = text(&bytes);
    let s = accessor.with(|access| StreamReader::new(access, bytes))?;
    let r = g.call_sum_stream(accessor, s).await?;
    t.line(&format!("{P}sum-stream(stream({shown})) -> {}", text(&r)));

    let words = ["one", "two", "three"].map(String::from).to_vec();
    let shown = text(&words);
    let s = accessor.with(|access| StreamReader::new(access, words))?;
    let r = g.call_join_words(accessor, s).await?;
    t.line(&format!("{P}join-words(stream({shown})) -> {}", text(&r)));

    let f = accessor.with(|access| {
        FutureReader::new(access, async {
            LaterTurn::default().await;
            Ok::<_, wasmtime::Error>(41u32)
        })
    })?;
    let r = g.call_await_host_future(accessor, f).await?;
    t.line(&format!("{P}await-host-future(future(41)) -> {}", text(&r)));

    // The host reads the guest's stream 4 items at a time while the guest writes it.
    let s = g.call_open_bytes(accessor, 10).await?;
    t.line(&format!("{P}open-bytes(10) -> stream"));
    let (consumer, chunks) = Chunks::new(4, None);
    accessor.with(|mut access| s.pipe(&mut access, consumer))?;
    let (writes, reads) = futures::join!(g.call_pump_bytes(accessor), chunks.collect::<Vec<_>>());
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

    let f = g.call_open_future(accessor).await?;
    t.line(&format!("{P}open-future() -> future"));
    let (written, value) = futures::join!(
        g.call_resolve_future(accessor, "done".into()),
        read_future(accessor, f)
    );
    t.line(&format!(
        "{P}resolve-future(\"done\") -> {}; the host read: {}",
        text(&written?),
        text(&value?)
    ));

    let (a, b) = futures::try_join!(
        g.call_yield_loop(accessor, 3),
        g.call_yield_loop(accessor, 4)
    )?;
    t.line(&format!(
        "export join(yield-loop(3), yield-loop(4)) -> {}",
        text(&(a, b))
    ));
    Ok(())
}
