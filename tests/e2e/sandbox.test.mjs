// The client sandbox end to end: a trusted component runs in a dedicated Worker (never on the
// page's thread) under the policy's cpu and memory limits, and a hostile one — loaded with a
// trusted signature — leaves the page responsive and falls back to server frames with the
// right reason. The limits come from tests' policy-sandbox.json (cpu 1 s, memory 64 MiB).
// What is looked at: the handle's mode, reason and metrics, the loader's events, the page's
// workers (Playwright lists them), a main-thread probe (run.js: the longest gap between 10 ms
// timer ticks) and the canvas's pixels.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  buildSite, isAnimatedClear, launchBrowser, openPage, settled, startServer, waitForPixels,
} from './harness.mjs';

let site;
let server;
let browser;

before(async () => {
  site = buildSite();
  // The render server gets the same short limits: its copies of the hostile guests end soon too.
  // Its registry is the sandbox's own folder of signed hostile guests (see harness.mjs).
  server = await startServer(site.site, {
    policy: path.join(site.site, 'policy-sandbox.json'), components: path.join(site.site, 'sandbox'),
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (component, params = {}) =>
  `${server.url}/pages/module.html?${new URLSearchParams({
    component: `/sandbox/${component}`, policy: '/policy-sandbox.json', ...params,
  })}`;
const events = (page) => page.evaluate(() => window.__events);
const probe = (page) => page.evaluate(() => window.__probe.maxGapMs);
const gaps = (page) => page.evaluate(() => JSON.stringify(window.__probe.gaps));

async function fresh(fn) {
  const context = await browser.newContext({ viewport: { width: 400, height: 400 } });
  try {
    return await fn(context);
  } finally {
    await context.close();
  }
}

/** Waits until no worker of the page is left. */
async function noWorkers(page, what) {
  const deadline = Date.now() + 5000;
  while (page.workers().length > 0) {
    if (Date.now() > deadline) assert.fail(`${what}: ${page.workers().length} worker(s) still running`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Loads a hostile guest and waits for the fallback; returns the page, the load's result and the
 * fallback event. (A guest the render server cannot show either makes the load reject.)
 */
async function hostile(ctx, component, reason, params = {}) {
  const page = await openPage(ctx, url(component, params));
  const result = await settled(page);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'fallback'), null, { timeout: 20_000 });
  const ev = await events(page);
  const fallback = ev.find((e) => e.type === 'fallback');
  assert.equal(fallback.reason, reason, JSON.stringify(ev) + page.logs.join('\n'));
  return { page, result, fallback, events: ev };
}

describe('the client sandbox', () => {
  it('a trusted component runs in a worker: frames on the canvas, the page\'s thread free, no worker after stop()', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('animated-clear.wasm'));
    const r = await settled(page);
    assert.deepEqual([r.mode, r.reason], ['client', 'verified'], JSON.stringify(await events(page)));
    assert.equal(await page.evaluate(() => window.__handle.metrics().sandbox), 'worker');
    assert.equal(page.workers().length, 1, 'one sandbox worker');
    await page.waitForFunction(() => window.__handle.metrics().frames > 10, null, { timeout: 20_000 });
    await waitForPixels(page, (p) => isAnimatedClear(p.at(128, 128)), { what: 'the guest\'s frames' });
    await page.evaluate(() => window.__handle.stop());
    await noWorkers(page, 'after stop()');
    const frames = await page.evaluate(() => window.__handle.metrics().frames);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await page.evaluate(() => window.__handle.metrics().frames), frames, 'no frames after stop()');
  }));

  it('a page that blocks its own thread past the cpu limit does not get its component stopped', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('animated-clear.wasm', { policy: '/policy-sandbox-fast.json' }));
    const r = await settled(page);
    assert.deepEqual([r.mode, r.reason], ['client', 'verified']);
    // 1 s of the page's own work, over the 300 ms limit: the worker's heartbeats wait in the
    // page's queue meanwhile, and the watchdog must not take that for a spinning guest.
    await page.evaluate(() => { const end = performance.now() + 1000; while (performance.now() < end); });
    const before = await page.evaluate(() => window.__handle.metrics().frames);
    await page.waitForFunction((n) => window.__handle.metrics().frames > n + 10, before, { timeout: 20_000 });
    assert.deepEqual(await page.evaluate(() => [window.__handle.mode, window.__handle.reason]), ['client', 'verified']);
    assert.ok(!(await events(page)).some((e) => e.type === 'fallback'), JSON.stringify(await events(page)));
  }));

  it('sandbox: "none" runs it on the page\'s thread instead (for comparison)', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('animated-clear.wasm', { sandbox: 'none' }));
    const r = await settled(page);
    assert.deepEqual([r.mode, r.reason], ['client', 'verified']);
    assert.equal(await page.evaluate(() => window.__handle.metrics().sandbox), 'main-thread');
    assert.equal(page.workers().length, 0);
  }));

  it('an infinite loop in start: cpu-limit, the worker is gone, the page answered its probe throughout', () => fresh(async (ctx) => {
    const started = Date.now();
    const { page, result, fallback } = await hostile(ctx, 'hostile-spin-in-start.wasm', 'cpu-limit');
    assert.match(fallback.message, /cpu limit of 1000 ms/);
    assert.ok(Date.now() - started >= 1000, 'not before the limit');
    await noWorkers(page, 'after cpu-limit');
    assert.ok(await probe(page) < 100, `main-thread probe gap ${await probe(page)} ms (gaps over 30 ms, [ended at, ms]: ${await gaps(page)})`);
    // The render server runs the same guest and stops it at the same limit: the load
    // rejects, naming the server's reason, and the canvas shows the error state.
    assert.equal(result.error?.code, 'fallback-unavailable', JSON.stringify(result));
    assert.match(result.error.message, /cpu-limit/);
  }));

  it('an infinite loop at the 6th frame: cpu-limit, then server frames on the same canvas', () => fresh(async (ctx) => {
    const { page, result, events: ev } = await hostile(ctx, 'hostile-spin.wasm', 'cpu-limit');
    assert.equal(result.error, undefined, JSON.stringify(result));
    // Frames 0–4 take 80 ms; the first reaches the page once the GPU has finished it, which on
    // SwiftShader (compiling the pipeline) may be after the spin began — then the blocked worker
    // never hands it over and the load itself falls back. Either way the page ends in server
    // mode with reason cpu-limit.
    const modes = ev.filter((e) => e.type === 'mode').map((e) => [e.mode, e.reason]);
    assert.deepEqual(modes.at(-1), ['server', 'cpu-limit'], JSON.stringify(modes));
    if (modes.length > 1) assert.deepEqual(modes[0], ['client', 'verified'], JSON.stringify(modes));
    await noWorkers(page, 'after cpu-limit');
    // The guest's frames 0–4 (its own, then the server's copies) stay animated-clear colours.
    await waitForPixels(page, (p) => isAnimatedClear(p.at(128, 128)), { what: 'its frames, not a blank canvas' });
    assert.ok(await probe(page) < 100, `main-thread probe gap ${await probe(page)} ms (gaps over 30 ms, [ended at, ms]: ${await gaps(page)})`);
  }));

  it('a memory bomb: growth stops at the rewritten maximum inside the guest → memory-limit, server frames', () => fresh(async (ctx) => {
    const { page, result, fallback } = await hostile(ctx, 'hostile-memory-bomb.wasm', 'memory-limit');
    assert.match(fallback.message, /showing server frames/);
    // It bombs on its first frame, before presenting: the render server's copy meets its own
    // memory limit there, so the load rejects naming the server's reason.
    assert.equal(result.error?.code, 'fallback-unavailable', JSON.stringify(result));
    assert.match(result.error.message, /memory/i, result.error.message);
    await noWorkers(page, 'after memory-limit');
    assert.ok(await probe(page) < 100, `main-thread probe gap ${await probe(page)} ms (gaps over 30 ms, [ended at, ms]: ${await gaps(page)})`);
  }));

  it('a huge list argument (a string claiming 2 GiB) is a host-side trap: reason trap, server frames', () => fresh(async (ctx) => {
    const { page, result, fallback } = await hostile(ctx, 'hostile-huge-list.wasm', 'trap');
    assert.equal(result.error, undefined, JSON.stringify(result));
    assert.match(fallback.message, /string of 2147483632 bytes is too long/, fallback.message);
    await noWorkers(page, 'after the trap');
    // Its frames 0 and 1 (its own, then the server's) are animated-clear colours; the server's
    // copy traps at the same call.
    await waitForPixels(page, (p) => isAnimatedClear(p.at(128, 128)), { what: 'its frames, not a blank canvas' });
    assert.ok(await probe(page) < 100, `main-thread probe gap ${await probe(page)} ms (gaps over 30 ms, [ended at, ms]: ${await gaps(page)})`);
  }));

  it('a giant shader (8 MiB of WGSL) is refused before the browser compiles it: gpu-limit, server frames', () => fresh(async (ctx) => {
    const { page, result, fallback } = await hostile(ctx, 'hostile-giant-shader.wasm', 'gpu-limit');
    assert.equal(result.error, undefined, JSON.stringify(result));
    assert.match(fallback.message, /create-shader-module: a shader of \d+ bytes of WGSL refused: the limit is 1048576 bytes/, fallback.message);
    await noWorkers(page, 'after gpu-limit');
    await waitForPixels(page, (p) => isAnimatedClear(p.at(128, 128)), { what: 'its frames, not a blank canvas' });
    assert.ok(await probe(page) < 100, `main-thread probe gap ${await probe(page)} ms (gaps over 30 ms, [ended at, ms]: ${await gaps(page)})`);
  }));

  it('a GPU allocation bomb: refused creations past the budget, then gpu-limit; the worker is gone', () => fresh(async (ctx) => {
    // No render server here: its copy would really allocate the 4 GiB (the server has no GPU
    // budget); without a fallback the canvas shows the error state, with the reason.
    const { page, result, fallback } = await hostile(ctx, 'hostile-gpu-bomb.wasm', 'gpu-limit', { endpoint: 'none' });
    assert.match(fallback.message, /GPU budget of 67108864 bytes/, fallback.message);
    await noWorkers(page, 'after gpu-limit');
    // The bomb goes off on the first frame: whether that frame reaches the canvas before the
    // third refusal is a race. Either the load rejects (no server to fall back to) or the
    // handle it gave says gpu-limit.
    if (result.error) assert.equal(result.error.code, 'fallback-unavailable', JSON.stringify(result));
    else assert.equal(await page.evaluate(() => window.__handle.reason), 'gpu-limit');
    assert.match(await page.locator('#canvas').getAttribute('aria-label') ?? '', /gpu-limit|fallback-unavailable/);
    assert.ok(await probe(page) < 100, `main-thread probe gap ${await probe(page)} ms (gaps over 30 ms, [ended at, ms]: ${await gaps(page)})`);
  }));

  for (const [name, iface] of [['filesystem', 'wasi:filesystem/types@0.2.0'], ['evil', 'evil:net/socket@1.0.0']]) {
    it(`a forbidden import (${iface}) is refused before compiling: import-denied, the worker started ahead is stopped`, () => fresh(async (ctx) => {
      const page = await openPage(ctx, `${server.url}/pages/module.html?${new URLSearchParams({
        component: `/refused/${name}.wasm`, policy: '/policy-sandbox.json', endpoint: 'none',
      })}`);
      const result = await settled(page);
      // The decision already refuses the browser (before planning, compiling or any worker);
      // with no render server configured the load then rejects.
      const decision = (await events(page)).find((e) => e.type === 'decision');
      assert.deepEqual([decision.route, decision.reason], ['server', 'import-denied'], JSON.stringify(decision));
      assert.match(decision.message, new RegExp(name), decision.message);
      assert.equal(result.error?.code, 'fallback-unavailable', JSON.stringify(result));
      // The loader's script starts the worker as loadComponent is called; the decision stops it.
      await noWorkers(page, 'the worker started ahead');
    }));
  }

  // Each hostile guest twenty times in one page (a fresh canvas each, no render server: the
  // loader shows the error state), with a 300 ms cpu limit: every load ends with its reason and
  // leaves no worker; the page's heap stays flat and its thread answers the probe throughout.
  for (const [guest, reason] of [
    ['hostile-spin-in-start', 'cpu-limit'], ['hostile-spin', 'cpu-limit'], ['hostile-memory-bomb', 'memory-limit'],
    ['hostile-gpu-bomb', 'gpu-limit'], ['hostile-trap-at-frame', 'trap'], ['hostile-giant-shader', 'gpu-limit'],
    ['hostile-huge-list', 'trap'],
  ]) {
    it(`${guest} twenty times: ${reason} each time, no worker left behind, the page's heap flat and its thread free`, () => fresh(async (ctx) => {
      const page = await openPage(ctx, url('animated-clear.wasm'));
      await settled(page);
      await page.evaluate(() => window.__handle.stop());
      const cdp = await ctx.newCDPSession(page);
      const heap = async () => {
        await cdp.send('HeapProfiler.collectGarbage');
        return (await cdp.send('Runtime.getHeapUsage')).usedSize;
      };
      let baseline = null;
      for (let i = 0; i < 20; i++) {
        const outcome = await page.evaluate(async (component) => {
          const canvas = document.createElement('canvas');
          canvas.width = 64;
          canvas.height = 64;
          document.body.append(canvas);
          const seen = [];
          let handle = null;
          let error = null;
          try {
            handle = await window.__api.loadComponent(component, {
              canvas, keyring: '/keyring.json', onEvent: (e) => seen.push(e),
              policy: await (await fetch('/policy-sandbox-fast.json')).text(),
            });
          } catch (e) {
            error = e.code;
          }
          const deadline = performance.now() + 10_000;
          while (!seen.some((e) => e.type === 'fallback') && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          handle?.stop();
          canvas.remove();
          return { fallback: seen.find((e) => e.type === 'fallback')?.reason ?? null, error };
        }, `/sandbox/${guest}.wasm`);
        assert.equal(outcome.fallback, reason, `load ${i}: ${JSON.stringify(outcome)}`);
        await noWorkers(page, `after load ${i}`);
        if (i === 4) {
          baseline = await heap();
          // A forced garbage collection stops the page's thread: the probe starts over after it.
          await page.evaluate(() => Object.assign(window.__probe, { maxGapMs: 0, last: null, gaps: [] }));
        }
      }
      const gap = await probe(page);
      const gapsSeen = await gaps(page);
      const grown = (await heap()) - baseline;
      assert.ok(grown < 8 << 20, `the page's heap grew by ${grown} bytes over 15 loads`);
      assert.ok(gap < 100, `main-thread probe gap ${gap} ms over the last 15 loads (gaps over 30 ms, [ended at, ms]: ${gapsSeen})`);
    }));
  }
});
