#!/usr/bin/env node
// The browser loader benchmark: real headless Chromium (playwright-core, the flags of
// webdriver.json), the real render server (target/release if built, else target/debug), the built
// loader in www/dist. See bench/README.md (## browser) for what each row times.
//
//   node bench/browser.mjs              # measure, print, and rewrite the browser section of BENCHMARKS.md
//   node bench/browser.mjs --no-write   # measure and print only
//   node bench/browser.mjs --quick      # smoke run: few runs (the numbers mean little)
//
// Env: GFX_SERVER / GFX_SIGN (binaries), CHROMIUM (default /usr/bin/chromium), GFX_BENCH_VERBOSE=1.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';

import {
  MiB, fmtInt, fmtMs, fmtRatio, median, mibPerSec, percentile, replaceSection, syntheticComponent, table, verdict,
} from './browser-lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECTION = 'Browser loader (headless Chromium)';
const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--quick', '--no-write', '--help', '-h'].includes(a)) {
    console.error(`bench/browser.mjs: unknown argument ${a} (try --help)`);
    process.exit(2);
  }
}
if (args.has('--help') || args.has('-h')) {
  console.log('usage: node bench/browser.mjs [--quick] [--no-write]');
  process.exit(0);
}
const QUICK = args.has('--quick');
const WRITE = !args.has('--no-write');
const VERBOSE = !!process.env.GFX_BENCH_VERBOSE;
const log = (...m) => console.error('[browser-bench]', ...m);

// Runs: [size, timed runs, calls per timed run]. 1 MiB repeats the call in each run because
// Chromium coarsens performance.now() (100 µs without cross-origin isolation).
const HASH_PLAN = QUICK
  ? [[MiB, 5, 4], [10 * MiB, 3, 1], [50 * MiB, 3, 1]]
  : [[MiB, 31, 8], [10 * MiB, 31, 1], [50 * MiB, 21, 1]];
const HASH_WARMUP = QUICK ? 1 : 3;
const TINY = { runs: QUICK ? 5 : 31, reps: 20 };
const FF_SIZES = [256, 512];
const FF_RUNS = QUICK ? 3 : 20;
const FF_WARMUP = 2;
const GOAL_RATIO = 0.9;
const GOAL_GZ_BYTES = 250_000; // "250 KB": 1 KB = 1000 bytes

function pick(name, env) {
  if (process.env[env]) return { bin: path.resolve(process.env[env]), profile: 'custom' };
  for (const profile of ['release', 'debug']) {
    const bin = path.join(ROOT, 'target', profile, name);
    if (fs.existsSync(bin)) return { bin, profile };
  }
  throw new Error(`${name} is missing: cargo build -p gfx-sign -p gfx-render-server (or --release)`);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

function machine() {
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() ?? 'unknown';
  const flags = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '';
  return { nproc: run('nproc', []).trim(), cpu, sha: /\bsha_ni\b/.test(flags) };
}

function git(argv) {
  const r = spawnSync('git', argv, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

// ---------------------------------------------------------------------------------------------
// The site: loader, bench pages, keyring, components.

const HASH_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>browser bench: hashing</title></head>
<body><script type="module" src="/bench/hash.mjs"></script></body></html>
`;

// Times every row of one size, interleaved (the row order rotates every run) so that load from
// other processes on the machine hits all rows alike.
const HASH_MODULE = `import * as L from '/dist/wasi-gfx-loader.mjs';
window.L = L;
const sha = async (b) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', b)), (x) => x.toString(16).padStart(2, '0')).join('');
window.benchHash = async ({ url, runs, warmup, reps, expect }) => {
  const bytes = new Uint8Array(await (await fetch(url, { cache: 'no-store' })).arrayBuffer());
  const keyring = await (await fetch('/keyring.json', { cache: 'no-store' })).json();
  const checks = { size: bytes.length, digestOk: (await sha(bytes)) === expect.signed, results: {} };
  const verify = (hash) => async () => {
    const r = await L.verifyComponent(bytes, keyring, { hash });
    const ok = r.verified && r.reason === 'verified' && r.digest === 'sha256:' + expect.unsigned && r.hash === hash;
    if (!ok) checks.results[hash] = r;
    return r.verifyMs;
  };
  const rows = {
    digest: async () => { await crypto.subtle.digest('SHA-256', bytes); },
    webcrypto: verify('webcrypto'),
    wasm: verify('wasm'),
    copy: async () => { bytes.slice(); },
  };
  const names = Object.keys(rows);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  const reported = { webcrypto: [], wasm: [] };
  for (let i = 0; i < warmup + runs; i++) {
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const name of order) {
      let rep = 0;
      const t0 = performance.now();
      for (let k = 0; k < reps; k++) {
        const v = await rows[name]();
        if (typeof v === 'number') rep += v;
      }
      const ms = (performance.now() - t0) / reps;
      if (i >= warmup) {
        samples[name].push(ms);
        if (name in reported) reported[name].push(rep / reps);
      }
    }
  }
  checks.failed = Object.keys(checks.results).length;
  return { samples, reported, checks };
};
window.benchReady = true;
`;

const FF_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>browser bench: first frame</title></head>
<body style="margin:0"><canvas id="canvas" width="256" height="256" style="display:block"></canvas>
<script type="module" src="/bench/ff.mjs"></script></body></html>
`;

// A cold page: loadComponent of the tampered triangle; the times are from performance.now().
const FF_MODULE = `import * as L from '/dist/wasi-gfx-loader.mjs';
const q = new URLSearchParams(location.search);
const size = Number(q.get('size'));
const canvas = document.getElementById('canvas');
canvas.width = canvas.height = size;
canvas.style.width = canvas.style.height = size + 'px';
const events = [];
let tFirst = null;
const tCall = performance.now();
try {
  const handle = await L.loadComponent(q.get('component'), {
    canvas,
    keyring: '/keyring.json',
    fallback: { endpoint: location.origin },
    onEvent: (e) => {
      const at = performance.now();
      if (e.type === 'first-frame' && tFirst === null) tFirst = at;
      events.push({ ...e, at });
    },
  });
  const tResolved = performance.now();
  window.__handle = handle;
  const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/wasi-gfx-loader.wasm'));
  window.__result = {
    ok: true, mode: handle.mode, reason: handle.reason, trustLevel: handle.trustLevel,
    metrics: handle.metrics(), events, tCall, tFirst, tResolved,
    wasmFetch: wasm ? { start: wasm.startTime, end: wasm.responseEnd } : null,
  };
} catch (e) {
  window.__result = { ok: false, code: e.code, message: e.message, events };
}
document.body.dataset.done = '1';
`;

function buildSite(sign) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfx-browser-bench-'));
  const site = path.join(dir, 'site');
  const comps = path.join(site, 'components');
  const bench = path.join(site, 'bench');
  fs.mkdirSync(comps, { recursive: true });
  fs.mkdirSync(bench, { recursive: true });
  fs.cpSync(path.join(ROOT, 'www', 'dist'), path.join(site, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(bench, 'hash.html'), HASH_PAGE);
  fs.writeFileSync(path.join(bench, 'hash.mjs'), HASH_MODULE);
  fs.writeFileSync(path.join(bench, 'ff.html'), FF_PAGE);
  fs.writeFileSync(path.join(bench, 'ff.mjs'), FF_MODULE);

  const keys = path.join(dir, 'keys');
  fs.mkdirSync(keys);
  const key = path.join(keys, 'bench.pem');
  const gs = (argv) => run(sign, argv, { cwd: dir });
  gs(['keygen', '--out', key]);
  const keyring = path.join(site, 'keyring.json');
  gs(['keyring', 'add', '--keyring', keyring, '--key', key.replace(/\.pem$/, '.pub.pem'),
    '--max-level', 'enterprise-trusted', '--label', 'Bench']);

  // Synthetic components, signed at publisher-signed: served as static files, not registered.
  const inputs = [];
  for (const [size] of HASH_PLAN) inputs.push(size);
  const expected = {};
  for (const size of [...inputs, 1024]) {
    const name = size === 1024 ? 'tiny' : `${size / MiB}mib`;
    const unsigned = path.join(dir, `${name}.wasm`);
    const signed = path.join(bench, `${name}.signed.wasm`);
    const bytes = syntheticComponent(size);
    fs.writeFileSync(unsigned, bytes);
    gs(['sign', '--key', key, '--level', 'publisher-signed', '--signer', 'Bench', '--name', name,
      '--version', '1.0.0', '--capability', 'gpu', unsigned, '-o', signed]);
    const s = fs.readFileSync(signed);
    expected[size] = { url: `/bench/${name}.signed.wasm`, unsigned: sha256(bytes), signed: sha256(s), signedBytes: s.length };
  }

  // The tampered triangle of tests/e2e: signed, then one bit of its last section flipped.
  const triangle = path.join(ROOT, 'guests', 'dist', 'triangle.wasm');
  if (!fs.existsSync(triangle)) throw new Error(`${triangle} is missing: npm run build:guests`);
  const tampered = path.join(comps, 'tampered.wasm');
  gs(['sign', '--key', key, '--level', 'enterprise-trusted', '--signer', 'Bench', '--name', 'triangle',
    '--version', '1.0.0', '--capability', 'gpu', '--capability', 'surface', triangle, '-o', tampered]);
  const t = fs.readFileSync(tampered);
  t[t.length - 1] ^= 0x01;
  fs.writeFileSync(tampered, t);
  return { dir, site, expected, tamperedBytes: t.length };
}

function startServer(bin, site, dir) {
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--keyring', path.join(site, 'keyring.json'),
    '--components', path.join(site, 'components'), '--www', site, '--max-sessions', '64',
    '--compile-cache', path.join(dir, 'wasmtime-cache')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MESA_SHADER_CACHE_DIR: path.join(dir, 'mesa-cache'), RUST_LOG: process.env.RUST_LOG ?? 'gfx_render_server=warn' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; if (VERBOSE) process.stderr.write(d); });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`render server did not start in 120 s:\n${stderr}`)), 120_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          stderr: () => stderr,
          alive: () => child.exitCode === null,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
        });
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`render server exited (${code}):\n${stderr}`)); });
  });
}

async function activeSessions(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = text.match(/^gfx_sessions_active(?:\{[^}]*\})?\s+(\d+(?:\.\d+)?)/m);
  return m ? Number(m[1]) : NaN;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// 1. Hashing + verification.

async function benchHashing(browser, server, expected) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const logs = [];
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) logs.push(`HTTP ${r.status()} ${r.url()}`); });
  await page.goto(`${server.url}/bench/hash.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
  const out = [];
  for (const [size, runs, reps] of HASH_PLAN) {
    log(`hashing ${size / MiB} MiB: ${HASH_WARMUP} warm-up + ${runs} runs × ${reps}`);
    const e = expected[size];
    const r = await page.evaluate((a) => window.benchHash(a),
      { url: e.url, runs, warmup: HASH_WARMUP, reps, expect: e });
    out.push({ size, runs, reps, bytes: e.signedBytes, ...r });
  }
  log(`tiny component: ${TINY.runs} runs × ${TINY.reps}`);
  const e = expected[1024];
  const tiny = await page.evaluate((a) => window.benchHash(a),
    { url: e.url, runs: TINY.runs, warmup: HASH_WARMUP, reps: TINY.reps, expect: e });
  await context.close();
  if (logs.length) log(`page said:\n${logs.join('\n')}`);
  return { sizes: out, tiny: { bytes: e.signedBytes, runs: TINY.runs, reps: TINY.reps, ...tiny } };
}

// ---------------------------------------------------------------------------------------------
// 3. Cold page → first server frame (and 2. what Chromium transferred, from the same loads).

const TRIANGLE_RED = [255, 0, 0, 255];
const TRIANGLE_GREY = [26, 26, 26, 255];
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

async function firstFrameRun(browser, server, size) {
  const context = await browser.newContext({ viewport: { width: 600, height: 600 } });
  try {
    const page = await context.newPage();
    const transfers = [];
    page.on('requestfinished', async (req) => {
      try {
        const res = await req.response();
        const sizes = await req.sizes();
        transfers.push({
          url: req.url(), status: res?.status(), encoding: (await res?.allHeaders())?.['content-encoding'] ?? null,
          body: sizes.responseBodySize, headers: sizes.responseHeadersSize,
        });
      } catch { /* the context closed */ }
    });
    const logs = [];
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(`${server.url}/bench/ff.html?${new URLSearchParams({ size, component: '/components/tampered.wasm' })}`);
    await page.waitForFunction(() => document.body?.dataset.done === '1', null, { timeout: 90_000 });
    const r = await page.evaluate(() => window.__result);
    if (!r.ok) throw new Error(`loadComponent failed: ${r.code}: ${r.message}\n${logs.join('\n')}`);
    // Checks (untimed): the triangle is on the canvas, at the asked size.
    const png = PNG.sync.read(await page.locator('#canvas').screenshot());
    const at = (x, y) => { const i = (png.width * y + x) * 4; return [...png.data.subarray(i, i + 4)]; };
    r.pixelsOk = png.width === size && same(at(size >> 1, size >> 1), TRIANGLE_RED) && same(at(3, 3), TRIANGLE_GREY);
    r.metricsAfter = await page.evaluate(() => window.__handle.metrics());
    // stop() ends the server session with a DELETE (keepalive fetch); wait for its answer before
    // the context closes, or the session outlives the page until the server's idle timeout.
    const deleted = page.waitForResponse((res) => res.request().method() === 'DELETE' && /\/v1\/sessions\//.test(res.url()),
      { timeout: 10_000 }).then((res) => res.status(), (e) => `no answer: ${e.message.split('\n')[0]}`);
    await page.evaluate(() => window.__handle.stop());
    r.deleteStatus = await deleted;
    r.transfers = transfers;
    return r;
  } finally {
    await context.close();
  }
}

async function benchFirstFrame(browser, server) {
  const runs = Object.fromEntries(FF_SIZES.map((s) => [s, []]));
  const warm = Object.fromEntries(FF_SIZES.map((s) => [s, []]));
  let leaked = 0;
  for (let i = 0; i < FF_WARMUP + FF_RUNS; i++) {
    for (const size of (i % 2 ? [...FF_SIZES].reverse() : FF_SIZES)) {
      const r = await firstFrameRun(browser, server, size);
      (i < FF_WARMUP ? warm : runs)[size].push(r);
      // Each run ends its session (stop()); wait until the server agrees, so no earlier session
      // renders in the background of the next run.
      let n = NaN;
      for (let k = 0; k < 50; k++) {
        n = await activeSessions(server);
        if (n === 0) break;
        await sleep(100);
      }
      if (n !== 0) {
        leaked++;
        log(`run ${i} ${size}²: ${n} sessions still live 5 s after stop() (DELETE: ${r.deleteStatus})`);
      }
      if (VERBOSE) log(`first frame ${size}: ${r.events.find((e) => e.type === 'first-frame')?.ms} ms`);
    }
    if (i === FF_WARMUP - 1) log(`first frame: warm-up done, ${FF_RUNS} runs per size`);
  }
  return { runs, warm, leaked };
}

// ---------------------------------------------------------------------------------------------
// 2. Sizes on disk.

function distSizes() {
  const dist = path.join(ROOT, 'www', 'dist');
  const out = {};
  for (const f of ['wasi-gfx-loader.mjs', 'wasi-gfx-loader.js', 'wasi-gfx-loader.wasm']) {
    const file = path.join(dist, f);
    const raw = fs.readFileSync(file);
    const gz = Number(run('sh', ['-c', 'gzip -9c "$1" | wc -c', 'sh', file]).trim());
    const br = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    out[f] = { raw: raw.length, gz, br, mtime: fs.statSync(file).mtime };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The report.

function hashSection(hash, expected) {
  const rows = [];
  const ratioRows = [];
  const gaps = [];
  for (const s of hash.sizes) {
    const m = Object.fromEntries(Object.entries(s.samples).map(([k, v]) => [k, median(v)]));
    const label = `${s.size / MiB} MiB`;
    const tput = (ms) => mibPerSec(s.bytes, ms);
    const row = (name, k, note = '') => rows.push([name, label, `${s.runs}×${s.reps}`, fmtMs(m[k]),
      fmtMs(percentile(s.samples[k], 10)), fmtMs(percentile(s.samples[k], 90)), tput(m[k]).toFixed(0),
      fmtRatio(m.digest / m[k]), note]);
    row('`crypto.subtle.digest` (reference)', 'digest');
    row("`verifyComponent`, `hash: 'webcrypto'`", 'webcrypto', `verifyMs ${fmtMs(median(s.reported.webcrypto))}`);
    row("`verifyComponent`, `hash: 'wasm'`", 'wasm', `verifyMs ${fmtMs(median(s.reported.wasm))}`);
    row('`bytes.slice()` (JS copy, baseline)', 'copy');
    // Paired: the reference and the row ran in the same round, a few ms apart, so load from other
    // processes hits both alike; the median of the per-round ratios is the goal's statistic.
    const paired = (k) => s.samples.digest.map((d, i) => d / s.samples[k][i]);
    const pw = paired('webcrypto');
    const ratioWc = median(pw);
    ratioRows.push([label, fmtRatio(ratioWc), `${fmtRatio(percentile(pw, 25))} – ${fmtRatio(percentile(pw, 75))}`,
      fmtRatio(m.digest / m.webcrypto), verdict(ratioWc >= GOAL_RATIO), fmtRatio(median(paired('wasm'))),
      fmtMs(m.webcrypto - median(s.reported.webcrypto)), fmtMs(m.webcrypto - m.digest)]);
    gaps.push({ label, ratioWc, outside: m.webcrypto - median(s.reported.webcrypto), extra: m.webcrypto - m.digest,
      inside: median(s.reported.webcrypto) - m.digest, digest: m.digest, copy: m.copy });
  }
  const tiny = hash.tiny;
  const tm = Object.fromEntries(Object.entries(tiny.samples).map(([k, v]) => [k, median(v)]));
  const checks = [...hash.sizes, tiny].map((s) => `${s.checks.size} B: digest ${s.checks.digestOk ? 'ok' : 'WRONG'}, ` +
    `${s.checks.failed === 0 ? 'every verify verified with the expected digest' : `FAILED ${JSON.stringify(s.checks.results)}`}`);
  return { rows, ratioRows, gaps, tm, tiny, checks };
}

function ffStats(list, f) {
  const v = list.map(f).filter((x) => Number.isFinite(x));
  return v.length ? { med: median(v), p95: percentile(v, 95), n: v.length } : { med: NaN, p95: NaN, n: 0 };
}

function report(ctx) {
  const { m, chromiumVersion, server, sign, commit, dirty, loadBefore, loadAfter, started, hash, dist, ff, expected, tamperedBytes } = ctx;
  const h = hashSection(hash, expected);
  const L = [];
  L.push(`## ${SECTION}`, '');
  L.push('Written by `bench/browser.mjs` (see `bench/README.md`, section `browser`); re-run `npm run bench:browser` to refresh.', '');
  L.push(`- Date (UTC): ${started.toISOString().replace(/\.\d+Z$/, 'Z')}${QUICK ? ' — **--quick run, few samples**' : ''}`);
  L.push(`- Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpu} (SHA extensions: ${m.sha ? 'yes' : 'no'}); shared with other builds`);
  L.push(`- 1-min load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
  L.push(`- Browser: ${chromiumVersion}, headless, flags of \`webdriver.json\` (WebGPU on SwiftShader), playwright-core`);
  L.push(`- Commit: \`${commit}\`${dirty ? ' (working tree has uncommitted changes by others)' : ''}; loader \`www/dist\` built ${dist['wasi-gfx-loader.wasm'].mtime.toISOString().replace(/\.\d+Z$/, 'Z')}`);
  L.push(`- Render server: \`target/${server.profile}/gfx-render-server\` (${server.profile} build) on 127.0.0.1, serving the bench pages, loader and components from one origin; components signed by \`target/${sign.profile}/gfx-sign\``);
  L.push('- 1 MiB = 1,048,576 bytes; 1 KB = 1000 bytes. Times are `performance.now()` in the page (Chromium coarsens it to 100 µs: 1 MiB and tiny rows time several calls per run and divide).');
  L.push('');

  L.push('### Hashing + verification in the page', '');
  L.push('Synthetic components of exactly 1, 10 and 50 MiB (preamble + `data` custom sections of pseudo-random bytes), signed once at `publisher-signed` (+~1 KiB signature section), held in the page as a `Uint8Array`; the keyring is an inline object. ' +
    `Per size: ${HASH_WARMUP} untimed warm-up rounds, then N timed rounds with the four rows interleaved (order rotating each round). ` +
    'Throughput = signed file bytes / median time; "digest ÷ row" is the reference time over the row time (1.00× = as fast as `crypto.subtle.digest`). ' +
    '`verifyMs` is what the loader itself reports (its clock starts after the bytes are copied into wasm memory).', '');
  L.push(table(['Row', 'Size', 'Runs×calls', 'Median', 'p10', 'p90', 'MiB/s', 'digest ÷ row', 'Loader-reported'], h.rows,
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'l']));
  L.push('');
  L.push(`Fixed cost (${h.tiny.bytes} B signed component, ${h.tiny.runs} runs × ${h.tiny.reps} calls): ` +
    `\`crypto.subtle.digest\` ${fmtMs(h.tm.digest)}, \`verifyComponent\` webcrypto ${fmtMs(h.tm.webcrypto)} (verifyMs ${fmtMs(median(h.tiny.reported.webcrypto))}), ` +
    `wasm ${fmtMs(h.tm.wasm)} (verifyMs ${fmtMs(median(h.tiny.reported.wasm))}).`, '');
  L.push(`Goal: \`verifyComponent\` ≥ ${GOAL_RATIO}× \`crypto.subtle.digest\` on the same bytes.`, '');
  L.push('The goal is judged on the median of per-round ratios (reference time ÷ `verifyComponent` time in the same round; p25 – p75 beside it); the ratio of the medians is shown too.', '');
  L.push(table(['Size', 'webcrypto: digest ÷ verify (paired median)', 'p25 – p75', 'ratio of medians', 'goal ≥ 0.9×',
    'wasm: digest ÷ verify (paired median)', 'webcrypto: outside verifyMs', 'webcrypto: extra over digest'], h.ratioRows));
  L.push('');
  const g = h.gaps;
  const fixed = median(h.tiny.reported.webcrypto);
  const met = g.filter((x) => x.ratioWc >= GOAL_RATIO).map((x) => x.label);
  const notMet = g.filter((x) => x.ratioWc < GOAL_RATIO).map((x) => x.label);
  if (notMet.length === 0) {
    L.push(`**Met** at every size (webcrypto path, the default \`hash: 'auto'\` in Chromium).`);
  } else {
    L.push(`**Not met** at ${notMet.join(', ')}${met.length ? `; met at ${met.join(', ')}` : ''} (webcrypto path, the default \`hash: 'auto'\` in Chromium). ` +
      'Where the time over the reference goes (medians; the parts are differences of medians, so they only roughly add up): ' +
      g.filter((x) => x.ratioWc < GOAL_RATIO).map((x) => `${x.label}: ${fmtMs(x.extra)} over the digest = ${fmtMs(x.outside)} before the loader's clock starts ` +
        `(copying the bytes into wasm memory — \`Uint8Array::to_vec\` in \`Source::from_js\` — plus options and keyring parsing; a JS \`slice()\` of the same bytes takes ${fmtMs(x.copy)}) ` +
        `+ ${fmtMs(x.inside)} inside it over the bare digest (structure walk, signature payload copy, ECDSA P-256 + statement + keyring checks, WebCrypto hashing a view of wasm memory)`).join('; ') + '. ' +
      `The size-independent part, measured on the tiny component, is ${fmtMs(fixed)} (its \`verifyMs\`: DSSE decode, ECDSA P-256, statement and keyring checks). ` +
      `Even with no copy and no walk, the fixed cost alone caps the ratio at digest ÷ (digest + ${fmtMs(fixed)}) = ` +
      g.map((x) => `${fmtRatio(x.digest / (x.digest + fixed))} at ${x.label}`).join(', ') + '.');
  }
  L.push('');
  L.push("The wasm path (`sha2` in the loader's wasm) runs at a small fraction of WebCrypto: wasm has no SHA instructions (the `web` profile builds `sha2` at `opt-level = 3`; the rest of the loader is size-tuned). " +
    "For bytes handed over in memory its `verifyMs` includes the hashing; when a URL is streamed the wasm digest is computed while the bytes arrive (in `downloadMs`), overlapping the download.", '');
  L.push('Checks: ' + h.checks.join('; ') + '.', '');

  // 2. Download size.
  L.push('### What the page downloads besides the component', '');
  const d = dist;
  const mjs = d['wasi-gfx-loader.mjs'];
  const cls = d['wasi-gfx-loader.js'];
  const wasm = d['wasi-gfx-loader.wasm'];
  const sizeRows = [
    ['`wasi-gfx-loader.mjs` (ES module)', fmtInt(mjs.raw), fmtInt(mjs.gz), fmtInt(mjs.br)],
    ['`wasi-gfx-loader.js` (classic script)', fmtInt(cls.raw), fmtInt(cls.gz), fmtInt(cls.br)],
    ['`wasi-gfx-loader.wasm`', fmtInt(wasm.raw), fmtInt(wasm.gz), fmtInt(wasm.br)],
    ['**module page: .mjs + .wasm**', fmtInt(mjs.raw + wasm.raw), `**${fmtInt(mjs.gz + wasm.gz)}**`, fmtInt(mjs.br + wasm.br)],
    ['**script-tag page: .js + .wasm**', fmtInt(cls.raw + wasm.raw), `**${fmtInt(cls.gz + wasm.gz)}**`, fmtInt(cls.br + wasm.br)],
  ];
  L.push(table(['File (www/dist)', 'Raw bytes', 'gzip -9 bytes', 'brotli -q 11 bytes'], sizeRows));
  L.push('');
  const worst = Math.max(mjs.gz, cls.gz) + wasm.gz;
  L.push(`Goal ≤ ${fmtInt(GOAL_GZ_BYTES)} bytes (250 KB) gzipped for the finished loader: ${fmtInt(worst)} bytes = ` +
    `${fmtRatio(worst / GOAL_GZ_BYTES)} the goal — **${verdict(worst <= GOAL_GZ_BYTES)}** (the wasm is ${Math.round((100 * wasm.gz) / worst)} % of it).`, '');
  // What Chromium transferred, from the cold first-frame pages.
  const all = [...Object.values(ff.runs).flat()];
  const byFile = {};
  for (const r of all) {
    for (const t of r.transfers) {
      const f = path.basename(new URL(t.url).pathname);
      if (!/^wasi-gfx-loader\./.test(f) && f !== 'tampered.wasm' && f !== 'keyring.json') continue;
      (byFile[f] ??= []).push(t);
    }
  }
  const tRows = Object.entries(byFile).sort().map(([f, ts]) => [`\`${f}\``, fmtInt(median(ts.map((t) => t.body))),
    fmtInt(median(ts.map((t) => t.headers))), [...new Set(ts.map((t) => t.encoding ?? 'none'))].join(', '), String(ts.length)]);
  L.push(`What Chromium transferred for them on each cold page of part 3 (Playwright \`request.sizes()\`: body bytes as received, response headers; ${all.length} page loads):`, '');
  L.push(table(['Response', 'Body bytes', 'Header bytes', 'Content-Encoding', 'Loads'], tRows));
  L.push('');
  if (tRows.some((r) => r[3] === 'none')) {
    L.push('The render server\'s static files (`--www`, tower-http `ServeDir`) are sent uncompressed, so a page served by it downloads the raw sizes; behind a compressing CDN or proxy it would get the gzip / brotli column.', '');
  }

  // 3. First frame.
  L.push('### Cold page → first server frame', '');
  L.push(`The tampered triangle of the e2e tests (signed at \`enterprise-trusted\`, one bit of its last section flipped: \`signature-invalid\` → \`untrusted\` → server frames; ${fmtInt(tamperedBytes)} bytes), ` +
    `served by the render server that renders it. Each run: a new browser context (empty cache), a page that imports \`/dist/wasi-gfx-loader.mjs\` and calls \`loadComponent('/components/tampered.wasm', {keyring: '/keyring.json', fallback: {endpoint: origin}})\` on a canvas of the given size; ` +
    `${FF_WARMUP} untimed warm-up runs per size, then ${FF_RUNS}, sizes alternating. After each run \`handle.stop()\`'s session DELETE is awaited and the server polled until no session is live. ` +
    'The rows after the first four split the page-clock time by the loader\'s events (`at` = `performance.now()` when the page\'s `onEvent` got them).', '');
  const ffRows = [];
  const pick = (r, type) => r.events.find((e) => e.type === type);
  for (const size of FF_SIZES) {
    const list = ff.runs[size];
    const ev = (r, type) => pick(r, type)?.at;
    const rows = [
      ['`first-frame` event `ms` (loader clock: from the wasm `loadComponent` entry)', (r) => pick(r, 'first-frame')?.ms],
      ['`metrics().timeToFirstFrameMs`', (r) => r.metrics.timeToFirstFrameMs],
      ['page clock: `loadComponent()` called → `first-frame` event (adds the loader\'s own wasm fetch + instantiate)', (r) => r.tFirst - r.tCall],
      ['page clock: `loadComponent()` called → promise resolved', (r) => r.tResolved - r.tCall],
      ['… loader init: call → loader clock start (page − loader clock)', (r) => (r.tFirst - r.tCall) - pick(r, 'first-frame')?.ms],
      ['… call → `verified` event (init, keyring fetch, download, verify)', (r) => ev(r, 'verified') - r.tCall],
      ['… of which `metrics().downloadMs` (component fetch)', (r) => r.metrics.downloadMs],
      ['… of which `metrics().verifyMs` (hash + signature checks)', (r) => r.metrics.verifyMs],
      ['… `verified` → `mode` event (inspect, policy decision)', (r) => ev(r, 'mode') - ev(r, 'verified')],
      ['… `mode` → `first-frame` (open the session, the server renders, SSE, decode + draw)', (r) => ev(r, 'first-frame') - ev(r, 'mode')],
    ];
    for (const [name, f] of rows) {
      const s = ffStats(list, f);
      ffRows.push([name, `${size}×${size}`, String(s.n), fmtMs(s.med), fmtMs(s.p95)]);
    }
  }
  L.push(table(['Measure', 'Canvas', 'Runs', 'Median', 'p95'], ffRows, ['l', 'l', 'r', 'r', 'r']));
  L.push('');
  const warmNote = FF_SIZES.map((s) => `${s}²: ${ff.warm[s].map((r) => fmtMs(pick(r, 'first-frame')?.ms)).join(', ')}`).join('; ');
  L.push(`Warm-up runs (not in the table; the first is the server's first session of the component): ${warmNote}.`, '');
  const ok = all.filter((r) => r.mode === 'server' && r.reason === 'signature-invalid' && r.trustLevel === 'untrusted');
  const px = all.filter((r) => r.pixelsOk);
  L.push(`Checks: ${ok.length}/${all.length} runs in server mode with reason \`signature-invalid\`, level \`untrusted\`; ` +
    `${px.length}/${all.length} showed the triangle (red centre, grey corner, canvas at the asked size); ` +
    `\`stop()\`'s DELETE answered ${[...new Set(all.map((r) => String(r.deleteStatus)))].join(', ')}; ` +
    `runs after which a session was still live 5 s later: ${ff.leaked}.`);
  return L.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = new Date();
  const loadBefore = os.loadavg()[0];
  const server = pick('gfx-render-server', 'GFX_SERVER');
  const sign = pick('gfx-sign', 'GFX_SIGN');
  if (!fs.existsSync(path.join(ROOT, 'www', 'dist', 'wasi-gfx-loader.mjs'))) throw new Error('www/dist is missing: npm run build:web');
  log(`server ${server.bin} (${server.profile}), gfx-sign ${sign.bin} (${sign.profile})`);
  const dist = distSizes();
  log('building the site (signing 1 / 10 / 50 MiB components)');
  const site = buildSite(sign.bin);
  let srv;
  let browser;
  try {
    srv = await startServer(server.bin, site.site, site.dir);
    log(`render server on ${srv.url}`);
    const chromiumArgs = JSON.parse(fs.readFileSync(path.join(ROOT, 'webdriver.json'), 'utf8'))['goog:chromeOptions'].args
      .concat(['--force-color-profile=srgb']);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: chromiumArgs, headless: true });
    const chromiumVersion = `Chromium ${browser.version()}`;
    log(chromiumVersion);
    const hash = await benchHashing(browser, srv, site.expected);
    const ff = await benchFirstFrame(browser, srv);
    const loadAfter = os.loadavg()[0];
    const commit = git(['rev-parse', '--short=12', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    const section = report({
      m: machine(), chromiumVersion, server, sign, commit, dirty, loadBefore, loadAfter, started, hash, dist, ff,
      expected: site.expected, tamperedBytes: site.tamperedBytes,
    });
    process.stdout.write(`${section}\n`);
    if (WRITE) {
      const file = path.join(ROOT, 'BENCHMARKS.md');
      const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''; // re-read: others rewrite their sections
      fs.writeFileSync(file, replaceSection(doc, SECTION, section));
      log(`wrote the "${SECTION}" section of ${path.relative(process.cwd(), file) || file}`);
    }
    if (!srv.alive()) log(`the render server died:\n${srv.stderr()}`);
  } finally {
    await browser?.close();
    await srv?.stop();
    fs.rmSync(site.dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/browser.mjs: ${e.stack ?? e}`);
  process.exit(1);
});
