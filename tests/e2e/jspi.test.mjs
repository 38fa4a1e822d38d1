// JSPI off, proven: `launchBrowser({ jspi: false })` leaves no WebAssembly JavaScript Promise
// Integration in the page, its workers (classic and module, created by the page's own scripts from
// same-origin URLs, as the loader's runtime worker will be) and a fresh worker — under the loader's strict
// CSP — while WebGPU still renders on a canvas. The default launch has JSPI (a Suspending import really
// suspends), so the proof is not vacuous. Needs no build: a small site served from this file.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { assertJspiOff, jspiStatus, launchBrowser, same, waitForElementPixels } from './harness.mjs';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
const SEEN = "['Suspending', 'promising', 'SuspendError'].filter((n) => n in WebAssembly)";
const FILES = {
  '/': ['text/html', '<!doctype html><title>jspi</title><canvas id="canvas" width="64" height="64"></canvas><script src="/main.js"></script>'],
  // The page's own workers; each reports what it saw at its first statement, then stays alive.
  '/main.js': ['text/javascript', `'use strict';
    window.pageSawAtStart = ${SEEN};
    const report = (url, options) => new Promise((resolve, reject) => {
      const w = new Worker(url, options);
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => reject(new Error('worker ' + url + ': ' + e.message));
      (window.workers ??= []).push(w);
    });
    window.workerReports = Promise.all([report('/classic-worker.js'), report('/module-worker.mjs', { type: 'module' })]);
    window.clearCanvas = async () => {
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) return { adapter: false };
      const device = await adapter.requestDevice();
      let lost = null;
      device.lost.then((i) => { lost = i.message; });
      const context = document.getElementById('canvas').getContext('webgpu');
      context.configure({ device, format: navigator.gpu.getPreferredCanvasFormat(), alphaMode: 'opaque' });
      const encoder = device.createCommandEncoder();
      encoder.beginRenderPass({ colorAttachments: [{ view: context.getCurrentTexture().createView(),
        clearValue: { r: 1, g: 0, b: 1, a: 1 }, loadOp: 'clear', storeOp: 'store' }] }).end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      return { adapter: true, device: true, lost, vendor: adapter.info?.vendor ?? '' };
    };`],
  '/classic-worker.js': ['text/javascript', `"use strict"; postMessage({ worker: 'classic', sawAtStart: ${SEEN} });`],
  // A module worker: its dependency is evaluated before the main module's own first statement.
  '/dep.mjs': ['text/javascript', `export const depSawAtStart = ${SEEN};`],
  '/module-worker.mjs': ['text/javascript', `import { depSawAtStart } from './dep.mjs';
    postMessage({ worker: 'module', depSawAtStart, sawAtStart: ${SEEN} });`],
};

let server;
let origin;

before(async () => {
  server = http.createServer((req, res) => {
    const file = FILES[new URL(req.url, 'http://x').pathname];
    if (!file) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': file[0], 'content-security-policy': CSP, 'cache-control': 'no-store' });
    res.end(file[1]);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});

after(() => new Promise((resolve) => server.close(resolve)));

async function withPage(browser, fn) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${origin}/`);
    const reports = await page.evaluate(() => window.workerReports);
    return await fn(page, reports, errors);
  } finally {
    await page.context().close();
  }
}

describe('JSPI', () => {
  it('is provably off with launchBrowser({ jspi: false }), and WebGPU still renders', async () => {
    const browser = await launchBrowser({ jspi: false });
    try {
      await withPage(browser, async (page, reports, errors) => {
        assert.deepEqual(errors, []);
        assert.deepEqual(await page.evaluate(() => window.pageSawAtStart), []);
        assert.deepEqual(reports, [
          { worker: 'classic', sawAtStart: [] },
          { worker: 'module', depSawAtStart: [], sawAtStart: [] },
        ]);
        const realms = await assertJspiOff(page);
        // the main frame, the two page workers, the fresh probe worker
        assert.equal(realms.length, 4, JSON.stringify(realms));
        for (const r of realms) {
          assert.equal(r.call, 0, `${r.where}: an async import did not suspend, its Promise became i32 0`);
          assert.match(r.construct, /^TypeError: WebAssembly\.Suspending is not a constructor/, r.where);
        }
        assert.deepEqual(realms.map((r) => r.realm), ['window', 'worker', 'worker', 'worker']);

        const gpu = await page.evaluate(() => window.clearCanvas());
        assert.deepEqual({ ...gpu, vendor: undefined }, { adapter: true, device: true, lost: null, vendor: undefined });
        const pixels = await waitForElementPixels(page.locator('#canvas'),
          (p) => same(p.at(32, 32), [255, 0, 255, 255]) && same(p.at(1, 1), [255, 0, 255, 255]), { what: 'magenta clear' });
        assert.equal(pixels.width, 64);
        assert.equal(await page.evaluate(() => typeof WebAssembly.Suspending), 'undefined', 'still off after WebGPU');
      });
    } finally {
      await browser.close();
    }
  });

  it('is on with the default launch (so the proof above is not vacuous)', async () => {
    const browser = await launchBrowser();
    try {
      await withPage(browser, async (page, reports) => {
        const all = ['Suspending', 'promising', 'SuspendError'];
        assert.deepEqual(await page.evaluate(() => window.pageSawAtStart), all);
        assert.deepEqual(reports, [
          { worker: 'classic', sawAtStart: all },
          { worker: 'module', depSawAtStart: all, sawAtStart: all },
        ]);
        const realms = await jspiStatus(page);
        const live = realms.filter((r) => !r.error);
        assert.equal(live.length, 3, JSON.stringify(realms)); // the main frame and the two page workers
        for (const r of live) {
          assert.equal(r.on, true, JSON.stringify(r));
          assert.equal(r.call, 7, `${r.where}: promising(run)() resolved with what the suspended import returned`);
          assert.equal(r.construct, 'constructed');
        }
        // the default context serves no probe worker: that realm cannot be proven off either
        assert.match(realms.at(-1).error, /probe worker failed/);
        await assert.rejects(assertJspiOff(page), /JSPI is not provably off in 4 realm/);
      });
    } finally {
      await browser.close();
    }
  });
});
