#!/usr/bin/env node
// The wasi-gfx bridge benchmark: in one run, side by side in real headless Chromium (playwright-core,
// the flags of webdriver.json, JSPI on — jco needs it), our loader + component runtime + bridge
// (www/dist, crates/component, crates/bridge) against jco 1.35 (ahead of time and in the page, with
// the host shim of bench/bridge/shim.mjs) and against plain JS WebGPU, on
//   1. loadComponent() → first presented triangle (guests/dist/triangle.wasm)
//   2. one synchronous wasi:webgpu call: set-viewport, ns per call (guests/dist/bench-viewport.wasm)
//   3. uncapped fps of guests/dist/animated-clear.wasm (a second Chromium with
//      --disable-gpu-vsync --disable-frame-rate-limit)
//   4. rAF callback → the frame's submit (present) latency, animated-clear
//   5. gzip -9 bytes a page downloads besides the component
// and rewrites the `## wasi-gfx bridge (headless Chromium)` section of BENCHMARKS.md. See
// bench/README.md (## bridge) for the definitions.
//
//   node bench/bridge.mjs [--quick] [--no-write]
//
// Needs www/dist (scripts/build-web.sh), guests/dist (scripts/build-guests.sh), target/debug/gfx-sign
// and gfx-render-server (cargo build; GFX_PROFILE=release for target/release), /usr/bin/chromium
// (or CHROMIUM=). GFX_BENCH_VERBOSE=1 prints the pages' console.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

import { fmtInt, fmtMs, fmtRatio, median, percentile, replaceSection, table, verdict } from './browser-lib.mjs';
import {
  CHROMIUM_ARGS, TRIANGLE_GREY, TRIANGLE_RED, buildSite, canvasPixels, isAnimatedClear, launchBrowser, same, startServer,
} from '../tests/e2e/harness.mjs';
import { transpileComponentReport } from '../tests/jco/transpile.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECTION = 'wasi-gfx bridge (headless Chromium)';
const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--quick', '--no-write', '--help', '-h'].includes(a)) {
    console.error(`bench/bridge.mjs: unknown argument ${a} (try --help)`);
    process.exit(2);
  }
}
if (args.has('--help') || args.has('-h')) {
  console.log('usage: node bench/bridge.mjs [--quick] [--no-write]\n\n--quick: few rounds (a smoke run; it never writes BENCHMARKS.md)\n--no-write: print the section only');
  process.exit(0);
}
const QUICK = args.has('--quick');
const WRITE = !args.has('--no-write') && !QUICK && !process.env.GFX_BRIDGE_BENCH_ONLY;
const VERBOSE = !!process.env.GFX_BENCH_VERBOSE;
const T0 = performance.now();
const log = (...m) => console.error(`[bridge-bench ${((performance.now() - T0) / 1000).toFixed(1)} s]`, ...m);
// Parts to run (a development aid, e.g. GFX_BRIDGE_BENCH_ONLY=3,4); the others are reported as not measured.
const ONLY = new Set((process.env.GFX_BRIDGE_BENCH_ONLY ?? '1,2,3,4').split(',').map((x) => x.trim()));

const GUESTS = ['triangle', 'animated-clear', 'bench-viewport'];
const VARIANTS = ['ours', 'jco-aot', 'jco-page', 'plain'];
const RUNTIME_VARIANTS = ['ours', 'jco-aot', 'plain']; // parts 2–4: jco-page runs the same glue as jco-aot
const LABEL = {
  ours: 'ours (loader + runtime + bridge)',
  'jco-aot': 'jco 1.35, AOT transpiled',
  'jco-page': 'jco 1.35, transpiled in the page',
  plain: 'plain JS WebGPU',
};
const PLAN = {
  first: { warmup: QUICK ? 0 : 1, rounds: QUICK ? 1 : 9 },
  viewport: { rounds: QUICK ? 1 : 3, pairs: QUICK ? 2 : 12, skip: 1 },
  fps: { rounds: QUICK ? 1 : 7, warmupMs: QUICK ? 300 : 500, ms: QUICK ? 700 : 2000 },
  latency: { rounds: QUICK ? 1 : 3, warmup: QUICK ? 5 : 30, frames: QUICK ? 20 : 120 },
};
const CANVAS = 256;
const GOALS = { firstMs: 120, viewportNs: 60, fpsRatio: 0.9, latencyUs: 500, gzBytes: 250_000 };
const UNCAPPED_FLAGS = ['--disable-gpu-vsync', '--disable-frame-rate-limit'];

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
function git(argv) {
  const r = spawnSync('git', argv, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}
function gzip9(file) {
  const r = spawnSync('gzip', ['-9c', file], { maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`gzip -9c ${file}: ${r.stderr}`);
  return r.stdout.length;
}

// ---------------------------------------------------------------------------------------------
// The site: harness buildSite() (loader, keyring, /components/trusted.wasm = triangle signed by the
// enterprise key), plus the other guests signed the same way, the bench page, jco's outputs.

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bridge bench</title>
<script src="/bench/bridge/instrument.js"></script></head>
<body style="margin:0"><canvas id="canvas" width="${CANVAS}" height="${CANVAS}" style="display:block;width:${CANVAS}px;height:${CANVAS}px"></canvas>
<script type="module" src="/bench/bridge/page.mjs"></script></body></html>
`;

async function prepare() {
  const have = (g) => fs.existsSync(path.join(ROOT, 'guests', 'dist', `${g}.wasm`));
  for (const g of ['triangle', 'animated-clear']) {
    if (!have(g)) throw new Error(`guests/dist/${g}.wasm is missing: scripts/build-guests.sh`);
  }
  // Without bench-viewport (an older guests/dist) part 2 is reported as not measured.
  const guests = GUESTS.filter(have);
  const site = buildSite();
  log('site built and signed');
  const s = site.site;
  const sign = path.join(ROOT, 'target', process.env.GFX_PROFILE ?? 'debug', 'gfx-sign');
  fs.mkdirSync(path.join(s, 'bench', 'c'), { recursive: true });
  const components = { triangle: path.join(s, 'components', 'trusted.wasm') };
  for (const g of guests.filter((x) => x !== 'triangle')) {
    const out = path.join(s, 'bench', 'c', `${g}.wasm`);
    const r = spawnSync(sign, ['sign', '--key', path.join(site.dir, 'keys', 'enterprise.pem'), '--level', 'enterprise-trusted',
      '--signer', 'Test Enterprise', '--name', g, '--version', '1.0.0', '--capability', 'gpu', '--capability', 'surface',
      path.join(ROOT, 'guests', 'dist', `${g}.wasm`), '-o', out], { cwd: site.dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`gfx-sign sign ${g}: ${r.stderr}`);
    components[g] = out;
  }
  const benchDir = path.join(s, 'bench', 'bridge');
  fs.mkdirSync(benchDir, { recursive: true });
  for (const f of ['instrument.js', 'shim.mjs', 'page.mjs']) fs.copyFileSync(path.join(ROOT, 'bench', 'bridge', f), path.join(benchDir, f));
  fs.writeFileSync(path.join(benchDir, 'page.html'), PAGE);

  // jco ahead of time: the unsigned guests, as tests/jco does (the signature section is a custom
  // section jco ignores; the core modules are the same bytes).
  const jco = {};
  for (const g of guests) {
    jco[g] = await transpileComponentReport(path.join(ROOT, 'guests', 'dist', `${g}.wasm`), path.join(s, 'jco', g),
      { instantiation: 'async', name: g, noTypescript: true });
  }
  log('jco transpiled ahead of time');
  // jco's transpiler for the page: its browser entry (`@bytecodealliance/jco/component`'s
  // js-component-bindgen-component.js with preview2-shim's browser modules) bundled by esbuild, next
  // to the two core wasms it fetches from `new URL(…, import.meta.url)`.
  const webDir = path.join(s, 'jco-web');
  const vendor = path.dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco-transpile/component')));
  await esbuild.build({
    stdin: { contents: "export { $init, generate } from '@bytecodealliance/jco-transpile/component';", resolveDir: ROOT, loader: 'js' },
    bundle: true, format: 'esm', platform: 'browser', external: ['node:*'], minify: true, logLevel: 'warning',
    outfile: path.join(webDir, 'jco-transpiler.mjs'),
  });
  const transpilerWasm = ['js-component-bindgen-component.core.wasm', 'js-component-bindgen-component.core2.wasm'];
  for (const f of transpilerWasm) fs.copyFileSync(path.join(vendor, f), path.join(webDir, f));
  return { site, components, jco, webDir, transpilerWasm, guests };
}

const urls = (guest) => ({
  signed: guest === 'triangle' ? '/components/trusted.wasm' : `/bench/c/${guest}.wasm`,
  jco: `/jco/${guest}`,
});

// ---------------------------------------------------------------------------------------------
// Pages. The bench page is served cross-origin isolated (COOP + COEP on the document only, added by
// a Playwright route; its subresources are same-origin), so performance.now() has 5 µs resolution
// instead of 100 µs.

async function newContext(browser) {
  const context = await browser.newContext({ viewport: { width: CANVAS + 40, height: CANVAS + 40 } });
  await context.route(/\/bench\/bridge\/page\.html$/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
    });
  });
  return context;
}

/** A fresh page of the bench in `context` (a new context when none is given: an empty HTTP cache). */
async function openPage(browser, origin, shared) {
  const context = shared ?? await newContext(browser);
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => { if (VERBOSE || m.type() === 'error') logs.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(`${origin}/bench/bridge/page.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30_000 });
  return { context, page, logs, close: () => (shared ? page.close() : context.close()) };
}

/**
 * One measurement in a fresh page (of `shared`, or of a fresh context): `window.bench(options)`,
 * then `check(page, result)`.
 */
async function measure(browser, origin, options, check, shared) {
  const started = performance.now();
  const { page, logs, close } = await openPage(browser, origin, shared);
  const opened = performance.now();
  try {
    const info = await page.evaluate(() => window.benchInfo());
    const r = await page.evaluate((o) => window.bench(o), options);
    if (VERBOSE) log(`${options.measure} ${options.variant ?? ''}: page ${(opened - started).toFixed(0)} ms, run ${(performance.now() - opened).toFixed(0)} ms`);
    r.info = info;
    await freeze(page); // also: closing a page that renders flat out takes seconds on this machine
    if (!r.error && check) r.check = await check(page, r);
    if (logs.length) r.logs = logs;
    if (VERBOSE && logs.length) log(`${options.measure} ${options.variant}:\n  ${logs.join('\n  ')}`);
    return r;
  } finally {
    await freeze(page);
    await close();
    if (VERBOSE) log(`${options.measure} ${options.variant ?? ''}: closed after ${(performance.now() - started).toFixed(0)} ms`);
  }
}

// Checks, untimed, after a run (its frame loop stopped, the last frame still shown): the canvas's
// pixels as the user sees them (an element screenshot).
const triangleShown = async (page) => {
  const p = await canvasPixels(page);
  return same(p.at(CANVAS / 2, CANVAS / 2), TRIANGLE_RED) && same(p.at(3, 3), TRIANGLE_GREY);
};
const centre = async (page) => (await canvasPixels(page)).at(CANVAS / 2, CANVAS / 2);
const animatedShown = async (page) => isAnimatedClear(await centre(page));
const viewportShown = async (page) => same(await centre(page), [0, 0, 128, 255]);
// Stops every frame loop of the page: they all ask window.requestAnimationFrame for their next frame.
const freeze = (page) => page.evaluate(() => { window.requestAnimationFrame = () => 0; }).catch(() => {});

const rotate = (list, i) => list.map((_, k) => list[(i + k) % list.length]);

async function benchFirstFrame(browser, origin) {
  const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const { warmup, rounds } = PLAN.first;
  for (let i = 0; i < warmup + rounds; i++) {
    for (const variant of rotate(VARIANTS, i)) {
      const r = await measure(browser, origin, { measure: 'firstFrame', variant, guest: 'triangle', urls: urls('triangle') }, triangleShown);
      if (r.error) log(`first frame ${variant}: ${r.error}`);
      if (i >= warmup) runs[variant].push(r);
    }
    log(`first frame: round ${i + 1}/${warmup + rounds}${i < warmup ? ' (warm-up)' : ''}`);
  }
  return runs;
}

async function benchViewport(browser, origin) {
  const shared = await newContext(browser); // pages of one context: a warm HTTP cache is fine for steady-state parts
  const runs = Object.fromEntries(RUNTIME_VARIANTS.map((v) => [v, []]));
  const { rounds, pairs } = PLAN.viewport;
  for (let i = 0; i < rounds; i++) {
    for (const variant of rotate(RUNTIME_VARIANTS, i)) {
      const r = await measure(browser, origin, { measure: 'viewport', variant, urls: urls('bench-viewport'), frames: 2 * pairs }, viewportShown, shared);
      if (r.error) log(`set-viewport ${variant}: ${r.error}`);
      runs[variant].push(r);
    }
    log(`set-viewport: round ${i + 1}/${rounds}`);
  }
  await shared.close();
  return runs;
}

/**
 * Where ours' time goes in part 2: a V8 CPU profile (DevTools protocol, sampled every 100 µs) of one
 * extra run of guests/bench-viewport (12 frames, 6 of them with 100,000 calls); not used for timing.
 * Samples are grouped by the code they are in; native code called from JavaScript (the WebGPU
 * binding) counts as the calling JavaScript function's own time.
 */
async function profileViewport(browser, origin) {
  const { context, page, close } = await openPage(browser, origin);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    const r = await page.evaluate((o) => window.bench(o), { measure: 'viewport', variant: 'ours', urls: urls('bench-viewport'), frames: 12 });
    const { profile } = await cdp.send('Profiler.stop');
    if (r.error) return { error: r.error };
    const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const groups = new Map();
    const others = new Map();
    profile.samples.forEach((id, i) => {
      const { functionName: f, url } = nodes.get(id);
      const g = f === '(idle)' ? null
        : f.startsWith('__wbg_setViewport') ? 'setViewport: wasm-bindgen glue + WebGPU binding (native)'
          : /wasm-to-js|js-to-wasm/.test(f) ? "V8's wasm ↔ JS wrappers"
            : url.endsWith('wasi-gfx-loader.wasm') ? 'loader wasm (component runtime + bridge)'
              : /bench.viewport/.test(`${f} ${url}`) ? 'guest wasm'
                : url.endsWith('wasi-gfx-loader.mjs') ? 'other loader JS glue'
                  : f === '(garbage collector)' ? 'garbage collector'
                    : f === '(program)' ? 'V8 / Blink native, unattributed ("(program)")'
                      : 'other';
      if (g) groups.set(g, (groups.get(g) ?? 0) + (profile.timeDeltas[i] ?? 0));
      if (g === 'other') others.set(f || '(anonymous)', (others.get(f || '(anonymous)') ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
    const busy = [...groups.values()].reduce((a, b) => a + b, 0);
    const top = [...others.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([f, us]) => `\`${f}\` ${((100 * us) / busy).toFixed(0)} %`);
    return {
      busyMs: busy / 1000,
      shares: [...groups.entries()].sort((a, b) => b[1] - a[1]).map(([g, us]) => [g === 'other' ? `other (largest: ${top.join(', ')})` : g, us / busy]),
    };
  } finally {
    await freeze(page);
    await close();
  }
}

async function benchFps(browser, origin) {
  const shared = await newContext(browser); // pages of one context: a warm HTTP cache is fine for steady-state parts
  const runs = Object.fromEntries(RUNTIME_VARIANTS.map((v) => [v, []]));
  const ceiling = [];
  const { rounds, warmupMs, ms } = PLAN.fps;
  for (let i = 0; i < rounds; i++) {
    for (const variant of rotate(RUNTIME_VARIANTS, i)) {
      const r = await measure(browser, origin, { measure: 'fps', variant, urls: urls('animated-clear'), warmupMs, ms }, animatedShown, shared);
      if (r.error) log(`fps ${variant}: ${r.error}`);
      runs[variant].push(r);
    }
    log(`fps: round ${i + 1}/${rounds}`);
  }
  // Once (not in --quick): the same browser's rAF rate with nothing drawn.
  if (!QUICK) ceiling.push(await measure(browser, origin, { measure: 'rafRate', ms }, null, shared));
  await shared.close();
  return { runs, ceiling };
}

async function benchLatency(browser, origin) {
  const shared = await newContext(browser); // pages of one context: a warm HTTP cache is fine for steady-state parts
  const runs = Object.fromEntries(RUNTIME_VARIANTS.map((v) => [v, []]));
  const { rounds, warmup, frames } = PLAN.latency;
  for (let i = 0; i < rounds; i++) {
    for (const variant of rotate(RUNTIME_VARIANTS, i)) {
      const r = await measure(browser, origin, { measure: 'latency', variant, urls: urls('animated-clear'), warmup, frames }, animatedShown, shared);
      if (r.error) log(`latency ${variant}: ${r.error}`);
      runs[variant].push(r);
    }
    log(`latency: round ${i + 1}/${rounds}`);
  }
  await shared.close();
  return runs;
}

// ---------------------------------------------------------------------------------------------
// Analysis.

const ok = (list) => list.filter((r) => !r.error);
const errors = (list) => [...new Set(list.filter((r) => r.error).map((r) => r.error))];
const stats = (v) => (v.length ? { med: median(v), p10: percentile(v, 10), p90: percentile(v, 90), n: v.length } : { med: NaN, p10: NaN, p90: NaN, n: 0 });

/** Frames [rafNo, rafMs, textureMs, submitMs] whose rAF numbers step by exactly one (no rAF without a frame, none shared). */
function rafSequenceBreaks(frames) {
  let breaks = 0;
  for (let k = 1; k < frames.length; k++) if (frames[k][0] !== frames[k - 1][0] + 1) breaks++;
  return breaks;
}

/** Part 2: ns per call from frames of guests/bench-viewport: (odd − even) / calls for pairs ≥ skip. */
function viewportNs(frames, calls, skip) {
  const out = [];
  for (let j = skip; 2 * j + 1 < frames.length; j++) {
    const even = frames[2 * j][3] - frames[2 * j][1];
    const odd = frames[2 * j + 1][3] - frames[2 * j + 1][1];
    out.push(((odd - even) * 1e6) / calls);
  }
  return out;
}

function analyse({ first, viewport: measured, fps, latency }) {
  let viewport = measured;
  const A = { first: {}, viewport: {}, fps: {}, latency: {} };
  for (const v of VARIANTS) {
    const rs = ok(first[v]);
    const f = (fn) => stats(rs.map(fn).filter(Number.isFinite));
    A.first[v] = {
      runs: first[v].length, errors: errors(first[v]),
      total: f((r) => r.firstPresented - r.t.t0),
      load: f((r) => r.t.call - r.t.t0),
      call: f((r) => r.firstPresented - r.t.call),
      callSubmit: f((r) => r.firstSubmit - r.t.call),
      resolved: f((r) => r.t.resolved - r.t.call),
      ttff: f((r) => r.metrics?.timeToFirstFrameMs),
      download: f((r) => r.metrics?.downloadMs),
      verify: f((r) => r.metrics?.verifyMs),
      toVerified: f((r) => (r.events?.find((e) => e.type === 'verified')?.at ?? NaN) - r.t.call),
      verifiedToFirst: f((r) => (r.events?.find((e) => e.type === 'first-frame')?.at ?? NaN) - (r.events?.find((e) => e.type === 'verified')?.at ?? NaN)),
      beforeClock: f((r) => r.t.resolved - r.t.call - r.metrics?.timeToFirstFrameMs),
      init: f((r) => r.t.init - r.t.loaded),
      generate: f((r) => r.t.generated - r.t.fetched),
      instantiate: f((r) => r.t.instantiated - (r.t.imported ?? r.t.loaded)),
      pixels: rs.filter((r) => r.check === true).length,
      client: rs.filter((r) => r.mode === 'client' && r.reason === 'verified').length,
      generated: rs.map((r) => r.generated).filter(Boolean),
      isolated: rs.filter((r) => r.info?.crossOriginIsolated).length,
    };
  }
  viewport ??= Object.fromEntries(RUNTIME_VARIANTS.map((v) => [v, [{ error: 'not measured: guests/dist/bench-viewport.wasm is missing (scripts/build-guests.sh)' }]]));
  for (const v of RUNTIME_VARIANTS) {
    const vr = ok(viewport[v]);
    const ns = vr.flatMap((r) => viewportNs(r.frames, r.calls, PLAN.viewport.skip));
    const loops = vr.flatMap((r) => r.loops.slice(PLAN.viewport.skip).map((loopMs) => (loopMs * 1e6) / r.calls));
    A.viewport[v] = {
      loop: stats(loops),
      errors: errors(viewport[v]), ns: stats(ns), p25: ns.length ? percentile(ns, 25) : NaN, p75: ns.length ? percentile(ns, 75) : NaN,
      pairs: ns.length, roundMedians: vr.map((r) => median(viewportNs(r.frames, r.calls, PLAN.viewport.skip))),
      breaks: vr.reduce((n, r) => n + rafSequenceBreaks(r.frames), 0), pixels: vr.filter((r) => r.check === true).length, runs: viewport[v].length,
      client: vr.filter((r) => r.mode === 'client').length,
    };
    const fr = ok(fps.runs[v]);
    A.fps[v] = {
      errors: errors(fps.runs[v]), fps: stats(fr.map((r) => r.fps)), perRound: fr.map((r) => r.fps), raf: stats(fr.map((r) => r.rafPerSec)),
      loaderFrames: fr.map((r) => r.loaderFrames).filter((x) => x !== null), submitted: fr.map((r) => r.submitted),
      pixels: fr.filter((r) => r.check === true).length, runs: fps.runs[v].length, client: fr.filter((r) => r.mode === 'client').length,
    };
    const lr = ok(latency[v]);
    const us = lr.flatMap((r) => r.frames.map(([, raf, , submit]) => (submit - raf) * 1000));
    const toTexture = lr.flatMap((r) => r.frames.map(([, raf, texture]) => (texture - raf) * 1000));
    const recording = lr.flatMap((r) => r.frames.map(([, , texture, submit]) => (submit - texture) * 1000));
    A.latency[v] = {
      errors: errors(latency[v]), us: stats(us), p95: us.length ? percentile(us, 95) : NaN, frames: us.length,
      toTexture: stats(toTexture), recording: stats(recording),
      roundMedians: lr.map((r) => median(r.frames.map(([, raf, , submit]) => (submit - raf) * 1000))),
      breaks: lr.reduce((n, r) => n + rafSequenceBreaks(r.frames), 0), pixels: lr.filter((r) => r.check === true).length, runs: latency[v].length,
      client: lr.filter((r) => r.mode === 'client').length,
    };
  }
  // Paired: round i's variant ÷ round i's plain JS (run seconds apart, so load swings hit both).
  for (const v of RUNTIME_VARIANTS) {
    const ratios = fps.runs[v].map((r, i) => (r.error || fps.runs.plain[i]?.error ? NaN : r.fps / fps.runs.plain[i].fps)).filter(Number.isFinite);
    A.fps[v].paired = stats(ratios);
  }
  A.fps.ceiling = stats(ok(fps.ceiling).map((r) => r.rafPerSec));
  return A;
}

// ---------------------------------------------------------------------------------------------
// Sizes.

function sizes(prep) {
  const file = (p) => ({ name: path.basename(p), raw: fs.statSync(p).size, gz: gzip9(p) });
  const dist = path.join(ROOT, 'www', 'dist');
  const shim = file(path.join(ROOT, 'bench', 'bridge', 'shim.mjs'));
  const t = prep.jco.triangle;
  const jcoDir = path.dirname(t.entry);
  const jcoFiles = t.files.filter((f) => /\.(js|wasm)$/.test(f)).map((f) => file(path.join(jcoDir, f)));
  return {
    ours: { mjs: file(path.join(dist, 'wasi-gfx-loader.mjs')), js: file(path.join(dist, 'wasi-gfx-loader.js')), wasm: file(path.join(dist, 'wasi-gfx-loader.wasm')) },
    jco: jcoFiles,
    transpiler: [file(path.join(prep.webDir, 'jco-transpiler.mjs')), ...prep.transpilerWasm.map((f) => file(path.join(prep.webDir, f)))],
    shim,
    component: file(prep.components.triangle),
  };
}

// ---------------------------------------------------------------------------------------------
// The report.

const fmtNs = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ns` : '–');
const fmtUs = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} µs` : '–');
const fmtFps = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const sum = (list, k) => list.reduce((n, f) => n + f[k], 0);

function report(ctx) {
  const { A, S, prep, chromiumVersion, started, loadBefore, loadAfter } = ctx;
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() ?? 'unknown';
  const commit = git(['rev-parse', '--short=12', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  const distBuilt = fs.statSync(path.join(ROOT, 'www', 'dist', 'wasi-gfx-loader.wasm')).mtime.toISOString().replace(/\.\d+Z$/, 'Z');
  const digests = prep.guests.map((g) => `\`${g}\` ${sha256(fs.readFileSync(path.join(ROOT, 'guests', 'dist', `${g}.wasm`))).slice(0, 12)}…`).join(', ');
  const F = A.first;
  const L = [];
  L.push(`## ${SECTION}`, '');
  L.push('Written by `node bench/bridge.mjs` (see `bench/README.md`, section `bridge`); re-run it to refresh.', '');
  L.push(`- Date (UTC): ${started.toISOString().replace(/\.\d+Z$/, 'Z')}${QUICK ? ' — **--quick run, few samples**' : ''}`);
  L.push(`- Machine: ${os.cpus().length} CPUs, ${cpu}; shared with other builds. 1-min load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
  L.push(`- Browser: ${chromiumVersion} headless, flags of \`webdriver.json\` (WebGPU on SwiftShader), JSPI on; part 3 in a second instance with \`${UNCAPPED_FLAGS.join(' ')}\`. Bench page cross-origin isolated (5 µs \`performance.now()\`): ${F.ours.isolated + F['jco-aot'].isolated + F['jco-page'].isolated + F.plain.isolated}/${VARIANTS.reduce((n, v) => n + ok(ctx.raw.first[v]).length, 0)} part-1 pages`);
  L.push(`- Commit: \`${commit}\`${dirty ? ' (the working tree has uncommitted changes by others)' : ''}; loader \`www/dist\` built ${distBuilt}; guests ${digests}; jco 1.35.0`);
  L.push(`- Canvas ${CANVAS}×${CANVAS}. Every measurement is a fresh page: in part 1 of a fresh browser context each (empty HTTP cache, a first visit), in parts 2–4 of one context per part; variants interleaved, order rotating each round. The render server (\`gfx-render-server\`) serves the site and is the loader's fallback endpoint; every \`ours\` run below was checked to be in client mode.`);
  L.push('- **First presented** (every variant, same instrumentation, `bench/bridge/instrument.js`): the first `GPUQueue.submit` after a `GPUCanvasContext.getCurrentTexture` (the frame\'s commands submitted for the canvas), then the next `requestAnimationFrame` callback after that has fired.');
  L.push('');

  // Summary of the goals (the parts below say how each number is taken).
  {
    const V = A.viewport;
    const oursGz = Math.max(S.ours.mjs.gz, S.ours.js.gz) + S.ours.wasm.gz;
    const rows = [
      ['1. `loadComponent()` call → first presented triangle', `≤ ${GOALS.firstMs} ms`, fmtMs(F.ours.call.med), F.ours.call.med / GOALS.firstMs, F.ours.call.med <= GOALS.firstMs,
        `jco AOT ${fmtMs(F['jco-aot'].call.med)}, jco in the page ${fmtMs(F['jco-page'].call.med)}, plain JS ${fmtMs(F.plain.call.med)}`],
      ['2. `set-viewport`, per call', `≤ ${GOALS.viewportNs} ns`, fmtNs(V.ours.ns.med), V.ours.ns.med / GOALS.viewportNs, V.ours.ns.med <= GOALS.viewportNs,
        `jco ${fmtNs(V['jco-aot'].ns.med)}, plain JS ${fmtNs(V.plain.ns.med)} (loop timed directly ${fmtNs(V.plain.loop.med)})`],
      ['3. uncapped fps, ÷ plain JS', `≥ ${GOALS.fpsRatio}×`, fmtRatio(A.fps.ours.paired.med), A.fps.ours.paired.med / GOALS.fpsRatio, A.fps.ours.paired.med >= GOALS.fpsRatio,
        `ours ${fmtFps(A.fps.ours.fps.med)}, jco ${fmtFps(A.fps['jco-aot'].fps.med)}, plain JS ${fmtFps(A.fps.plain.fps.med)} frames/s`],
      ['4. rAF → present (submit), median', `≤ ${GOALS.latencyUs} µs`, fmtUs(A.latency.ours.us.med), A.latency.ours.us.med / GOALS.latencyUs, A.latency.ours.us.med <= GOALS.latencyUs,
        `jco ${fmtUs(A.latency['jco-aot'].us.med)}, plain JS ${fmtUs(A.latency.plain.us.med)}`],
      ['5. gzip bytes besides the component', `≤ ${fmtInt(GOALS.gzBytes)}`, fmtInt(oursGz), oursGz / GOALS.gzBytes, oursGz <= GOALS.gzBytes,
        `jco AOT ${fmtInt(sum(S.jco.filter((f) => f.name !== 'triangle.core.wasm'), 'gz') + S.shim.gz)}, jco in the page ${fmtInt(sum(S.transpiler, 'gz') + S.shim.gz)}`],
    ].map(([what, goal, got, ratio, met, others]) => [what, goal, got, fmtRatio(ratio), Number.isFinite(ratio) ? `**${verdict(met)}**` : 'not measured', others]);
    const pf = A.fps.ours.paired;
    if (pf.p10 < GOALS.fpsRatio && pf.p90 >= GOALS.fpsRatio) rows[2][4] += ` (per-round ratios ${fmtRatio(pf.p10)} – ${fmtRatio(pf.p90)}: undecided here)`;
    L.push(table(['Goal (ours)', 'Target', 'Measured', 'measured ÷ target', 'Verdict', 'The others'], rows, ['l', 'r', 'r', 'r', 'l', 'l']));
    L.push('');
  }

  // 1.
  L.push('### 1. `loadComponent()` → first presented triangle', '');
  L.push(`\`guests/dist/triangle.wasm\`; ${PLAN.first.warmup} warm-up round(s), then ${PLAN.first.rounds} rounds of the four variants; medians (p10 – p90). ` +
    '"Start" is the page calling the variant\'s code, before its JavaScript is imported: ours `import(\'/dist/wasi-gfx-loader.mjs\')` then `loadComponent(\'/components/trusted.wasm\', …)` (fetches its wasm, the keyring, the signed component; verifies; compiles; instantiates; runs `start`); ' +
    'jco AOT `import()` of the glue and the shim, then `instantiate()` (compiles the core wasms it fetches), then `start()`; jco in the page `import()` of the bundled transpiler, `$init` (fetch + compile of its 3.5 MB core wasm), fetch of the same signed component, `generate()`, `import()` of the output from a `blob:` URL, `instantiate()`, `start()`; ' +
    'plain JS adapter → device → context → shader module → pipeline → one frame on the next rAF. "Call" is after the variant\'s JS module is imported (for plain JS, the start).', '');
  const ms = (s) => (s.n ? `${fmtMs(s.med)} (${fmtMs(s.p10)} – ${fmtMs(s.p90)})` : '–');
  const oursTotal = F.ours.total.med;
  const firstRows = VARIANTS.map((v) => [LABEL[v], ms(F[v].total), ms(F[v].load), ms(F[v].call), fmtRatio(F[v].total.med / oursTotal), `${F[v].total.n}/${F[v].runs}`]);
  L.push(table(['Variant', 'start → first presented', 'JS import', 'call → first presented', '÷ ours (start → presented)', 'runs ok'], firstRows));
  L.push('');
  L.push(`Marks inside the variants (medians): ours \`loadComponent()\` call → promise resolved ${fmtMs(F.ours.resolved.med)}, \`metrics().timeToFirstFrameMs\` ${fmtMs(F.ours.ttff.med)} (the loader's clock, from its wasm entry to the guest's \`present\`), call → first canvas submit ${fmtMs(F.ours.callSubmit.med)}; ` +
    `of the call → resolved time, ${fmtMs(F.ours.beforeClock.med)} is before the loader's clock starts (fetching and instantiating its own ${fmtInt(ctx.S.ours.wasm.raw)}-byte wasm), call → \`verified\` event ${fmtMs(F.ours.toVerified.med)} (of which \`downloadMs\` ${fmtMs(F.ours.download.med)}, \`verifyMs\` ${fmtMs(F.ours.verify.med)}), \`verified\` → \`first-frame\` event ${fmtMs(F.ours.verifiedToFirst.med)} (policy, compiling and instantiating the component, \`start\`, the first frame); ` +
    `jco AOT \`instantiate()\` ${fmtMs(F['jco-aot'].instantiate.med)}; jco in the page \`$init\` ${fmtMs(F['jco-page'].init.med)}, \`generate()\` ${fmtMs(F['jco-page'].generate.med)}, \`instantiate()\` ${fmtMs(F['jco-page'].instantiate.med)}; ` +
    `jco in Node took ${fmtMs(prep.jco.triangle.ms)} to transpile the triangle ahead of time (not in the page's time).`, '');
  const g1 = F.ours.call.med;
  L.push(`Goal: ours \`loadComponent()\` call → first presented ≤ ${GOALS.firstMs} ms: ${fmtMs(g1)} = ${fmtRatio(g1 / GOALS.firstMs)} the goal — **${verdict(g1 <= GOALS.firstMs)}** ` +
    `(call → resolved ${fmtMs(F.ours.resolved.med)}: ${verdict(F.ours.resolved.med <= GOALS.firstMs)}).`, '');

  // 2.
  const V = A.viewport;
  L.push('### 2. One synchronous wasi:webgpu call: `set-viewport`', '');
  L.push(`\`guests/dist/bench-viewport.wasm\`: in the render pass of frame event k, ${fmtInt(100_000)} \`set-viewport\` calls when k is odd, none when k is even; the plain-JS page does the same with \`passEncoder.setViewport\`. ` +
    'Each frame is timed from the rAF callback that produced it to its submit (instrument.js); ns per call = (odd frame − the even frame before it) ÷ 100,000, which cancels everything else a frame costs. ' +
    `${PLAN.viewport.rounds} round(s) × ${PLAN.viewport.pairs} pairs (the first ${PLAN.viewport.skip} of each run skipped); median over all pairs.`, '');
  const plainNs = V.plain.ns.med;
  L.push(table(['Variant', 'ns per call (median)', 'p10 (least disturbed)', 'p25 – p75', 'pairs', 'run medians', '÷ plain JS (medians)', '÷ plain JS (p10s)'], RUNTIME_VARIANTS.map((v) => [
    LABEL[v], fmtNs(V[v].ns.med), fmtNs(V[v].ns.p10), `${fmtNs(V[v].p25)} – ${fmtNs(V[v].p75)}`, String(V[v].pairs), V[v].roundMedians.map(fmtNs).join(', ') || '–',
    fmtRatio(V[v].ns.med / plainNs), fmtRatio(V[v].ns.p10 / V.plain.ns.p10),
  ])));
  L.push('');
  L.push(`The plain-JS loop timed directly (\`performance.now()\` around the 100,000 calls, no frame difference): ${fmtNs(V.plain.loop.med)} per call (p10 – p90 ${fmtNs(V.plain.loop.p10)} – ${fmtNs(V.plain.loop.p90)}, ${V.plain.loop.n} loops).`, '');
  const prof = ctx.raw.profile;
  if (prof?.shares) {
    L.push(`Where ours' time goes (a V8 CPU profile of one extra run, 12 frames of which 6 make the 100,000 calls, sampled every 100 µs; ${fmtMs(prof.busyMs)} not idle; native code called from JavaScript counts as that function's own time): ` +
      prof.shares.filter(([, x]) => x >= 0.01).map(([g, x]) => `${g} ${(100 * x).toFixed(0)} %`).join(', ') + '.', '');
  } else if (prof?.error) {
    L.push(`The CPU profile of ours failed: ${prof.error}.`, '');
  }
  L.push(`Goal: ours ≤ ${GOALS.viewportNs} ns per call: ${fmtNs(V.ours.ns.med)} = ${fmtRatio(V.ours.ns.med / GOALS.viewportNs)} the goal — **${verdict(V.ours.ns.med <= GOALS.viewportNs)}**; jco ÷ ours ${fmtRatio(V['jco-aot'].ns.med / V.ours.ns.med)}.`, '');

  // 3.
  const P = A.fps;
  L.push('### 3. Uncapped frames per second: `animated-clear`', '');
  L.push(`A second Chromium with \`${UNCAPPED_FLAGS.join(' ')}\`; after the first presented frame and ${PLAN.fps.warmupMs} ms, canvas frames submitted over ${PLAN.fps.ms / 1000} s (instrument.js counts them for every variant). ` +
    `${PLAN.fps.rounds} round(s); median. With nothing drawn the same browser runs an empty rAF loop at ${fmtFps(P.ceiling.med)} callbacks/s: the flags uncap rAF only while each frame produces new canvas content, so the rAF rate below is the frame rate each variant sustains.`, '');
  const plainFps = P.plain.fps.med;
  L.push(table(['Variant', 'frames/s (median)', 'per round', 'rAF callbacks/s', '÷ plain JS (paired median)', 'p10 – p90', '÷ plain JS (of medians)'], RUNTIME_VARIANTS.map((v) => [
    LABEL[v], fmtFps(P[v].fps.med), P[v].perRound.map(fmtFps).join(', ') || '–', fmtFps(P[v].raf.med), fmtRatio(P[v].paired.med),
    `${fmtRatio(P[v].paired.p10)} – ${fmtRatio(P[v].paired.p90)}`, fmtRatio(P[v].fps.med / plainFps),
  ])));
  L.push('');
  if (P.ours.loaderFrames.length) L.push(`The loader's own count (\`metrics().frames\`) over the same windows: ${P.ours.loaderFrames.join(', ')} (instrument.js: ${P.ours.submitted.join(', ')}).`, '');
  const fr = P.ours.paired.med;
  const straddles = P.ours.paired.p10 < GOALS.fpsRatio && P.ours.paired.p90 >= GOALS.fpsRatio;
  L.push(`Goal: ours ≥ ${GOALS.fpsRatio}× plain JS (judged on the median of the per-round ratios): ${fmtRatio(fr)} — **${verdict(fr >= GOALS.fpsRatio)}**` +
    (straddles ? ` (but the per-round ratios, p10 – p90 ${fmtRatio(P.ours.paired.p10)} – ${fmtRatio(P.ours.paired.p90)}, lie on both sides of the goal: on this loaded machine the run does not decide it).` : '.'), '');

  // 4.
  const T = A.latency;
  L.push('### 4. rAF → present latency: `animated-clear`', '');
  L.push('The normal (vsync-paced) browser. Per frame: from the entry of the `requestAnimationFrame` callback that produced the frame event (the page wraps `window.requestAnimationFrame` before any other script; the bridge, the shim and the plain page all call it) ' +
    'to the return of the frame\'s `GPUQueue.submit` (the guests call `present` right after it; for ours it is not observable from the page, and the bridge\'s `present` only counts the frame). ' +
    `${PLAN.latency.rounds} round(s) × ${PLAN.latency.frames} frames after ${PLAN.latency.warmup} warm-up frames.`, '');
  L.push(table(['Variant', 'rAF → submit (median)', 'p10 – p90', 'p95', '… rAF → getCurrentTexture', '… getCurrentTexture → submit', 'frames', 'run medians'], RUNTIME_VARIANTS.map((v) => [
    LABEL[v], fmtUs(T[v].us.med), `${fmtUs(T[v].us.p10)} – ${fmtUs(T[v].us.p90)}`, fmtUs(T[v].p95), fmtUs(T[v].toTexture.med), fmtUs(T[v].recording.med),
    String(T[v].frames), T[v].roundMedians.map(fmtUs).join(', ') || '–',
  ])));
  L.push('');
  L.push(`For plain JS, getCurrentTexture → submit is WebGPU alone (getCurrentTexture, createView, createCommandEncoder, beginRenderPass, end, finish, submit on SwiftShader): ${fmtUs(T.plain.recording.med)} here, the floor under every variant's frame; ` +
    `the rAF → getCurrentTexture column is how long each variant takes to hand the frame event to the guest and get its first call back.`, '');
  L.push(`Goal: ours ≤ ${GOALS.latencyUs} µs: ${fmtUs(T.ours.us.med)} = ${fmtRatio(T.ours.us.med / GOALS.latencyUs)} the goal — **${verdict(T.ours.us.med <= GOALS.latencyUs)}**; ours ÷ plain JS ${fmtRatio(T.ours.us.med / T.plain.us.med)}, jco ÷ ours ${fmtRatio(T['jco-aot'].us.med / T.ours.us.med)}.`, '');

  // 5.
  L.push('### 5. What the page downloads besides the component', '');
  const o = S.ours;
  const jcoCore = S.jco.find((f) => f.name === 'triangle.core.wasm');
  const jcoRest = S.jco.filter((f) => f !== jcoCore);
  const jcoGlue = S.jco.find((f) => f.name.endsWith('.js'));
  const rows5 = [
    ['ours, module page', '`wasi-gfx-loader.mjs` + `.wasm` (www/dist)', fmtInt(o.mjs.raw + o.wasm.raw), `**${fmtInt(o.mjs.gz + o.wasm.gz)}**`],
    ['ours, script-tag page', '`wasi-gfx-loader.js` + `.wasm`', fmtInt(o.js.raw + o.wasm.raw), fmtInt(o.js.gz + o.wasm.gz)],
    ['jco AOT', `glue \`${jcoGlue.name}\` (${fmtInt(jcoGlue.gz)} gz) + jco's small core wasms (${jcoRest.filter((f) => f !== jcoGlue).map((f) => `\`${f.name}\``).join(', ')}) + the shim (${fmtInt(S.shim.gz)} gz)`,
      fmtInt(sum(jcoRest, 'raw') + S.shim.raw), `**${fmtInt(sum(jcoRest, 'gz') + S.shim.gz)}**`],
    ['… and the guest\'s own core module', `\`triangle.core.wasm\` (the component's code: the page downloads it instead of the component)`, fmtInt(jcoCore.raw), fmtInt(jcoCore.gz)],
    ['jco in the page', `the bundled transpiler (\`jco-transpiler.mjs\`, esbuild, ${fmtInt(S.transpiler[0].gz)} gz) + its core wasms (${fmtInt(sum(S.transpiler.slice(1), 'gz'))} gz) + the shim`,
      fmtInt(sum(S.transpiler, 'raw') + S.shim.raw), `**${fmtInt(sum(S.transpiler, 'gz') + S.shim.gz)}**`],
    ['plain JS', 'the page\'s own code (not counted)', '–', '–'],
    ['(the component)', '`trusted.wasm`: triangle + signature', fmtInt(S.component.raw), fmtInt(S.component.gz)],
  ];
  L.push(table(['Variant', 'Files', 'Raw bytes', 'gzip -9 bytes'], rows5, ['l', 'l', 'r', 'r']));
  L.push('');
  const oursGz = Math.max(o.mjs.gz, o.js.gz) + o.wasm.gz;
  L.push(`Goal ≤ ${fmtInt(GOALS.gzBytes)} bytes (250 KB) gzipped: ours ${fmtInt(oursGz)} bytes = ${fmtRatio(oursGz / GOALS.gzBytes)} the goal — **${verdict(oursGz <= GOALS.gzBytes)}**; ` +
    `jco AOT (glue + small core wasms + shim) ${fmtRatio((sum(jcoRest, 'gz') + S.shim.gz) / GOALS.gzBytes)}, jco in the page ${fmtRatio((sum(S.transpiler, 'gz') + S.shim.gz) / GOALS.gzBytes)} the goal. ` +
    'jco\'s glue is generated per component (this is the triangle\'s); ours is the same for every component.', '');

  // Checks.
  const checks = [];
  checks.push(`ours in client mode, reason \`verified\`: part 1 ${F.ours.client}/${F.ours.runs}, part 2 ${V.ours.client}/${V.ours.runs}, part 3 ${P.ours.client}/${P.ours.runs}, part 4 ${T.ours.client}/${T.ours.runs}`);
  checks.push(`pixels on the canvas after each run (triangle red centre + grey corner; bench-viewport (0, 0, 128); animated-clear colours): part 1 ${VARIANTS.map((v) => `${v} ${F[v].pixels}/${F[v].runs}`).join(', ')}; ` +
    `part 2 ${RUNTIME_VARIANTS.map((v) => `${v} ${V[v].pixels}/${V[v].runs}`).join(', ')}; part 3 ${RUNTIME_VARIANTS.map((v) => `${v} ${P[v].pixels}/${P[v].runs}`).join(', ')}; part 4 ${RUNTIME_VARIANTS.map((v) => `${v} ${T[v].pixels}/${T[v].runs}`).join(', ')}`);
  const aotSha = sha256(fs.readFileSync(prep.jco.triangle.entry));
  const gen = F['jco-page'].generated;
  checks.push(`jco in the page generated the same glue as jco in Node: ${gen.filter((g) => g.jsSha256 === aotSha).length}/${gen.length} runs byte-identical (\`triangle.js\` sha256 ${aotSha.slice(0, 12)}…)`);
  checks.push(`frames whose rAF number did not follow the previous frame's by one (a frame with no rAF of its own, or two frames on one rAF): part 2 ${RUNTIME_VARIANTS.map((v) => `${v} ${V[v].breaks}`).join(', ')}; part 4 ${RUNTIME_VARIANTS.map((v) => `${v} ${T[v].breaks}`).join(', ')}`);
  const errs = [];
  for (const [part, set, vs] of [['1', F, VARIANTS], ['2', V, RUNTIME_VARIANTS], ['3', P, RUNTIME_VARIANTS], ['4', T, RUNTIME_VARIANTS]]) {
    for (const v of vs) for (const e of set[v].errors) errs.push(`part ${part} ${v}: ${e}`);
  }
  checks.push(errs.length ? `failed runs: ${errs.join('; ')}` : 'no run failed');
  L.push('Checks: ' + checks.join('. ') + '.', '');
  return L.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = new Date();
  const loadBefore = os.loadavg()[0];
  log('preparing the site (signing, jco transpile, bundling jco\'s transpiler)');
  const prep = await prepare();
  let server;
  let browser;
  let uncapped;
  try {
    server = await startServer(prep.site.site);
    log(`render server on ${server.url}`);
    browser = await launchBrowser();
    log('browser launched');
    const chromiumVersion = `Chromium ${browser.version()}`;
    const empty = (list) => Object.fromEntries(list.map((v) => [v, [{ error: 'not measured: left out by GFX_BRIDGE_BENCH_ONLY' }]]));
    const first = ONLY.has('1') ? await benchFirstFrame(browser, server.url) : empty(VARIANTS);
    const viewport = !ONLY.has('2') ? empty(RUNTIME_VARIANTS) : prep.guests.includes('bench-viewport') ? await benchViewport(browser, server.url) : null;
    const profile = !QUICK && viewport && ONLY.has('2') ? await profileViewport(browser, server.url) : null;
    const latency = ONLY.has('4') ? await benchLatency(browser, server.url) : empty(RUNTIME_VARIANTS);
    let fps = { runs: empty(RUNTIME_VARIANTS), ceiling: [] };
    if (ONLY.has('3')) {
      uncapped = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS.concat(UNCAPPED_FLAGS), headless: true });
      fps = await benchFps(uncapped, server.url);
    }
    const raw = { first, viewport, fps, latency, profile };
    log('done measuring');
    const A = analyse(raw);
    const S = sizes(prep);
    const section = report({ A, S, raw, prep, chromiumVersion, started, loadBefore, loadAfter: os.loadavg()[0] });
    process.stdout.write(`${section}\n`);
    if (process.env.GFX_BRIDGE_BENCH_JSON) fs.writeFileSync(process.env.GFX_BRIDGE_BENCH_JSON, JSON.stringify({ analysis: A, sizes: S }, null, 1));
    if (WRITE) {
      const file = path.join(ROOT, 'BENCHMARKS.md');
      const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''; // re-read: others rewrite their sections
      fs.writeFileSync(file, replaceSection(doc, SECTION, section));
      log(`wrote the "${SECTION}" section of BENCHMARKS.md`);
    }
  } finally {
    await uncapped?.close();
    await browser?.close();
    await server?.stop();
    fs.rmSync(prep.site.dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`bench/bridge.mjs: ${e.stack ?? e}`);
    process.exit(1);
  });
}
