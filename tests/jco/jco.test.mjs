// jco 1.35.0 as an oracle for our component runtime: what it transpiles and where it runs.
//
// - It transpiles all four P3 guests (callback-form `[async-lift]start`, `stream<frame-event>`,
//   waitable sets, async-lowered imports), and its output needs JSPI at instantiation: Node 20 (no
//   JSPI) and Chromium with JSPI removed fail with "WebAssembly.Suspending is not a constructor".
// - In Chromium (JSPI on) cpu-gradient runs against a JS import object: the exact host calls and the
//   exact frame-buffer bytes of guests/cpu-gradient's formula. With identity stand-ins for
//   Suspending/promising it runs the same and never calls a suspending import: jco needs JSPI to load
//   this guest, not to run it.
// - A synchronous component (built here from WAT with wasm-tools) runs in Node without JSPI.
//
// Needs no workspace build: guests/dist (scripts/build-guests.sh), node_modules, /usr/bin/chromium,
// wasm-tools on PATH.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { ROOT, assertJspiOff, launchBrowser } from '../e2e/harness.mjs';
import { transpileComponent, transpileComponentReport } from './transpile.mjs';

const GUESTS = path.join(ROOT, 'guests', 'dist');
const P3_GUESTS = ['triangle', 'animated-clear', 'input-echo', 'cpu-gradient'];
const NO_SUSPENDING = /^TypeError: WebAssembly\.Suspending is not a constructor/;
const WIDTH = 300; // > 256: the red channel wraps
const HEIGHT = 2;
const FRAMES = 3;

let tmp;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gfx-jco-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** guests/cpu-gradient's frame n: per pixel bytes B, G, R, 0 with (r, g, b) = (x mod 256, y mod 256, 16 n mod 256). */
function gradient(n) {
  const out = [];
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) out.push((16 * n) % 256, y % 256, x % 256, 0);
  return out;
}

// The host calls cpu-gradient makes through jco, in order, for FRAMES frame events.
const EXPECTED_CALLS = [
  ['surface.new', { height: undefined, width: undefined }], ['context.new', true], ['on-frame'], // option None → undefined
  ...Array.from({ length: FRAMES }, (_, n) => [
    ['frame', n], ['width'], ['height'], ['get-current-buffer'], ['set-with-copy', WIDTH * HEIGHT * 4, n], ['present'],
  ]).flat(),
  ['stream end'], ['start resolved'],
];

/**
 * Page script: `runGuest(entry, { standIns })` instantiates jco's `--instantiation async` output with
 * a recording host for cpu-gradient's world and runs `start()`; with standIns, WebAssembly.Suspending
 * and .promising are replaced by identity wrappers first (no stack switching at all).
 */
const RUNNER = `
window.runGuest = async (entry, { standIns = false, width, height, frames }) => {
  const calls = [];
  const buffers = [];
  const standInUse = { suspending: 0, promising: 0, suspendingCalls: 0 };
  if (standIns) {
    WebAssembly.Suspending = function (f) {
      standInUse.suspending++;
      return (...args) => {
        standInUse.suspendingCalls++;
        const r = f(...args);
        if (r instanceof Promise) throw new Error('a suspending import returned a Promise: that needs JSPI');
        return r;
      };
    };
    WebAssembly.promising = (f) => { standInUse.promising++; return async (...args) => f(...args); };
  }
  class Buffer { setWithCopy(val) { buffers.push(Array.from(val)); calls.push(['set-with-copy', val.length, buffers.length - 1]); } }
  class Surface {
    constructor(desc) { calls.push(['surface.new', desc]); }
    width() { calls.push(['width']); return width; }
    height() { calls.push(['height']); return height; }
    async *onFrame() {
      calls.push(['on-frame']);
      for (let n = 0; n < frames; n++) {
        await new Promise((r) => setTimeout(r, 5));
        calls.push(['frame', n]);
        yield { nothing: false };
      }
      calls.push(['stream end']);
    }
  }
  class Context {
    constructor(surface) { calls.push(['context.new', surface instanceof Surface]); }
    getCurrentBuffer() { calls.push(['get-current-buffer']); return new Buffer(); }
    present() { calls.push(['present']); }
  }
  try {
    const { instantiate } = await import(entry);
    const base = new URL(entry, location.href);
    const root = await instantiate((p) => WebAssembly.compileStreaming(fetch(new URL(p, base))), {
      // jco looks imports up WITHOUT the @version its .d.ts shows
      'wasi-gfx:frame-buffer/frame-buffer': { Buffer },
      'wasi-gfx:surface/surface': { Surface },
      'wasi-gfx:surface/surface-frame-buffer': { Context },
    });
    await root.start();
    calls.push(['start resolved']);
    return { calls, buffers, standInUse };
  } catch (e) {
    return { calls, buffers, standInUse, error: e.name + ': ' + e.message };
  }
};`;

describe('jco 1.35.0 on our P3 guests', () => {
  it('transpiles every P3 guest; the output needs JSPI (Suspending/promising) at instantiation', async () => {
    for (const guest of P3_GUESTS) {
      const out = path.join(tmp, `all-${guest}`);
      const r = await transpileComponentReport(path.join(GUESTS, `${guest}.wasm`), out, { instantiation: 'async' });
      assert.equal(r.entry, path.join(out, `${guest}.js`));
      assert.deepEqual(r.exports, [['start', 'function']], guest);
      assert.ok(r.files.includes(`${guest}.core.wasm`), `${guest}: ${r.files}`);
      const js = fs.readFileSync(r.entry, 'utf8');
      assert.match(js, /^\s*const trampoline\d+ = new WebAssembly\.Suspending\(/m, `${guest}: an unconditional Suspending import`);
      assert.match(js, /WebAssembly\.promising\(exports\d+\['\[async-lift\]start'\]\)/, `${guest}: a promising [async-lift]start`);
      assert.match(js, /\[callback\]\[async-lift\]start/, guest);
      assert.match(js, /waitableSetNew/, guest);
    }
  });

  it('fails in Node without JSPI at instantiation: "WebAssembly.Suspending is not a constructor"', async (t) => {
    if (typeof WebAssembly.Suspending === 'function') return t.skip(`this Node (${process.version}) has JSPI`);
    const entry = await transpileComponent(path.join(GUESTS, 'cpu-gradient.wasm'), path.join(tmp, 'node-cg'), { instantiation: 'async' });
    const { instantiate } = await import(pathToFileURL(entry));
    const dir = path.dirname(entry);
    const noop = class {};
    await assert.rejects(
      async () => instantiate((p) => WebAssembly.compile(fs.readFileSync(path.join(dir, p))), {
        'wasi-gfx:frame-buffer/frame-buffer': { Buffer: noop },
        'wasi-gfx:surface/surface': { Surface: noop },
        'wasi-gfx:surface/surface-frame-buffer': { Context: noop },
      }),
      (e) => NO_SUSPENDING.test(`${e.name}: ${e.message}`),
    );
  });

  describe('in Chromium', () => {
    let server;
    let origin;
    let outDir;

    before(async () => {
      outDir = path.join(tmp, 'web-cg');
      await transpileComponent(path.join(GUESTS, 'cpu-gradient.wasm'), outDir, { instantiation: 'async' });
      server = http.createServer((req, res) => {
        const p = new URL(req.url, 'http://x').pathname;
        if (p === '/') {
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<!doctype html><title>jco</title><script src="/runner.js"></script>');
        }
        if (p === '/runner.js') {
          res.writeHead(200, { 'content-type': 'text/javascript' });
          return res.end(RUNNER);
        }
        const file = path.join(outDir, path.normalize(p.replace(/^\/out\//, '')));
        if (!p.startsWith('/out/') || !file.startsWith(outDir) || !fs.existsSync(file)) {
          res.writeHead(404);
          return res.end();
        }
        res.writeHead(200, { 'content-type': file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
        res.end(fs.readFileSync(file));
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${server.address().port}`;
    });

    after(() => new Promise((resolve) => server.close(resolve)));

    async function run(browser, options = {}) {
      const page = await browser.newPage();
      try {
        await page.goto(`${origin}/`);
        const result = await page.evaluate(([o]) => window.runGuest('/out/cpu-gradient.js', o),
          [{ ...options, width: WIDTH, height: HEIGHT, frames: FRAMES }]);
        return { page, result };
      } catch (e) {
        await page.context().close();
        throw e;
      }
    }

    function assertGradientRun(result) {
      assert.equal(result.error, undefined);
      assert.deepEqual(result.calls, EXPECTED_CALLS);
      assert.equal(result.buffers.length, FRAMES);
      result.buffers.forEach((b, n) => assert.deepEqual(b, gradient(n), `frame ${n}`));
    }

    it('runs cpu-gradient with JSPI (default launch): exact host calls and frame-buffer bytes', async () => {
      const browser = await launchBrowser();
      try {
        const { page, result } = await run(browser);
        await page.context().close();
        assertGradientRun(result);
      } finally {
        await browser.close();
      }
    });

    it('runs cpu-gradient the same with identity stand-ins for Suspending/promising (nothing suspends)', async () => {
      const browser = await launchBrowser();
      try {
        const { page, result } = await run(browser, { standIns: true });
        await page.context().close();
        assertGradientRun(result);
        // two suspending imports (stream cancel-read/-write) and two promising exports built, none called
        assert.deepEqual(result.standInUse, { suspending: 2, promising: 2, suspendingCalls: 0 });
      } finally {
        await browser.close();
      }
    });

    it('cannot instantiate cpu-gradient with JSPI off', async () => {
      const browser = await launchBrowser({ jspi: false });
      try {
        const { page, result } = await run(browser);
        try {
          await assertJspiOff(page);
        } finally {
          await page.context().close();
        }
        assert.match(result.error, NO_SUSPENDING);
        assert.deepEqual(result.calls, []);
      } finally {
        await browser.close();
      }
    });
  });
});

describe('jco 1.35.0 on a synchronous component', () => {
  it('transpiles and runs it in Node without JSPI, calling the JS import', async () => {
    const dir = path.join(tmp, 'sync');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'adder.wit'), `package test:adder;

world adder {
  import log: func(x: u32);
  export add: func(a: u32, b: u32) -> u32;
}
`);
    fs.writeFileSync(path.join(dir, 'adder.wat'), `(module
  (import "$root" "log" (func $log (param i32)))
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) (local i32)
    local.get 0
    local.get 1
    i32.add
    local.tee 2
    call $log
    local.get 2))
`);
    const tool = (args) => {
      const r = spawnSync('wasm-tools', args, { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `wasm-tools ${args.join(' ')}: ${r.error ?? r.stderr}`);
    };
    tool(['component', 'embed', 'adder.wit', 'adder.wat', '--world', 'adder', '-o', 'adder.embed.wasm']);
    tool(['component', 'new', 'adder.embed.wasm', '-o', 'adder.wasm']);
    tool(['validate', 'adder.wasm']);

    const entry = await transpileComponent(path.join(dir, 'adder.wasm'), path.join(dir, 'out'), { instantiation: 'async' });
    const js = fs.readFileSync(entry, 'utf8');
    // a Suspending wrapper only for a host function marked `manuallyAsync`; no promising export
    assert.doesNotMatch(js, /^\s*const trampoline\d+ = new WebAssembly\.Suspending\(/m);
    assert.doesNotMatch(js, /WebAssembly\.promising\(/);
    const { instantiate } = await import(pathToFileURL(entry));
    const logged = [];
    const root = await instantiate(
      (p) => WebAssembly.compile(fs.readFileSync(path.join(path.dirname(entry), p))),
      { log: { default: (x) => logged.push(x) } }, // a world-level import: by its name, as `default`
    );
    assert.equal(root.add(2, 40), 42);
    assert.equal(root.add(0xffffffff, 2), 1); // u32 wraps
    assert.deepEqual(logged, [42, 1]);
  });
});
