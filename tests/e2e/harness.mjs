// End-to-end harness: real components signed by the real gfx-sign, the real render server on
// loopback (lavapipe), real headless Chromium (WebGPU on SwiftShader) driven by playwright-core.
//
// setup() builds a temporary site:
//   /dist/…            the built loader (www/dist, `npm run build:web`)
//   /pages/…           the test pages (tests/e2e/pages)
//   /components/X.wasm trusted (enterprise), consent (publisher-signed), unsigned, tampered, input
//                      (input-echo, unsigned), spin (hostile-spin, unsigned: loops at its 6th frame)
//   /keyring.json      trusting the two test keys
// and starts gfx-render-server with that keyring, those components and that site (--www).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'target', process.env.GFX_PROFILE ?? 'debug');
const GFX_SIGN = path.join(BIN, 'gfx-sign');
const SERVER = path.join(BIN, 'gfx-render-server');
const GUESTS = path.join(ROOT, 'guests', 'dist');

/** Chromium flags for WebGPU on SwiftShader in headless mode (DESIGN.md) plus quiet networking. */
export const CHROMIUM_ARGS = JSON.parse(fs.readFileSync(path.join(ROOT, 'webdriver.json'), 'utf8'))['goog:chromeOptions'].args
  .concat(['--force-color-profile=srgb']);

function sign(args, cwd) {
  const r = spawnSync(GFX_SIGN, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gfx-sign ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Builds the site and its components in a fresh temporary directory. */
/** Guests signed at `enterprise-trusted` as `components/client-<guest>.wasm` by buildSite. */
export const CLIENT_GUESTS = ['animated-clear', 'textured-quad', 'compute-readback', 'cpu-gradient', 'input-echo',
  'hostile-trap-at-frame', 'gpu-error-at-frame'];
// Trusted hostile guests for the sandbox (tests/e2e/sandbox.test.mjs), in their own folder `sandbox/`:
// a signed copy has the digest of the unsigned one, so in components/ they would change the level
// the render server gives the unsigned hostile guests other tests load.
export const SANDBOX_GUESTS = ['triangle', 'animated-clear', 'hostile-trap-at-frame', 'hostile-spin', 'hostile-spin-in-start',
  'hostile-memory-bomb', 'hostile-gpu-bomb', 'hostile-huge-list', 'hostile-giant-shader'];

export function buildSite() {
  for (const f of [GFX_SIGN, SERVER]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: cargo build -p gfx-sign -p gfx-render-server`);
  }
  const dist = path.join(ROOT, 'www', 'dist', 'wasi-gfx-loader.js');
  if (!fs.existsSync(dist)) throw new Error('www/dist is missing: npm run build:web');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfx-e2e-'));
  const site = path.join(dir, 'site');
  const comps = path.join(site, 'components');
  fs.mkdirSync(comps, { recursive: true });
  fs.cpSync(path.join(ROOT, 'www', 'dist'), path.join(site, 'dist'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'tests', 'e2e', 'pages'), path.join(site, 'pages'), { recursive: true });
  const keys = path.join(dir, 'keys');
  fs.mkdirSync(keys);
  const enterprise = path.join(keys, 'enterprise.pem');
  const publisher = path.join(keys, 'publisher.pem');
  sign(['keygen', '--out', enterprise], dir);
  sign(['keygen', '--out', publisher], dir);
  const keyring = path.join(site, 'keyring.json');
  sign(['keyring', 'add', '--keyring', keyring, '--key', enterprise.replace(/\.pem$/, '.pub.pem'),
    '--max-level', 'enterprise-trusted', '--label', 'Test Enterprise'], dir);
  sign(['keyring', 'add', '--keyring', keyring, '--key', publisher.replace(/\.pem$/, '.pub.pem'),
    '--max-level', 'publisher-signed', '--label', 'Test Publisher'], dir);
  const signed = (guest, out, key, level, signer, capabilities = ['gpu', 'surface']) => {
    sign(['sign', '--key', key, '--level', level, '--signer', signer, '--name', guest, '--version', '1.0.0',
      ...capabilities.flatMap((c) => ['--capability', c]), path.join(GUESTS, `${guest}.wasm`), '-o', path.join(comps, out)], dir);
  };
  signed('triangle', 'trusted.wasm', enterprise, 'enterprise-trusted', 'Test Enterprise');
  signed('triangle', 'consent.wasm', publisher, 'publisher-signed', 'Test Publisher');
  // Trusted guests for the client path (tests/e2e/client.test.mjs): `client-<guest>.wasm`.
  for (const guest of CLIENT_GUESTS) {
    const caps = guest === 'cpu-gradient' ? ['surface', 'frame-buffer'] : ['gpu', 'surface'];
    signed(guest, `client-${guest}.wasm`, enterprise, 'enterprise-trusted', 'Test Enterprise', caps);
  }
  const sandboxDir = path.join(site, 'sandbox');
  fs.mkdirSync(sandboxDir);
  for (const guest of SANDBOX_GUESTS) {
    sign(['sign', '--key', enterprise, '--level', 'enterprise-trusted', '--signer', 'Test Enterprise', '--name', guest,
      '--version', '1.0.0', '--capability', 'gpu', '--capability', 'surface', path.join(GUESTS, `${guest}.wasm`),
      '-o', path.join(sandboxDir, `${guest}.wasm`)], dir);
  }
  // A policy that keeps client-side components running through uncaptured GPU errors.
  const policy = JSON.parse(fs.readFileSync(path.join(ROOT, 'crates', 'trust', 'policy', 'default.json'), 'utf8'));
  policy.levels['enterprise-trusted'].client.gpuErrors = 'ignore';
  fs.writeFileSync(path.join(site, 'policy-ignore-gpu-errors.json'), JSON.stringify(policy));
  // The sandbox's tests (tests/e2e/sandbox.test.mjs): short limits, so a hostile guest meets them soon.
  const sandbox = JSON.parse(fs.readFileSync(path.join(ROOT, 'crates', 'trust', 'policy', 'default.json'), 'utf8'));
  Object.assign(sandbox.levels['enterprise-trusted'].client, { cpu: '1s', memory: '64MiB' });
  fs.writeFileSync(path.join(site, 'policy-sandbox.json'), JSON.stringify(sandbox));
  // The same with a 300 ms cpu limit, for repeating the hostile guests quickly.
  sandbox.levels['enterprise-trusted'].client.cpu = '300ms';
  fs.writeFileSync(path.join(site, 'policy-sandbox-fast.json'), JSON.stringify(sandbox));
  fs.copyFileSync(path.join(GUESTS, 'animated-clear.wasm'), path.join(comps, 'unsigned.wasm'));
  fs.copyFileSync(path.join(GUESTS, 'input-echo.wasm'), path.join(comps, 'input.wasm'));
  fs.copyFileSync(path.join(GUESTS, 'hostile-spin.wasm'), path.join(comps, 'spin.wasm'));
  // Components the in-browser runtime refuses before compiling (kept out of the server's registry):
  // a P2-generation import (needs JSPI) and an interface the bridge does not implement.
  const refused = path.join(site, 'refused');
  fs.mkdirSync(refused);
  for (const [name, wat] of [
    ['p2.wasm', '(component (import "wasi:webgpu/webgpu@0.0.1" (instance)))'],
    ['surface-0.3.wasm', '(component (import "wasi-gfx:surface/surface@0.3.0" (instance)))'],
    // The sandbox's forbidden imports (tests/e2e/sandbox.test.mjs): next to a bridged interface.
    ['filesystem.wasm', '(component (import "wasi-gfx:surface/surface@0.2.0" (instance)) (import "wasi:filesystem/types@0.2.0" (instance)))'],
    ['evil.wasm', '(component (import "wasi-gfx:surface/surface@0.2.0" (instance)) (import "evil:net/socket@1.0.0" (instance)))'],
  ]) {
    const unsigned = path.join(dir, name);
    const r = spawnSync('wasm-tools', ['parse', '-o', unsigned], { input: wat, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`wasm-tools parse: ${r.error ?? r.stderr}`);
    sign(['sign', '--key', enterprise, '--level', 'enterprise-trusted', '--signer', 'Test Enterprise', '--name', name,
      '--version', '1.0.0', '--capability', 'gpu', '--capability', 'surface', unsigned, '-o', path.join(refused, name)], dir);
  }
  signed('triangle', 'tampered.wasm', enterprise, 'enterprise-trusted', 'Test Enterprise');
  const t = fs.readFileSync(path.join(comps, 'tampered.wasm'));
  t[t.length - 1] ^= 0x01; // a bit of the last section (producers): the signature no longer matches
  fs.writeFileSync(path.join(comps, 'tampered.wasm'), t);
  return { dir, site, keyring };
}

/**
 * Starts the render server on `port` (0: any) serving `site`; resolves with {url, port, stop}.
 * Its keyring and components are `site`/keyring.json and `site`/components unless given; `policy`
 * replaces the server's embedded policy.
 */
export function startServer(site, { port = 0, keyring = path.join(site, 'keyring.json'), components = path.join(site, 'components'), policy } = {}) {
  const cache = path.join(os.tmpdir(), 'gfx-e2e-mesa-cache');
  const child = spawn(SERVER, ['--listen', `127.0.0.1:${port}`, '--keyring', keyring,
    '--components', components, '--www', site, ...(policy ? ['--policy', policy] : []),
    '--compile-cache', path.join(ROOT, 'target', 'e2e-wasmtime-cache')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MESA_SHADER_CACHE_DIR: cache, RUST_LOG: process.env.RUST_LOG ?? 'gfx_render_server=warn' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; if (process.env.GFX_E2E_VERBOSE) process.stderr.write(d); });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`render server did not start in 120 s:\n${stderr}`)), 120_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.]+:(\d+))/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          port: Number(m[2]),
          stderr: () => stderr,
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

/**
 * `launchBrowser({ jspi: false })`: every context (and `browser.newPage()`) of the browser has JSPI
 * removed from every realm before any of its own code runs (see installJspiOff: Chromium 156 has no
 * switch for it).
 */
export async function launchBrowser({ jspi = true } = {}) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  if (jspi === false) withoutJspi(browser);
  return browser;
}

/** Opens `url` in `context` and waits until the page's loadComponent has settled. */
export async function openPage(context, url, { wait = true } = {}) {
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  page.logs = logs;
  await page.goto(url);
  if (wait) await settled(page);
  return page;
}

export async function settled(page, timeout = 60_000) {
  await page.waitForFunction(() => document.body?.dataset.done === '1', null, { timeout });
  return page.evaluate(() => window.__result);
}

/** The canvas as the user sees it: an element screenshot, decoded. */
export async function canvasPixels(page) {
  const png = PNG.sync.read(await page.locator('#canvas').screenshot());
  return {
    width: png.width,
    height: png.height,
    at(x, y) {
      const i = (png.width * Math.floor(y) + Math.floor(x)) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]];
    },
  };
}

/** Polls the canvas until `check(pixels)` holds (frames arrive asynchronously). */
export async function waitForPixels(page, check, { timeout = 20_000, what = 'pixels' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await canvasPixels(page);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} not reached in ${timeout} ms; centre ${last?.at(last.width / 2, last.height / 2)}, corner ${last?.at(2, 2)}`);
}

export const TRIANGLE_RED = [255, 0, 0, 255];
export const TRIANGLE_GREY = [26, 26, 26, 255];
export const ERROR_BACKGROUND = [0x30, 0x10, 0x10, 255];

export function same(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A colour of guests/animated-clear: (s, 64, 255 - s, 255) with s = 16 n mod 256. */
export function isAnimatedClear([r, g, b, a]) {
  return g === 64 && a === 255 && r % 16 === 0 && r + b === 255;
}

/**
 * The demo site as `npm start` serves it, in a fresh temporary directory: the real www/index.html,
 * demo.js, demo.css and dist/, and a demo/ folder made the way scripts/start.mjs makes www/demo/ —
 * two keys ("Demo Enterprise", cap enterprise-trusted; "Demo Publisher", cap publisher-signed), a
 * keyring trusting them, the guests signed four ways (trusted, consent, unsigned, tampered) and
 * manifest.json with `gfx-sign verify --json` of each. Start the server with
 * `startServer(site, { keyring: demoKeyring, components: demoComponents })`.
 */
export function buildDemoSite() {
  for (const f of [GFX_SIGN, SERVER]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: cargo build -p gfx-sign -p gfx-render-server`);
  }
  if (!fs.existsSync(path.join(ROOT, 'www', 'dist', 'wasi-gfx-loader.mjs'))) throw new Error('www/dist is missing: npm run build:web');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfx-e2e-demo-'));
  const site = path.join(dir, 'site');
  const demo = path.join(site, 'demo');
  fs.mkdirSync(path.join(demo, 'components'), { recursive: true });
  for (const f of ['index.html', 'demo.js', 'demo.css']) fs.copyFileSync(path.join(ROOT, 'www', f), path.join(site, f));
  fs.cpSync(path.join(ROOT, 'www', 'dist'), path.join(site, 'dist'), { recursive: true });
  const gfxSign = (args, { allowFail = false } = {}) => {
    const r = spawnSync(GFX_SIGN, args, { cwd: demo, encoding: 'utf8' });
    if (r.status !== 0 && !allowFail) throw new Error(`gfx-sign ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return r.stdout;
  };
  const keysDir = path.join(dir, 'keys');
  fs.mkdirSync(keysDir);
  const keys = [
    { file: path.join(keysDir, 'demo-enterprise.pem'), cap: 'enterprise-trusted', label: 'Demo Enterprise' },
    { file: path.join(keysDir, 'demo-publisher.pem'), cap: 'publisher-signed', label: 'Demo Publisher' },
  ];
  for (const k of keys) {
    gfxSign(['keygen', '--out', k.file]);
    gfxSign(['keyring', 'add', '--keyring', 'keyring.json', '--key', k.file.replace(/\.pem$/, '.pub.pem'),
      '--max-level', k.cap, '--label', k.label]);
  }
  const demos = [
    { id: 'trusted', title: 'Triangle, enterprise-trusted', guest: 'triangle', key: keys[0], level: 'enterprise-trusted' },
    { id: 'consent', title: 'Animated clear, publisher-signed (needs consent)', guest: 'animated-clear', key: keys[1], level: 'publisher-signed' },
    { id: 'unsigned', title: 'Triangle, unsigned', guest: 'triangle' },
    { id: 'tampered', title: 'Animated clear, tampered after signing', guest: 'animated-clear', key: keys[0], level: 'enterprise-trusted', tamper: true },
  ];
  const components = [];
  for (const d of demos) {
    const out = `components/${d.id}.wasm`;
    const src = path.join(GUESTS, `${d.guest}.wasm`);
    if (d.key) {
      gfxSign(['sign', '--key', d.key.file, '--level', d.level, '--signer', d.key.label, '--name', d.guest,
        '--version', '0.1.0', '--capability', 'gpu', '--capability', 'surface', src, '-o', out]);
    } else {
      fs.copyFileSync(src, path.join(demo, out));
    }
    if (d.tamper) {
      const bytes = fs.readFileSync(path.join(demo, out));
      bytes[bytes.length - 1] ^= 0x01; // one bit of the producers section
      fs.writeFileSync(path.join(demo, out), bytes);
    }
    const verdict = JSON.parse(gfxSign(['verify', '--keyring', 'keyring.json', out, '--json'], { allowFail: true }));
    components.push({ id: d.id, title: d.title, url: `/demo/${out}`, verdict });
  }
  const manifest = { keyring: '/demo/keyring.json', components };
  fs.writeFileSync(path.join(demo, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return { dir, site, manifest, demoKeyring: path.join(demo, 'keyring.json'), demoComponents: path.join(demo, 'components') };
}

/** An element as the user sees it (an element screenshot), decoded; `at(x, y)` is [r, g, b, a]. */
export async function elementPixels(locator) {
  const png = PNG.sync.read(await locator.screenshot());
  return {
    width: png.width,
    height: png.height,
    at(x, y) {
      const i = (png.width * Math.floor(y) + Math.floor(x)) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]];
    },
  };
}

/** Polls an element's pixels until `check(pixels)` holds. */
export async function waitForElementPixels(locator, check, { timeout = 20_000, what = 'pixels' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await elementPixels(locator);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} not reached in ${timeout} ms; centre ${last?.at(last.width / 2, last.height / 2)}, corner ${last?.at(2, 2)}`);
}

// ---------------------------------------------------------------------------------------------
// JSPI off (WebAssembly JavaScript Promise Integration).
//
// Chromium 156 (V8 15.x) has NO switch that turns JSPI off: V8 answers `--js-flags=--no-experimental-
// wasm-jspi` and `--js-flags=--no-wasm-jspi` with "Error: unrecognized flag" (its --help lists no JSPI
// flag since JSPI shipped), and `--disable-features=WebAssemblyJSPromiseIntegration` and
// `--disable-blink-features=WebAssemblyJSPromiseIntegration` are accepted and change nothing (the
// same --disable-blink-features does remove navigator.serial/hid/usb). So jspi:false removes the JS API
// of JSPI — `WebAssembly.Suspending`, `WebAssembly.promising`, `WebAssembly.SuspendError` — in every
// realm before that realm's own code runs: an init script for every frame, and every script response
// (page and worker, classic and module, so also the first module a module worker evaluates) starts
// with the same removal. Without those two a wasm import cannot suspend and an export cannot become
// promising, which is all JSPI is. Not covered: blob:/data: workers (never routed; the loader's CSP
// forbids them anyway) and routes a test adds itself that fulfil scripts.

/** Runs first in every realm of a jspi:false context. */
export const JSPI_OFF_PRELUDE = ';(() => { for (const n of ["Suspending", "promising", "SuspendError", "Suspender"]) '
  + '{ try { delete WebAssembly[n]; } catch {} } })();';

/** A same-origin URL path that a jspi:false context serves as a worker reporting jspiProbe(). */
export const JSPI_PROBE_WORKER_PATH = '/__wasi_gfx_jspi_probe__.js';

/**
 * Evaluated in a realm (window or worker): what of JSPI it has, and whether a wasm import can suspend.
 * The module (hand-assembled) is `(import "m" "f" (func (result i32))) (func (export "run") (result i32)
 * call 0)`, its import `async () => 7`. With JSPI, `promising(run)()` resolves to 7; without, `run()`
 * gets the import's Promise as an i32, which is 0.
 */
export async function jspiProbe() {
  const names = ['Suspending', 'promising', 'SuspendError', 'Suspender'].filter((n) => n in WebAssembly);
  let construct;
  try {
    new WebAssembly.Suspending(async () => 7);
    construct = 'constructed';
  } catch (e) {
    construct = `${e.name}: ${e.message}`;
  }
  const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01,
    0x7f, 0x02, 0x07, 0x01, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x72,
    0x75, 0x6e, 0x00, 0x01, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b]);
  const f = async () => 7;
  let call;
  let via;
  if (typeof WebAssembly.Suspending === 'function' && typeof WebAssembly.promising === 'function') {
    const { instance } = await WebAssembly.instantiate(bytes, { m: { f: new WebAssembly.Suspending(f) } });
    via = 'promising(run)() with a Suspending import';
    call = await WebAssembly.promising(instance.exports.run)();
  } else {
    const { instance } = await WebAssembly.instantiate(bytes, { m: { f } });
    via = 'run() with a plain async import';
    call = instance.exports.run();
  }
  const off = names.length === 0 && construct.startsWith('TypeError') && call === 0;
  const on = names.includes('Suspending') && names.includes('promising') && call === 7;
  return { realm: typeof window === 'undefined' ? 'worker' : 'window', names, construct, via, call, off, on };
}

const JSPI_PROBE_WORKER = `${JSPI_OFF_PRELUDE}\n(${jspiProbe.toString()})().then((r) => postMessage(r), `
  + '(e) => postMessage({ error: String(e), off: false, on: false }));';

/** Source with JSPI_OFF_PRELUDE first, after a "use strict" directive if it has one (it must stay first). */
function withJspiPrelude(source) {
  const directive = /^\uFEFF?\s*(?:'use strict'|"use strict")\s*;?/.exec(source)?.[0] ?? '';
  return directive + JSPI_OFF_PRELUDE + source.slice(directive.length);
}

/** Makes every later context of `browser` (newContext, newPage) a jspi:false one. */
function withoutJspi(browser) {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await installJspiOff(context);
    return context;
  };
}

/** Removes JSPI from every realm of `context` (frames and workers), before their own code. */
export async function installJspiOff(context) {
  await context.addInitScript({ content: JSPI_OFF_PRELUDE });
  await context.route('**/*', async (route, request) => {
    if (new URL(request.url()).pathname === JSPI_PROBE_WORKER_PATH) {
      return route.fulfill({ status: 200, contentType: 'text/javascript', body: JSPI_PROBE_WORKER });
    }
    if (request.resourceType() !== 'script') return route.fallback();
    const response = await route.fetch();
    const headers = { ...response.headers() };
    if (response.status() !== 200 || !/javascript|ecmascript/.test(headers['content-type'] ?? '')) return route.fulfill({ response });
    for (const h of ['content-length', 'content-encoding', 'transfer-encoding']) delete headers[h];
    return route.fulfill({ status: 200, headers, body: withJspiPrelude(await response.text()) });
  });
  context.jspiOff = true;
}

/**
 * jspiProbe() in every frame and worker of `page`, and in a fresh worker from JSPI_PROBE_WORKER_PATH
 * on the page's origin (an `error` there where the context is not a jspi:false one).
 */
export async function jspiStatus(page) {
  const results = [];
  for (const frame of page.frames()) results.push({ where: `frame ${frame.url()}`, ...await frame.evaluate(jspiProbe) });
  for (const worker of page.workers()) results.push({ where: `worker ${worker.url()}`, ...await worker.evaluate(jspiProbe) });
  const fresh = await page.evaluate((p) => new Promise((resolve) => {
    if (!/^https?:$/.test(location.protocol)) return resolve({ error: `a fresh worker needs an http(s) page, not ${location.href}` });
    const w = new Worker(new URL(p, location.origin));
    const timer = setTimeout(() => resolve({ error: 'the probe worker did not answer in 10 s' }), 10_000);
    w.onmessage = (e) => { clearTimeout(timer); w.terminate(); resolve(e.data); };
    w.onerror = (e) => { clearTimeout(timer); w.terminate(); resolve({ error: `probe worker failed: ${e.message || 'load error'}` }); };
  }), JSPI_PROBE_WORKER_PATH);
  results.push({ where: `fresh worker ${JSPI_PROBE_WORKER_PATH}`, ...fresh });
  return results;
}

/** Throws unless JSPI is provably off in every frame and worker of `page` and in a fresh worker. */
export async function assertJspiOff(page) {
  const results = await jspiStatus(page);
  const bad = results.filter((r) => r.off !== true);
  if (bad.length) throw new Error(`JSPI is not provably off in ${bad.length} realm(s):\n${bad.map((r) => JSON.stringify(r)).join('\n')}`);
  return results;
}
