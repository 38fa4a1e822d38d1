// The page side of bench/bridge.mjs. Every measurement is one fresh page (instrument.js ran
// first); `window.bench(options)` starts one variant of one guest on #canvas and resolves with
// what the measurement needs. Nothing here is imported before `start` runs: a variant's own code
// (the loader, jco's glue, jco's transpiler) is fetched inside the timed part.
//
// Variants:
//   ours      loadComponent(url) of the signed component: www/dist's loader, our runtime, crates/bridge
//             (with sandbox: 'none': on the page's thread)
//   jco-aot   jco 1.35's output transpiled ahead of time in Node (/jco/<guest>/), host shim.mjs
//   jco-page  jco 1.35's transpiler (bundled, /jco-web/) run in the page on the component's bytes,
//             its output imported from a blob: URL, host shim.mjs
//   plain     hand-written WebGPU in this file doing what the guest does
const B = window.__bench;
const canvas = document.getElementById('canvas');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(check, what, ms = 60_000) {
  const end = performance.now() + ms;
  while (!check()) {
    if (B.error) throw new Error(`${what}: ${B.error}`);
    if (performance.now() > end) throw new Error(`${what}: not reached in ${ms} ms`);
    await sleep(20);
  }
}

// jco's generate() options as jco 1.35's transpile() (tests/jco/transpile.mjs) builds them from
// `{ instantiation: 'async', noTypescript: true }` (jco dist/cmd/transpile.js prepOpts keeps
// ComponentError wrapping on; jco-transpile dist/transpile.js fills in the rest), so the page
// generates the bytes Node generated for jco-aot (bench/bridge.mjs checks that).
const generateOptions = (name) => ({
  name, map: [], instantiation: { tag: 'async' }, asyncMode: undefined, importBindings: undefined,
  validLiftingOptimization: false, tracing: false, noComponentErrorWrapping: false, noNodejsCompat: false,
  noTypescript: true, tlaCompat: false, base64Cutoff: 5000, noNamespacedExports: false, multiMemory: false,
  bindgenEnableWasmExnref: false, strict: false, flagsAsBigint: false, variantsInlineCases: false,
  useNamespaceObjects: false, enumValuesScreamingSnakeCase: false, asmjs: false,
});

async function sha256(bytes) {
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// A variant's failure after `start` returned (jco's `start()` rejecting): rejects `failed`.
let fail;
const failed = new Promise((_, reject) => { fail = reject; });
failed.catch(() => {});

function runJco(root) {
  root.start().then(
    () => { B.error = 'start() returned: the guest stopped drawing'; fail(new Error(B.error)); },
    (e) => { B.error = `start(): ${e?.name}: ${e?.message}`; fail(new Error(B.error)); },
  );
}

/** `promise`, or a rejection after `ms` or when the variant fails. */
function bounded(promise, what, ms) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not reached in ${ms} ms`)), ms); });
  return Promise.race([promise, timeout, failed]).finally(() => clearTimeout(timer));
}

/** Starts `variant` on `guest`; resolves once it is running (not necessarily drawing) with its marks. */
async function start(variant, guest, urls) {
  const t = { t0: performance.now() };
  const out = { variant, guest, t };
  if (variant === 'ours') {
    const L = await import('/dist/wasi-gfx-loader.mjs');
    t.loaded = t.call = performance.now();
    const events = (out.events = []);
    const handle = await L.loadComponent(urls.signed, {
      // The bridge on the page's thread, where instrument.js sees its WebGPU calls (the sandbox
      // worker's cost is measured by bench/sandbox.mjs).
      canvas, keyring: '/keyring.json', fallback: { endpoint: location.origin }, sandbox: 'none',
      onEvent: (e) => { if (e.type !== 'progress') events.push({ type: e.type, at: performance.now() }); },
    });
    t.resolved = performance.now();
    window.__handle = handle;
    Object.assign(out, { mode: handle.mode, reason: handle.reason, metrics: handle.metrics() });
  } else if (variant === 'jco-aot') {
    const [{ instantiate }, { host }] = await Promise.all([import(`${urls.jco}/${guest}.js`), import('/bench/bridge/shim.mjs')]);
    t.loaded = t.call = performance.now();
    const root = await instantiate((p) => WebAssembly.compileStreaming(fetch(`${urls.jco}/${p}`)), host(canvas));
    t.instantiated = performance.now();
    runJco(root);
  } else if (variant === 'jco-page') {
    const [T, { host }] = await Promise.all([import('/jco-web/jco-transpiler.mjs'), import('/bench/bridge/shim.mjs')]);
    t.loaded = t.call = performance.now();
    await T.$init; // fetches and compiles the transpiler's core wasm
    t.init = performance.now();
    const bytes = new Uint8Array(await (await fetch(urls.signed)).arrayBuffer());
    t.fetched = performance.now();
    const { files } = T.generate(bytes, generateOptions(guest));
    t.generated = performance.now();
    const byName = new Map(files);
    const js = byName.get(`${guest}.js`);
    out.generated = { files: files.map(([n, b]) => [n, b.length]), js }; // hashed after the timed part
    const url = URL.createObjectURL(new Blob([js], { type: 'text/javascript' }));
    const { instantiate } = await import(url);
    URL.revokeObjectURL(url);
    t.imported = performance.now();
    const root = await instantiate((p) => WebAssembly.compile(byName.get(p)), host(canvas));
    t.instantiated = performance.now();
    runJco(root);
  } else if (variant === 'plain') {
    t.call = t.t0;
    await plain[guest]();
    t.loaded = performance.now();
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plain JS WebGPU: what each guest does, written directly (webgpu-app's App::new, then one
// frame per requestAnimationFrame, each frame: current texture → view → encoder → render pass
// clearing the texture → the guest's commands → end → finish → submit).

async function setup() {
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter.requestDevice();
  const format = navigator.gpu.getPreferredCanvasFormat();
  const context = canvas.getContext('webgpu');
  context.configure({ device, format });
  return { device, format, context, queue: device.queue };
}

function frameLoop({ device, context, queue }, draw) {
  let n = 0;
  const frame = () => {
    const view = context.getCurrentTexture().createView();
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginRenderPass({ colorAttachments: [{ view, clearValue: draw.clear(n), loadOp: 'clear', storeOp: 'store' }] });
    draw.pass(pass, n);
    pass.end();
    queue.submit([encoder.finish()]);
    n++;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

// Byte for byte guests/triangle's SHADER (the same text, so the same shader-cache key).
const TRIANGLE_WGSL = `
@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    var corners = array<vec2<f32>, 3>(
        vec2<f32>(0.0, 0.5),
        vec2<f32>(-0.5, -0.5),
        vec2<f32>(0.5, -0.5),
    );
    return vec4<f32>(corners[index], 0.0, 1.0);
}

@fragment
fn fs_main() -> @location(0) vec4<f32> {
    return vec4<f32>(1.0, 0.0, 0.0, 1.0);
}
`;

/** The set-viewport calls per odd frame of guests/bench-viewport (and of the plain variant). */
const VIEWPORT_CALLS = 100_000;
const loops = []; // ms of each odd frame's setViewport loop (plain variant)

const plain = {
  async triangle() {
    const gpu = await setup();
    const module = gpu.device.createShaderModule({ code: TRIANGLE_WGSL, label: 'triangle' });
    const pipeline = gpu.device.createRenderPipeline({
      layout: 'auto', label: 'triangle',
      vertex: { module, entryPoint: 'vs_main' },
      fragment: { module, entryPoint: 'fs_main', targets: [{ format: gpu.format }] },
    });
    const grey = 26 / 255;
    frameLoop(gpu, {
      clear: () => ({ r: grey, g: grey, b: grey, a: 1 }),
      pass: (pass) => { pass.setPipeline(pipeline); pass.draw(3); },
    });
  },
  async 'animated-clear'() {
    const gpu = await setup();
    frameLoop(gpu, {
      clear: (n) => { const s = (n % 16) * 16; return { r: s / 255, g: 64 / 255, b: (255 - s) / 255, a: 1 }; },
      pass: () => {},
    });
  },
  async 'bench-viewport'() {
    const gpu = await setup();
    const w = canvas.width;
    const h = canvas.height;
    frameLoop(gpu, {
      clear: () => ({ r: 0, g: 0, b: 128 / 255, a: 1 }),
      pass: (pass, n) => {
        const calls = n % 2 === 1 ? VIEWPORT_CALLS : 0;
        const t = performance.now();
        for (let i = 0; i < calls; i++) pass.setViewport(i & 1, 0, w - 1, h, 0, 1);
        if (calls) loops.push(performance.now() - t); // the loop alone, timed directly
      },
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Measurements.

const measures = {
  /** Part 1: t0 → first presented (and each variant's own marks). */
  async firstFrame({ variant, guest, urls }) {
    const out = await start(variant, guest, urls);
    await bounded(B.first, 'first presented', 30_000);
    if (out.generated) out.generated = { files: out.generated.files, jsSha256: await sha256(out.generated.js) };
    return { ...out, firstSubmit: B.firstSubmit, firstPresented: B.firstPresented, error: B.error };
  },

  /** Part 2: per-frame rAF → submit of guests/bench-viewport's frames (odd ones make the calls). */
  async viewport({ variant, urls, frames }) {
    B.recording = true;
    const out = await start(variant, 'bench-viewport', urls);
    await until(() => B.frames.length >= frames, `${frames} frames`, 120_000);
    return { ...out, frames: B.frames.slice(0, frames), calls: VIEWPORT_CALLS, loops, error: B.error };
  },

  /** Part 3: canvas frames submitted per second over `ms`, after `warmupMs`. */
  async fps({ variant, urls, warmupMs, ms }) {
    const out = await start(variant, 'animated-clear', urls);
    await bounded(B.first, 'first presented', 30_000);
    await sleep(warmupMs);
    const c0 = B.canvasSubmits;
    const r0 = B.rafCount;
    const m0 = window.__handle?.metrics().frames;
    const t0 = performance.now();
    await sleep(ms);
    const c1 = B.canvasSubmits;
    const r1 = B.rafCount;
    const m1 = window.__handle?.metrics().frames;
    const t1 = performance.now();
    return {
      ...out, fps: ((c1 - c0) * 1000) / (t1 - t0), rafPerSec: ((r1 - r0) * 1000) / (t1 - t0),
      loaderFrames: m1 === undefined ? null : m1 - m0, submitted: c1 - c0, error: B.error,
    };
  },

  /** Part 4: rAF callback entry → the frame's submit, `frames` frames after `warmup`. */
  async latency({ variant, urls, warmup, frames }) {
    const out = await start(variant, 'animated-clear', urls);
    B.recording = true;
    await until(() => B.frames.length >= warmup + frames, `${warmup + frames} frames`, 120_000);
    return { ...out, frames: B.frames.slice(warmup, warmup + frames), error: B.error };
  },

  /** The uncapped browser's rAF rate with nothing drawn: the ceiling of part 3. */
  async rafRate({ ms }) {
    let n = 0;
    const tick = () => { n++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    await sleep(200);
    const n0 = n;
    const t0 = performance.now();
    await sleep(ms);
    return { rafPerSec: ((n - n0) * 1000) / (performance.now() - t0) };
  },
};

window.bench = async (options) => {
  try {
    return await measures[options.measure](options);
  } catch (e) {
    return { error: `${e?.name}: ${e?.message}`, stack: e?.stack };
  }
};
window.benchInfo = () => ({ crossOriginIsolated: window.crossOriginIsolated, jspi: typeof WebAssembly.Suspending === 'function' });
window.benchReady = true;
