#!/usr/bin/env node
// The component runtime's call-overhead benchmark (issue: in-browser component runtime): in one
// page of headless Chromium with JSPI removed, side by side, the cost of one guest→host call of
// each shape (u32→u32, a 32-byte string, a 4 KiB list<u8>, a record of 8 fields, a resource
// method) and of a host→guest export call, for
//   raw   the floor: a core wasm loop calling a JS function (bench/calls/raw.wat)
//   jco   guests/dist/bench-calls.wasm transpiled by jco 1.35.0 with a JS host
//   ours  the same component through our runtime (crates/worlds-browser, a Rust host)
// plus instantiate time. Ratios, not absolute numbers, are the result (the machine is noisy).
//
//   node bench/calls.mjs [--quick] [--no-write]
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { fmtRatio, replaceSection, table } from './browser-lib.mjs';
import { launchBrowser, assertJspiOff } from '../tests/e2e/harness.mjs';
import { transpileComponentReport } from '../tests/jco/transpile.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECTION = 'Component runtime: call overhead (headless Chromium)';
const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log('usage: node bench/calls.mjs [--quick] [--no-write]\n\nNeeds guests/dist/bench-calls.wasm (scripts/build-guests.sh) and, for our runtime, target/worlds-browser (scripts/build-worlds-browser.sh).');
  process.exit(0);
}
const QUICK = args.has('--quick');
const N = QUICK ? 20_000 : 400_000;
const ROUNDS = QUICK ? 3 : 9;

const component = path.join(ROOT, 'guests', 'dist', 'bench-calls.wasm');
if (!fs.existsSync(component)) throw new Error(`${component} is missing: scripts/build-guests.sh`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfx-bench-calls-'));
const rawWasm = path.join(tmp, 'raw.wasm');
const parsed = spawnSync('wasm-tools', ['parse', path.join(ROOT, 'bench', 'calls', 'raw.wat'), '-o', rawWasm], { encoding: 'utf8' });
if (parsed.status !== 0) throw new Error(`wasm-tools parse: ${parsed.stderr}`);
const jcoDir = path.join(tmp, 'jco');
const jcoReport = await transpileComponentReport(component, jcoDir, { instantiation: 'async', name: 'bench-calls', noTypescript: true });

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const routes = [
  ['/raw.wasm', () => rawWasm],
  ['/jco/', (p) => path.join(jcoDir, p.slice('/jco/'.length))],
  ['/bench/calls/', (p) => path.join(ROOT, p)],
  ['/target/worlds-browser/', (p) => path.join(ROOT, p)],
  ['/guests/dist/', (p) => path.join(ROOT, p)],
];
const server = http.createServer((req, res) => {
  const p = path.posix.normalize(new URL(req.url, 'http://x').pathname);
  if (p === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end('<!doctype html><title>calls</title><script type="module" src="/bench/calls/page.mjs"></script>');
  }
  const route = routes.find(([prefix]) => p === prefix || (prefix.endsWith('/') && p.startsWith(prefix)));
  const file = route?.[1](p);
  if (!file || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await launchBrowser({ jspi: false });
let result;
try {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.ready === true);
  await assertJspiOff(page);
  result = await page.evaluate((o) => window.runBench(o), {
    rawUrl: '/raw.wasm', jcoEntry: '/jco/bench-calls.js', jcoDir: '/jco', oursModule: '/target/worlds-browser/gfx_worlds_browser.js',
    component: '/guests/dist/bench-calls.wasm', n: N, rounds: ROUNDS,
  });
} finally {
  await browser.close();
  server.close();
}

const SHAPES = [['u32', 'u32 → u32'], ['string', 'string (32 B) → u32'], ['bytes', 'list<u8> (4 KiB) → u32'], ['record', 'record of 8 u32 → u32'], ['method', 'resource method → u32'], ['export', 'host → guest export u32 → u32']];
const ns = (who, shape) => result.ns[who]?.[shape];
const fmtNs = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ns` : '–');
const rows = SHAPES.map(([shape, label]) => [
  label, fmtNs(ns('raw', shape)), fmtNs(ns('jco', shape)), fmtNs(ns('ours', shape)),
  fmtRatio(ns('ours', shape) / ns('raw', 'u32')), fmtRatio(ns('jco', shape) / ns('ours', shape)),
]);
const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1]?.trim() ?? 'unknown';
const chromium = spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout.trim();
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
const digest = crypto.createHash('sha256').update(fs.readFileSync(component)).digest('hex').slice(0, 12);
const u32 = ns('ours', 'u32') / ns('raw', 'u32');
const vsJco = ns('jco', 'u32') / ns('ours', 'u32');
const body = [
  `## ${SECTION}`,
  '',
  `Written by \`node bench/calls.mjs\` on ${new Date().toISOString().slice(0, 16)}Z, commit ${commit}: ${os.cpus().length} × ${cpu}, ${chromium} headless (flags of webdriver.json, JSPI removed and proven off), load ${os.loadavg()[0].toFixed(2)}. ` +
    `Each figure is the median of ${ROUNDS} rounds of one guest entry making ${N.toLocaleString('en-US')} calls (4 KiB lists: a tenth of that), in ns per call. ` +
    `Guest \`guests/dist/bench-calls.wasm\` (sha256 ${digest}…), the same bytes for jco (1.35.0, \`instantiation: 'async'\`, JS host) and for our runtime (Rust host in crates/worlds-browser); raw = bench/calls/raw.wat, a core wasm loop calling a JS function.`,
  '',
  table(['call', 'raw floor', 'jco 1.35', 'ours', 'ours ÷ raw u32', 'jco ÷ ours'], rows),
  '',
  `Instantiate: raw ${result.instantiateMs.raw?.toFixed(1)} ms, jco ${result.instantiateMs.jco?.toFixed(1)} ms (transpiling it took ${jcoReport.ms.toFixed(0)} ms in Node beforehand), ours ${result.instantiateMs.ours?.toFixed(1) ?? '–'} ms.`,
  '',
  result.ns.ours
    ? `Goals: u32→u32 ≤ 2× the raw floor — ${fmtRatio(u32)}: ${u32 <= 2 ? 'met' : 'not met'}; ≥ 20× faster than jco — ${fmtRatio(vsJco)}: ${vsJco >= 20 ? 'met' : 'not met'}.`
    : `Our runtime did not run: ${result.oursError ?? 'target/worlds-browser has no bench entry points yet'}.`,
  '',
  'Why: a guest→host call through our runtime is a direct wasm-to-wasm call into a generated trampoline (no JavaScript in between), which lifts scalars in registers; ' +
    "jco's glue is JavaScript per call. Strings, lists and host→guest calls are where we lose most: every access to the guest's memory is a call into JavaScript (a `DataView` read for scalars, a `subarray` copy for bytes), " +
    'and an export call goes through `Reflect.apply` with an argument array. The u32 case is within noise of the floor since `enter` became one cached pointer, one `RefCell` borrow and the host's dispatch (inlined into each trampoline); on this noisy 2-core machine runs of the same build give 1.1–1.5× (2.1–2.3× before that change). Next: fewer crossings per value (one bulk copy) and export calls through typed wasm-bindgen imports.',
  '',
].join('\n');
console.log(body);
if (!args.has('--no-write') && !QUICK) {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  fs.writeFileSync(file, replaceSection(fs.readFileSync(file, 'utf8'), SECTION, body));
  console.log(`wrote the "${SECTION}" section of BENCHMARKS.md`);
}
fs.rmSync(tmp, { recursive: true, force: true });
