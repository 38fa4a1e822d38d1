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
  const signed = (guest, out, key, level, signer) => {
    sign(['sign', '--key', key, '--level', level, '--signer', signer, '--name', guest, '--version', '1.0.0',
      '--capability', 'gpu', '--capability', 'surface', path.join(GUESTS, `${guest}.wasm`), '-o', path.join(comps, out)], dir);
  };
  signed('triangle', 'trusted.wasm', enterprise, 'enterprise-trusted', 'Test Enterprise');
  signed('triangle', 'consent.wasm', publisher, 'publisher-signed', 'Test Publisher');
  fs.copyFileSync(path.join(GUESTS, 'animated-clear.wasm'), path.join(comps, 'unsigned.wasm'));
  fs.copyFileSync(path.join(GUESTS, 'input-echo.wasm'), path.join(comps, 'input.wasm'));
  fs.copyFileSync(path.join(GUESTS, 'hostile-spin.wasm'), path.join(comps, 'spin.wasm'));
  signed('triangle', 'tampered.wasm', enterprise, 'enterprise-trusted', 'Test Enterprise');
  const t = fs.readFileSync(path.join(comps, 'tampered.wasm'));
  t[t.length - 1] ^= 0x01; // a bit of the last section (producers): the signature no longer matches
  fs.writeFileSync(path.join(comps, 'tampered.wasm'), t);
  return { dir, site, keyring };
}

/**
 * Starts the render server on `port` (0: any) serving `site`; resolves with {url, port, stop}.
 * Its keyring and components are `site`/keyring.json and `site`/components unless given.
 */
export function startServer(site, { port = 0, keyring = path.join(site, 'keyring.json'), components = path.join(site, 'components') } = {}) {
  const cache = path.join(os.tmpdir(), 'gfx-e2e-mesa-cache');
  const child = spawn(SERVER, ['--listen', `127.0.0.1:${port}`, '--keyring', keyring,
    '--components', components, '--www', site,
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

export async function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
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
