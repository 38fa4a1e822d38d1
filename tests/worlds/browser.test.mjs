// The test worlds' guests through OUR component runtime in headless Chromium with JSPI removed
// (proven off in the page), each transcript byte-identical to the golden file the wasmtime oracle
// produces (tests/worlds/expected/<world>.txt). Needs scripts/build-worlds-browser.sh and
// scripts/build-guests.sh.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ROOT, assertJspiOff, launchBrowser } from '../e2e/harness.mjs';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
// Only these trees are served.
const SERVED = ['/tests/worlds/page/', '/target/worlds-browser/', '/guests/dist/'];

let server;
let origin;
let browser;

before(async () => {
  const built = path.join(ROOT, 'target', 'worlds-browser', 'gfx_worlds_browser.js');
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: run scripts/build-worlds-browser.sh`);
  server = http.createServer((req, res) => {
    const p = path.posix.normalize(new URL(req.url, 'http://x').pathname);
    const file = path.join(ROOT, p);
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
  browser = await launchBrowser({ jspi: false });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
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
  for (const world of ['values', 'resources']) {
    it(`${world}: the transcript equals the golden one line by line`, async () => {
      const got = (await transcript(world)).split('\n');
      const want = golden(world).split('\n');
      for (let i = 0; i < Math.max(got.length, want.length); i++) {
        assert.equal(got[i], want[i], `line ${i + 1} of ${world}`);
      }
    });
  }
});
