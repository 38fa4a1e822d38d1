// World `async` for jco 1.35.0: the host's `host-async` (imported by the guest) and the host
// driver that calls the guest's exported `guest-async`. tests/worlds/README.md, "World `async`",
// is the specification; the wasmtime oracle's copy is crates/worlds-wasmtime/src/async_world.rs.
// jco's output needs JSPI for this component, so this runs in a page (Chromium): it imports only
// ../worlds/text.mjs.
//
// jco's JS shapes for P3 values, read off the generated code (tests/jco/README.md has more):
// - An `async func` import is a JS function returning a Promise. jco calls it from a microtask and
//   answers the guest's async-lowered call from a `setTimeout(0)` it arms first (`_lowerImport`):
//   a host promise settled by then makes the call `RETURNED` at once, a later one `STARTED`. So "a
//   later turn" is a `setTimeout(0)` armed inside the host function (it fires after jco's).
// - A `stream<T>` the host gives (import result, export parameter) is any iterable or async
//   iterable: jco pulls from it when the guest reads. A synchronous iterable is drained up to the
//   read's capacity (the host's "one write"); an async one gives what one `next()` gave. When the
//   guest drops the readable end jco calls the iterator's `return()`.
// - A `stream<T>` the host gets (import parameter, export result) is jco's `Stream`:
//   `read({ count })` → `{ value, done }` (`value`: a typed array for u8/u32, otherwise an array
//   for count > 1 and the item for count 1; `done` also for a read that copied nothing);
//   `[Symbol.dispose]()` drops the readable end.
// - A `future<T>` the host gives is a Promise; one it gets is a thenable (`await f` reads it) with
//   no way to drop it unread (`FutureValue`: `then` only).
// - `subtask.cancel` of a host call gives the host no signal (`AsyncSubtask#requestCancellation`:
//   "there is (currently) no host-side cancellation hook"); the host function was called with no
//   AbortSignal or anything else to observe.
import { bool, list, string, tuple, u32, u8 } from '../worlds/text.mjs';

const P = 'export guest-async.';

const reverse = (s) => [...s].reverse().join('');

/** `value`, on a later turn (a `setTimeout(0)`: after jco's own timer for the call). */
const later = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 0));

/**
 * Reads jco's `Stream` `s` in reads of at most `count` items until it ends (or `limit` items were
 * taken), one read right after the other; resolves with every read's items.
 */
async function readChunks(s, count, limit = Infinity) {
  const chunks = [];
  let taken = 0;
  while (taken < limit) {
    const { value, done } = await s.read({ count });
    if (done) break;
    const items = Array.isArray(value) || ArrayBuffer.isView(value) ? [...value] : [value];
    chunks.push(items);
    taken += items.length;
  }
  return chunks;
}

/**
 * The host of `host-async`: `{ imports, state }` (`state.kept`: ends the host keeps unused).
 * `trace` (an array) gets the name of every host call as it starts, to tell where a run stopped.
 */
export function importObject(trace = []) {
  const state = { cancelled: 0, kept: [] };
  const hostAsync = {
    sleepThenEcho: (x) => later(x),
    sleepThenReverse: (s) => later(reverse(s)),
    // Never settles. Nothing tells the host when the guest cancels the call (see above), so
    // nothing counts it: `cancelledCalls` reports the cancellations the host saw.
    pendingForever: () => new Promise(() => {}),
    cancelledCalls: () => state.cancelled,
    bytesFromHost: (n) => Uint8Array.from({ length: n }, (_, i) => i % 256),
    wordsFromHost: () => ['alpha', 'βeta', '', '😀'],
    // One item per `next()`, i.e. per guest read; stops when jco calls `return()`.
    endless: () => (async function* endless() {
      for (let i = 0; ; i = (i + 1) >>> 0) yield i;
    })(),
    silent: () => {
      const it = { [Symbol.asyncIterator]: () => it, next: () => new Promise(() => {}) };
      state.kept.push(it);
      return it;
    },
    sumBytes: async (s) => {
      const chunks = await readChunks(s, 8);
      return [chunks.map((c) => c.length), chunks.flat().reduce((a, b) => (a + b) >>> 0, 0)];
    },
    collectPoints: async (s) => (await readChunks(s, 2)).flat(),
    takeTwo: async (s) => {
      const two = (await readChunks(s, 1, 2)).flat();
      s[Symbol.dispose]();
      return two;
    },
    holdStream: (s) => { state.kept.push(s); },
    futureFromHost: (x) => later((x + 1) >>> 0),
    stringFutureFromHost: (s) => later(reverse(s)),
    awaitU32: async (f) => Math.imul(await f, 2) >>> 0,
    awaitString: async (f) => reverse(await f),
    // STAND-IN: jco's future thenable cannot be dropped unread, and a future the host only lets
    // go of leaves the guest's write blocked forever (its `run` never returns). So the host reads
    // it after returning: the guest's write completes, `ok` where the README has `dropped`.
    dropFuture: (f) => { state.kept.push((async () => await f)()); },
  };
  for (const [name, fn] of Object.entries(hostAsync)) {
    hostAsync[name] = (...args) => { trace.push(name); return fn(...args); };
  }
  return { imports: { 'gfx-test:worlds/host-async': hostAsync }, state };
}

/**
 * The host driver's calls of README "World `async`", in order; `line(text)` takes each line and
 * `trace` each step as it starts. `g` is jco's `guestAsync` export.
 */
export async function drive(line, g, trace = []) {
  trace.push('double-later x3');
  const doubled = await Promise.all([g.doubleLater(1), g.doubleLater(2), g.doubleLater(3)]);
  line(`export join(double-later(1), double-later(2), double-later(3)) -> ${tuple(u32, u32, u32).show(doubled)}`);

  trace.push('sum-stream');
  const bytes = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
  const sum = await g.sumStream(bytes);
  line(`${P}sum-stream(stream(${list(u8).show(bytes)})) -> ${tuple(list(u32), u32).show(sum)}`);

  trace.push('join-words');
  const words = ['one', 'two', 'three'];
  const joined = await g.joinWords(words);
  line(`${P}join-words(stream(${list(string).show(words)})) -> ${string.show(joined)}`);

  trace.push('await-host-future');
  const plusOne = await g.awaitHostFuture(later(41));
  line(`${P}await-host-future(future(41)) -> ${u32.show(plusOne)}`);

  trace.push('open-bytes');
  const s = g.openBytes(10);
  line(`${P}open-bytes(10) -> stream`);
  trace.push('pump-bytes');
  const [writes, reads] = await Promise.all([g.pumpBytes(), readChunks(s, 4)]);
  const log = reads.map((c) => `complete(${c.length}) ${list(u8).show(Uint8Array.from(c))}`);
  log.push('dropped');
  line(`${P}pump-bytes() -> ${list(u32).show(writes)}; the host's reads of 4: ${log.join(', ')}`);

  trace.push('open-future');
  const f = g.openFuture();
  line(`${P}open-future() -> future`);
  trace.push('resolve-future');
  const [written, value] = await Promise.all([g.resolveFuture('done'), (async () => await f)()]);
  line(`${P}resolve-future("done") -> ${bool.show(written)}; the host read: ${string.show(value)}`);

  trace.push('yield-loop x2');
  const loops = await Promise.all([g.yieldLoop(3), g.yieldLoop(4)]);
  line(`export join(yield-loop(3), yield-loop(4)) -> ${tuple(u32, u32).show(loops)}`);
}

/**
 * Instantiates jco's output (`instantiate`, `getCoreModule`: its `instantiation: 'async'` API),
 * calls `run`, then the driver; resolves with `{ transcript, runMs }`. `Transcript` is
 * ../worlds/text.mjs's; `trace` gets the host calls and the driver's steps.
 */
export async function runAsyncWorld(instantiate, getCoreModule, Transcript, trace = []) {
  const started = performance.now();
  const { imports } = importObject(trace);
  const root = await instantiate(getCoreModule, imports);
  const t = new Transcript();
  t.line('== run ==');
  trace.push('run');
  const guestTranscript = await root.run();
  if (typeof guestTranscript !== 'string') throw new TypeError(`run returned ${typeof guestTranscript}, not a string`);
  t.raw(guestTranscript);
  t.line('== exports ==');
  await drive((l) => t.line(l), root.guestAsync, trace);
  return { transcript: t.finish(), runMs: performance.now() - started };
}
