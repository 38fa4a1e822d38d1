// The call-overhead benchmark's page (bench/calls.mjs serves it). Each contender exposes the same
// shapes; every measurement is one entry into the guest that makes `n` calls, so the per-call cost
// is (time / n) with the entry amortised. Results are ns per call.
//   raw      core wasm → JS import → back (the floor: what any JS-hosted call costs at least)
//   jco      bench-calls.wasm transpiled by jco 1.35, its glue + a JS host
//   ours     bench-calls.wasm through our runtime (crates/worlds-browser), a Rust host

const SHAPES = ['u32', 'string', 'bytes', 'record', 'method', 'export'];

function nsPerCall(run, n, rounds) {
  run(Math.min(n, 1000)); // warm up (tier-up)
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    run(n);
    times.push(((performance.now() - t0) * 1e6) / n);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

async function raw(wasmUrl) {
  const t0 = performance.now();
  const { instance } = await WebAssembly.instantiate(await (await fetch(wasmUrl)).arrayBuffer(), {
    h: { f: (x) => (x + 1) | 0 },
  });
  const instantiateMs = performance.now() - t0;
  return { instantiateMs, shapes: { u32: (n) => instance.exports.loop(n) } };
}

async function jco(entryUrl, coreDir) {
  const t0 = performance.now();
  const m = await import(entryUrl);
  let count = 0;
  class Counter { bump() { return ++count; } }
  const host = {
    addOne: (x) => (x + 1) >>> 0,
    stringLen: (s) => new TextEncoder().encode(s).length,
    bytesLen: (b) => b.length,
    sumEight: (r) => (r.a + r.b + r.c + r.d + r.e + r.f + r.g + r.h) >>> 0,
    Counter,
  };
  const getCoreModule = async (p) => WebAssembly.compile(await (await fetch(`${coreDir}/${p}`)).arrayBuffer());
  const g = await m.instantiate(getCoreModule, { 'gfx-bench:calls/host': host });
  const instantiateMs = performance.now() - t0;
  const s = 'a string of 32 bytes, ascii only'; // 32 bytes
  const bytes = new Uint8Array(4096);
  return {
    instantiateMs,
    shapes: {
      u32: (n) => g.loopAddOne(n),
      string: (n) => g.loopString(n, s),
      bytes: (n) => g.loopBytes(n, bytes),
      record: (n) => g.loopRecord(n),
      method: (n) => g.loopMethod(n),
      export: (n) => { let x = 0; for (let i = 0; i < n; i++) x = g.addOne(x); return x; },
    },
  };
}

async function ours(moduleUrl, componentUrl) {
  const m = await import(moduleUrl);
  await m.default();
  if (typeof m.bench_calls_instantiate !== 'function') return null;
  const bytes = new Uint8Array(await (await fetch(componentUrl)).arrayBuffer());
  const t0 = performance.now();
  await m.bench_calls_instantiate(bytes);
  const instantiateMs = performance.now() - t0;
  const shapes = {};
  for (const shape of SHAPES) shapes[shape] = (n) => m.bench_calls_run(shape, n);
  return { instantiateMs, shapes };
}

window.runBench = async ({ rawUrl, jcoEntry, jcoDir, oursModule, component, n, rounds }) => {
  const contenders = { raw: await raw(rawUrl), jco: await jco(jcoEntry, jcoDir) };
  try {
    const o = await ours(oursModule, component);
    if (o) contenders.ours = o;
  } catch (e) {
    contenders.oursError = String(e?.message ?? e);
  }
  const out = { instantiateMs: {}, ns: {} };
  for (const [name, c] of Object.entries(contenders)) {
    if (!c.shapes) continue;
    out.instantiateMs[name] = c.instantiateMs;
    out.ns[name] = {};
    for (const shape of SHAPES) {
      if (c.shapes[shape]) out.ns[name][shape] = nsPerCall(c.shapes[shape], shape === 'bytes' ? n / 10 : n, rounds);
    }
  }
  out.oursError = contenders.oursError;
  return out;
};
window.ready = true;
