//! Test guest of the `async` world (`tests/worlds/wit/async.wit`): WASI P3 async.
//!
//! Its exports (`guest-async`, async-lifted in the callback form) behave as
//! tests/worlds/README.md "World `async`" says, and `run` drives every `host-async` import in
//! README order and returns the transcript. Only results go into the transcript, never the order
//! in which concurrent operations happened to finish, so every correct host produces the same text.

#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../tests/worlds/wit",
        world: "gfx-test:worlds/%async",
        generate_all,
    });
}

#[path = "../../worlds-values/src/text.rs"]
#[allow(dead_code)]
mod text;

use std::cell::RefCell;
use std::future::IntoFuture as _;
use std::pin::pin;
use std::task::Poll;

use bindings::exports::gfx_test::worlds::guest_async;
use bindings::gfx_test::worlds::host_async as host;
use bindings::gfx_test::worlds::types::Point;
use bindings::{wit_future, wit_stream};
use text::{record, text, Show, Transcript};
use wit_bindgen::{FutureWriter, StreamReader, StreamResult, StreamWriter};

impl Show for Point {
    fn show(&self, out: &mut String) {
        record(out, &[("x", &self.x), ("y", &self.y)]);
    }
}

/// `complete(<n>)`, `dropped` or `cancelled` (README "World `async`").
struct Outcome(StreamResult);

impl Show for Outcome {
    fn show(&self, out: &mut String) {
        match self.0 {
            StreamResult::Complete(n) => {
                out.push_str("complete(");
                (n as u64).show(out);
                out.push(')');
            }
            StreamResult::Dropped => out.push_str("dropped"),
            StreamResult::Cancelled => out.push_str("cancelled"),
        }
    }
}

/// Text of a sequence of outcomes: `a, b, c`.
fn outcomes(list: &[StreamResult]) -> String {
    let texts: Vec<String> = list.iter().map(|r| text(&Outcome(*r))).collect();
    texts.join(", ")
}

/// Reads `reader` to its end in reads of `capacity` items; returns every read's outcome with the
/// items it brought (`complete(2) [a, b]`), the last one `dropped`.
async fn read_to_end<T: Show + 'static>(
    reader: &mut StreamReader<T>,
    capacity: usize,
) -> (Vec<String>, Vec<T>) {
    let mut log = Vec::new();
    let mut all = Vec::new();
    loop {
        let (result, items) = reader.read(Vec::with_capacity(capacity)).await;
        match result {
            StreamResult::Complete(_) => {
                log.push(format!("{} {}", text(&Outcome(result)), text(&items)));
                all.extend(items);
            }
            _ => {
                log.push(text(&Outcome(result)));
                break;
            }
        }
    }
    (log, all)
}

/// Writes `items` with one write, then one more write of whatever is left after each partial
/// write, until all are written or the reader is gone; returns every write's outcome.
async fn write_all<T: 'static>(writer: &mut StreamWriter<T>, items: Vec<T>) -> Vec<StreamResult> {
    let mut log = Vec::new();
    let (mut result, mut rest) = writer.write(items).await;
    loop {
        log.push(result);
        if rest.remaining() == 0 || !matches!(result, StreamResult::Complete(_)) {
            return log;
        }
        (result, rest) = writer.write_buf(rest).await;
    }
}

thread_local! {
    /// The writer `open-bytes` made and how many bytes `pump-bytes` writes into it.
    static BYTES: RefCell<Option<(StreamWriter<u8>, u32)>> = const { RefCell::new(None) };
    /// The writer `open-future` made, for `resolve-future`.
    static FUTURE: RefCell<Option<FutureWriter<String>>> = const { RefCell::new(None) };
}

struct Component;

impl guest_async::Guest for Component {
    async fn double_later(x: u32) -> u32 {
        host::sleep_then_echo(x).await.wrapping_mul(2)
    }

    async fn sum_stream(mut s: StreamReader<u8>) -> (Vec<u32>, u32) {
        let mut sizes = Vec::new();
        let mut sum = 0u32;
        loop {
            let (result, items) = s.read(Vec::with_capacity(5)).await;
            let StreamResult::Complete(n) = result else {
                break;
            };
            sizes.push(n as u32);
            sum = items
                .iter()
                .fold(sum, |acc, &b| acc.wrapping_add(u32::from(b)));
        }
        (sizes, sum)
    }

    async fn join_words(mut s: StreamReader<String>) -> String {
        let (_, words) = read_to_end(&mut s, 2).await;
        words.join("+")
    }

    async fn await_host_future(f: wit_bindgen::FutureReader<u32>) -> u32 {
        f.await.wrapping_add(1)
    }

    fn open_bytes(n: u32) -> StreamReader<u8> {
        let (writer, reader) = wit_stream::new::<u8>();
        BYTES.with(|b| *b.borrow_mut() = Some((writer, n)));
        reader
    }

    async fn pump_bytes() -> Vec<u32> {
        let Some((mut writer, n)) = BYTES.with(|b| b.borrow_mut().take()) else {
            return Vec::new();
        };
        let bytes = (0..n).map(|i| (i.wrapping_mul(3) % 256) as u8).collect();
        let log = write_all(&mut writer, bytes).await;
        drop(writer);
        log.iter()
            .map(|r| match r {
                StreamResult::Complete(n) => *n as u32,
                _ => 0,
            })
            .collect()
    }

    fn open_future() -> wit_bindgen::FutureReader<String> {
        let (writer, reader) = wit_future::new::<String>(String::new);
        FUTURE.with(|f| *f.borrow_mut() = Some(writer));
        reader
    }

    async fn resolve_future(s: String) -> bool {
        let Some(writer) = FUTURE.with(|f| f.borrow_mut().take()) else {
            return false;
        };
        writer.write(s).await.is_ok()
    }

    async fn yield_loop(n: u32) -> u32 {
        for i in 0..n {
            if i % 2 == 0 {
                wit_bindgen::yield_async().await;
            } else {
                wit_bindgen::yield_blocking();
            }
        }
        n
    }
}

impl bindings::Guest for Component {
    async fn run() -> String {
        let mut t = Transcript::default();
        run_imports(&mut t).await;
        t.finish()
    }
}

bindings::export!(Component with_types_in bindings);

const P: &str = "import host-async.";

/// Awaits `f` and tells whether its first poll was pending: an async-lowered call (or a future
/// read) that the host completes on a later turn is still pending after it.
async fn first_poll_pending<F: std::future::Future>(f: F) -> (bool, F::Output) {
    let mut f = pin!(f);
    match futures::poll!(f.as_mut()) {
        Poll::Ready(v) => (false, v),
        Poll::Pending => (true, f.await),
    }
}

/// The guest's part of README "World `async`", in order.
async fn run_imports(t: &mut Transcript) {
    // Async-lowered imports that complete on a later turn.
    let (pending, r) = first_poll_pending(host::sleep_then_echo(7)).await;
    t.line(&format!(
        "{P}sleep-then-echo(7) -> {} (pending after the first poll: {})",
        text(&r),
        text(&pending)
    ));
    let (pending, r) = first_poll_pending(host::sleep_then_reverse("async ✓".into())).await;
    t.line(&format!(
        "{P}sleep-then-reverse(\"async ✓\") -> {} (pending after the first poll: {})",
        text(&r),
        text(&pending)
    ));

    // Four subtasks at once, joined (the results are written in argument order).
    let joined = futures::join!(
        host::sleep_then_echo(1),
        host::sleep_then_echo(2),
        host::sleep_then_echo(3),
        host::sleep_then_reverse("abc".into()),
    );
    t.line(&format!(
        "join(sleep-then-echo(1), sleep-then-echo(2), sleep-then-echo(3), sleep-then-reverse(\"abc\")) -> ({}, {}, {}, {})",
        text(&joined.0),
        text(&joined.1),
        text(&joined.2),
        text(&joined.3)
    ));

    // Yield: the callback's YIELD code, then the `thread.yield` built-in.
    wit_bindgen::yield_async().await;
    t.line("yield (async) -> ()");
    let go_on = wit_bindgen::yield_blocking();
    t.line(&format!("yield (blocking) -> {}", text(&go_on)));

    // A started subtask, cancelled.
    {
        let mut call = pin!(host::pending_forever());
        let started = futures::poll!(call.as_mut()).is_pending();
        t.line(&format!(
            "import host-async.pending-forever() -> cancelled (pending when cancelled: {})",
            text(&started)
        ));
    }
    let r = host::cancelled_calls();
    t.call(P, "cancelled-calls", &[], &r);

    streams_from_host(t).await;
    streams_to_host(t).await;
    futures_both_ways(t).await;
}

/// Streams the host writes and the guest reads.
async fn streams_from_host(t: &mut Transcript) {
    // Backpressure: the host writes 20 bytes at once, the guest reads 8 at a time.
    let mut s = host::bytes_from_host(20);
    let (log, _) = read_to_end(&mut s, 8).await;
    t.line(&format!(
        "{P}bytes-from-host(20) -> stream; reads of 8: {}",
        log.join(", ")
    ));
    drop(s);

    let mut s = host::words_from_host();
    let (log, _) = read_to_end(&mut s, 3).await;
    t.line(&format!(
        "{P}words-from-host() -> stream; reads of 3: {}",
        log.join(", ")
    ));
    drop(s);

    // The reader drops early: three reads of an endless stream, then the reader is dropped.
    let mut s = host::endless();
    let mut log = Vec::new();
    for _ in 0..3 {
        let (result, items) = s.read(Vec::with_capacity(4)).await;
        log.push(format!("{} {}", text(&Outcome(result)), text(&items)));
    }
    drop(s);
    t.line(&format!(
        "{P}endless() -> stream; 3 reads of 4, then the reader dropped: {}",
        log.join(", ")
    ));

    // A read that blocks, cancelled.
    let mut s = host::silent();
    let (result, items) = {
        let mut read = pin!(s.read(Vec::with_capacity(4)));
        // A host that (wrongly) completed the read shows up in the transcript, not as a trap.
        let (blocked, (result, items)) = match futures::poll!(read.as_mut()) {
            Poll::Ready(done) => (false, done),
            Poll::Pending => (true, read.as_mut().cancel()),
        };
        (
            format!("{} (blocked: {})", text(&Outcome(result)), text(&blocked)),
            items,
        )
    };
    drop(s);
    t.line(&format!(
        "{P}silent() -> stream; a read of 4, cancelled: {result} {}",
        text(&items)
    ));
}

/// Streams the guest writes and the host reads.
async fn streams_to_host(t: &mut Transcript) {
    // Backpressure: one write of 20 bytes, the host reads 8 at a time.
    let bytes: Vec<u8> = (1..=20).collect();
    let shown = text(&bytes);
    let (mut w, r) = wit_stream::new::<u8>();
    let (result, writes) = futures::join!(host::sum_bytes(r), async {
        let log = write_all(&mut w, bytes).await;
        drop(w);
        log
    });
    t.line(&format!(
        "{P}sum-bytes(stream) -> {}; writes of {shown}: {}",
        text(&result),
        outcomes(&writes)
    ));

    let points = vec![
        Point { x: 1, y: 2 },
        Point { x: 3, y: 4 },
        Point { x: -5, y: -6 },
    ];
    let shown = text(&points);
    let (mut w, r) = wit_stream::new::<Point>();
    let (result, writes) = futures::join!(host::collect_points(r), async {
        let log = write_all(&mut w, points).await;
        drop(w);
        log
    });
    t.line(&format!(
        "{P}collect-points(stream) -> {}; writes of {shown}: {}",
        text(&result),
        outcomes(&writes)
    ));

    // The host drops its reader after two items.
    let (mut w, r) = wit_stream::new::<u32>();
    let (result, writes) = futures::join!(host::take_two(r), async {
        let log = write_all(&mut w, vec![10, 20, 30, 40]).await;
        drop(w);
        log
    });
    t.line(&format!(
        "{P}take-two(stream) -> {}; writes of [10, 20, 30, 40]: {}",
        text(&result),
        outcomes(&writes)
    ));

    // A write that blocks (the host never reads), cancelled.
    let (mut w, r) = wit_stream::new::<u8>();
    host::hold_stream(r);
    let (outcome, back) = {
        let mut write = pin!(w.write(vec![1, 2, 3]));
        let (blocked, (result, rest)) = match futures::poll!(write.as_mut()) {
            Poll::Ready(done) => (false, done),
            Poll::Pending => (true, write.as_mut().cancel()),
        };
        (
            format!("{} (blocked: {})", text(&Outcome(result)), text(&blocked)),
            rest.remaining(),
        )
    };
    drop(w);
    t.line(&format!(
        "{P}hold-stream(stream) -> (); a write of hex:010203, cancelled: {outcome}, {} items back",
        back
    ));
}

/// Futures both ways.
async fn futures_both_ways(t: &mut Transcript) {
    let (pending, v) = first_poll_pending(host::future_from_host(7).into_future()).await;
    t.line(&format!(
        "{P}future-from-host(7) -> future; read: {} (pending after the first poll: {})",
        text(&v),
        text(&pending)
    ));
    let f = host::string_future_from_host("future");
    let (pending, v) = first_poll_pending(f.into_future()).await;
    t.line(&format!(
        "{P}string-future-from-host(\"future\") -> future; read: {} (pending after the first poll: {})",
        text(&v),
        text(&pending)
    ));

    let (w, r) = wit_future::new::<u32>(|| 0);
    let (result, written) = futures::join!(host::await_u32(r), w.write(21));
    t.line(&format!(
        "{P}await-u32(future) -> {}; the guest wrote 21: {}",
        text(&result),
        if written.is_ok() { "ok" } else { "dropped" }
    ));

    let (w, r) = wit_future::new::<String>(String::new);
    let (result, written) = futures::join!(host::await_string(r), w.write("gnirts".into()));
    t.line(&format!(
        "{P}await-string(future) -> {}; the guest wrote \"gnirts\": {}",
        text(&result),
        if written.is_ok() { "ok" } else { "dropped" }
    ));

    // The host drops the reader without reading.
    let (w, r) = wit_future::new::<u32>(|| 0);
    host::drop_future(r);
    let written = w.write(5).await;
    t.line(&format!(
        "{P}drop-future(future) -> (); the guest wrote 5: {}",
        if written.is_ok() { "ok" } else { "dropped" }
    ));
}
