// The test worlds' guests through OUR component runtime in headless Chromium with JSPI removed
// (proven off in the page), each transcript byte-identical to the golden file the wasmtime oracle
// produces (tests/worlds/expected/<world>.txt). Needs scripts/build-worlds-browser.sh and
// scripts/build-guests.sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ROOT, assertJspiOff, launchBrowser } from '../e2e/harness.mjs';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
// Only these trees are served.
const SERVED = ['/tests/worlds/page/', '/target/worlds-browser/', '/guests/dist/', '/built/'];

let server;
let origin;
let browser;
// Components assembled from tests/worlds/wat/*.wat at test time, served under /built/.
const builtDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfx-worlds-'));

before(async () => {
  const built = path.join(ROOT, 'target', 'worlds-browser', 'gfx_worlds_browser.js');
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: run scripts/build-worlds-browser.sh`);
  server = http.createServer((req, res) => {
    const p = path.posix.normalize(new URL(req.url, 'http://x').pathname);
    const file = p.startsWith('/built/') ? path.join(builtDir, p.slice('/built/'.length)) : path.join(ROOT, p);
    if (!SERVED.some((s) => p.startsWith(s)) || !fs.existsSync(file)) { res.writeHead(404); return res.end(); }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'",
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  for (const wat of fs.readdirSync(path.join(ROOT, 'tests', 'worlds', 'wat'))) {
    const out = path.join(builtDir, wat.replace(/\.wat$/, '.wasm'));
    const r = spawnSync('wasm-tools', ['parse', path.join(ROOT, 'tests', 'worlds', 'wat', wat), '-o', out], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`wasm-tools parse ${wat}: ${r.stderr}`);
  }
  browser = await launchBrowser({ jspi: false });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  fs.rmSync(builtDir, { recursive: true, force: true });
});

async function transcript(world) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/tests/worlds/page/index.html`);
    await page.waitForFunction(() => window.ready === true);
    await assertJspiOff(page);
    const r = await page.evaluate((w) => window.runWorld(w), world);
    assert.equal(r.error, undefined, `the ${world} guest failed: ${r.error}`);
    return r.transcript;
  } finally {
    await page.close();
  }
}

function golden(world) {
  return fs.readFileSync(path.join(ROOT, 'tests', 'worlds', 'expected', `${world}.txt`), 'utf8');
}

describe('test worlds through our runtime, JSPI off, against the wasmtime oracle', () => {
  for (const world of ['values', 'resources', 'async']) {
    it(`${world}: the transcript equals the golden one line by line`, async () => {
      const got = (await transcript(world)).split('\n');
      const want = golden(world).split('\n');
      for (let i = 0; i < Math.max(got.length, want.length); i++) {
        assert.equal(got[i], want[i], `line ${i + 1} of ${world}`);
      }
    });
  }
});

describe('P3 async through our runtime, JSPI off', () => {
  it('a callback-form async export returns through task.return, also after yielding a turn', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/tests/worlds/page/index.html`);
      await page.waitForFunction(() => window.ready === true);
      await assertJspiOff(page);
      const r = await page.evaluate(() => window.runAsyncSmoke('/built/async-smoke.wasm'));
      assert.equal(r.error, undefined, r.error);
      assert.equal(r.result, 'now 42, later 42');
    } finally {
      await page.close();
    }
  });

  it('an async-lowered host call that finishes on a later turn is awaited through a waitable set', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/tests/worlds/page/index.html`);
      await page.waitForFunction(() => window.ready === true);
      await assertJspiOff(page);
      const r = await page.evaluate(() => window.runAsyncImport('/built/async-import.wasm'));
      assert.equal(r.error, undefined, r.error);
      // 41: the guest saw STARTED, waited, and read the result the host wrote later (1041 would
      // mean the host answered at once).
      assert.equal(r.result, 41);
    } finally {
      await page.close();
    }
  });
});

describe('traps through our runtime', () => {
  async function trapOf(exportName, component = '/built/traps.wasm') {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/tests/worlds/page/index.html`);
      await page.waitForFunction(() => window.ready === true);
      const r = await page.evaluate(([c, e]) => window.runTrap(c, e), [component, exportName]);
      assert.equal(r.error, undefined, r.error);
      // The page is still alive and answers.
      assert.equal(await page.evaluate(() => 1 + 1), 2);
      return r.message;
    } finally {
      await page.close();
    }
  }

  // Misused stream built-ins (wat/stream-traps.wat): each is a trap naming the rule it broke.
  for (const [exportName, message] of [
    ['read-writable', 'handle 2 is not the readable end of a stream'],
    ['read-twice', 'a read on handle 1 is already in progress'],
    ['drop-while-reading', 'handle 1 was dropped or passed on while a copy on it is in progress'],
    ['cancel-idle', 'cancel-read on handle 1, which has no read in progress'],
    ['guest-to-guest', 'a stream or future copy between guest ends of unknown element type'],
    ['unknown-handle', 'unknown waitable handle 77'],
  ]) {
    it(`stream misuse "${exportName}" traps with "${message}"`, async () => {
      assert.equal(await trapOf(exportName, '/built/stream-traps.wasm'), message);
    });
  }

  it("a guest's own trap comes back as an error with the engine's message", async () => {
    assert.match(await trapOf('guest-unreachable'), /unreachable/);
  });

  it('after memory.grow the host sees the new pages (a string there lifts, the result lowers)', async () => {
    assert.equal(await trapOf('grown-string'), 'no trap');
  });

  it('a string past the end of guest memory is a trap raised by the host side, not a read or a crash', async () => {
    assert.match(await trapOf('bad-string'), /^out of bounds: 100 bytes at 0xffdc \(memory is 65536 bytes\)$/);
  });
});
