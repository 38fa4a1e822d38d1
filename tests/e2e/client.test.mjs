// The client path end to end: trusted, signed guests run in the page through our component
// runtime and the wasi-gfx bridge on Chromium's WebGPU (SwiftShader). Every test looks at what a
// user sees: pixels of the canvas (element screenshots), the handle's mode and reason, the events;
// and compares the pixels with the render server's frame of the same component (wasmtime +
// lavapipe) — the same component must look the same in both places.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { PNG } from 'pngjs';

import {
  TRIANGLE_GREY, TRIANGLE_RED, buildSite, canvasPixels, isAnimatedClear, launchBrowser, openPage, same, settled,
  startServer, waitForPixels,
} from './harness.mjs';

let site;
let server;
let browser;

before(async () => {
  site = buildSite();
  server = await startServer(site.site);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const url = (component, params = {}) =>
  `${server.url}/pages/module.html?${new URLSearchParams({ component: `/components/${component}`, ...params })}`;
const events = (page) => page.evaluate(() => window.__events);
const handleState = (page) => page.evaluate(() => ({ mode: window.__handle.mode, reason: window.__handle.reason }));

async function fresh(fn) {
  const context = await browser.newContext({ viewport: { width: 400, height: 400 } });
  try {
    return await fn(context);
  } finally {
    await context.close();
  }
}

/** Loads a trusted guest and checks it runs client-side. */
async function client(ctx, component, params) {
  const page = await openPage(ctx, url(component, params));
  const r = await settled(page);
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  assert.deepEqual([r.mode, r.reason], ['client', 'verified'], JSON.stringify(await events(page)) + page.logs.join('\n'));
  return { page, digest: r.digest };
}

/** The render server's frame `frame` of `digest` at the canvas size, decoded. */
async function serverFrame(digest, frame = 0, width = 256, height = 256) {
  const res = await fetch(`${server.url}/v1/components/${digest}/frame?width=${width}&height=${height}&frame=${frame}&format=png`);
  assert.equal(res.status, 200, await res.clone().text());
  return PNG.sync.read(Buffer.from(await res.arrayBuffer()));
}

/** Mean absolute difference per channel (0–255) between the canvas and a server frame. */
function meanAbsDiff(canvas, png) {
  assert.deepEqual([canvas.width, canvas.height], [png.width, png.height], 'same size');
  let sum = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const a = canvas.at(x, y);
      const i = (png.width * y + x) * 4;
      for (let c = 0; c < 4; c++) sum += Math.abs(a[c] - png.data[i + c]);
    }
  }
  return sum / (png.width * png.height * 4);
}

const TEX_EVEN = [240, 192, 64, 255];
const TEX_ODD = [16, 192, 160, 255];
const texturedQuadShown = (p) => same(p.at(10, 10), TRIANGLE_GREY) && same(p.at(80, 80), TEX_EVEN)
  && same(p.at(112, 80), TEX_ODD) && same(p.at(80, 112), TEX_ODD) && same(p.at(180, 180), TEX_EVEN);

describe('client-side rendering', () => {
  it('the triangle is drawn in the browser with the same pixels as the render server', () => fresh(async (ctx) => {
    const { page, digest } = await client(ctx, 'trusted.wasm');
    const shown = await waitForPixels(page, (p) => same(p.at(128, 128), TRIANGLE_RED) && same(p.at(3, 3), TRIANGLE_GREY),
      { what: 'the client-side triangle' });
    const diff = meanAbsDiff(shown, await serverFrame(digest));
    assert.ok(diff <= 1, `mean absolute difference ${diff.toFixed(3)} / 255 (≤ 1)`);
  }));

  it('textures, samplers, uniform buffers and bind groups: the textured quad matches the server', () => fresh(async (ctx) => {
    const { page, digest } = await client(ctx, 'client-textured-quad.wasm');
    const shown = await waitForPixels(page, texturedQuadShown, { what: 'the textured quad' });
    const diff = meanAbsDiff(shown, await serverFrame(digest));
    assert.ok(diff <= 1, `mean absolute difference ${diff.toFixed(3)} / 255 (≤ 1)`);
  }));

  it('compute with map-async read-back: the guest checked its GPU results (green), like on the server', () => fresh(async (ctx) => {
    const { page, digest } = await client(ctx, 'client-compute-readback.wasm');
    const shown = await waitForPixels(page, (p) => same(p.at(128, 128), [0, 200, 32, 255]) && same(p.at(250, 5), [0, 200, 32, 255]),
      { what: 'the compute result colour (0, 200, 32)' });
    const diff = meanAbsDiff(shown, await serverFrame(digest));
    assert.ok(diff <= 1, `mean absolute difference ${diff.toFixed(3)} / 255 (≤ 1)`);
  }));

  it('frame-buffer CPU pixels reach the canvas through the 2D context', () => fresh(async (ctx) => {
    const { page, digest } = await client(ctx, 'client-cpu-gradient.wasm');
    const gradient = (p) => [[50, 100], [200, 20], [5, 250]].every(([x, y]) => {
      const [r, g, b, a] = p.at(x, y);
      return r === x && g === y && b % 16 === 0 && a === 255;
    });
    const shown = await waitForPixels(page, gradient, { what: 'the CPU gradient (r = x, g = y)' });
    // Frames differ only in blue (16 n): compare red and green with the server's frame 0.
    const png = await serverFrame(digest);
    let diff = 0;
    for (let y = 0; y < 256; y += 3) {
      for (let x = 0; x < 256; x += 3) {
        const a = shown.at(x, y);
        const i = (256 * y + x) * 4;
        diff = Math.max(diff, Math.abs(a[0] - png.data[i]), Math.abs(a[1] - png.data[i + 1]));
      }
    }
    assert.ok(diff <= 1, `red/green differ by up to ${diff}`);
  }));

  it('animated-clear keeps drawing: frames are counted and the colour follows the frame index', () => fresh(async (ctx) => {
    const { page } = await client(ctx, 'client-animated-clear.wasm');
    await waitForPixels(page, (p) => isAnimatedClear(p.at(128, 128)), { what: 'animated-clear colours' });
    const m1 = await page.evaluate(() => window.__handle.metrics());
    await page.waitForTimeout(500);
    const m2 = await page.evaluate(() => window.__handle.metrics());
    assert.equal(m2.mode, 'client');
    assert.ok(m2.frames > m1.frames + 5, `frames ${m1.frames} → ${m2.frames}`);
    assert.ok(m2.fps > 0, `fps ${m2.fps}`);
    assert.ok(m2.timeToFirstFrameMs > 0);
  }));

  it('pointer and keys on the canvas reach the guest (input-echo)', () => fresh(async (ctx) => {
    const { page } = await client(ctx, 'client-input-echo.wasm');
    await waitForPixels(page, (p) => same(p.at(128, 128), TRIANGLE_GREY), { what: 'the input-echo background' });
    const box = await page.locator('#canvas').boundingBox();
    await page.mouse.click(box.x + 100, box.y + 60);
    await waitForPixels(page, (p) => same(p.at(100, 60), [255, 255, 255, 255]) && same(p.at(120, 60), TRIANGLE_GREY),
      { what: 'the white square where the pointer went down' });
    await page.keyboard.press('KeyA');
    await waitForPixels(page, (p) => same(p.at(200, 200), [0, 0, 160, 255]), { what: 'palette 1 after one key' });
    await page.keyboard.press('Space');
    await waitForPixels(page, (p) => same(p.at(200, 200), [0, 120, 0, 255]), { what: 'palette 2 after two keys' });
  }));

  it('a resized canvas is followed by the guest', () => fresh(async (ctx) => {
    const { page } = await client(ctx, 'trusted.wasm');
    await page.evaluate(() => {
      const c = document.getElementById('canvas');
      c.width = 128;
      c.height = 96;
      c.style.width = '128px';
      c.style.height = '96px';
    });
    await waitForPixels(page, (p) => p.width === 128 && p.height === 96 && same(p.at(64, 48), TRIANGLE_RED)
      && same(p.at(64, 10), TRIANGLE_GREY) && same(p.at(64, 85), TRIANGLE_GREY), { what: 'the triangle at 128 × 96' });
  }));

  it('stop() ends the guest: no more frames', () => fresh(async (ctx) => {
    const { page } = await client(ctx, 'client-animated-clear.wasm');
    await page.evaluate(() => window.__handle.stop());
    await page.waitForTimeout(200);
    const m1 = await page.evaluate(() => window.__handle.metrics());
    await page.waitForTimeout(400);
    const m2 = await page.evaluate(() => window.__handle.metrics());
    assert.equal(m2.frames, m1.frames, 'no frames after stop');
    assert.ok((await events(page)).some((e) => e.type === 'stopped'));
  }));
});

describe('client-side failures fall back to server frames', () => {
  it('a trap after the first frames: mode becomes server, reason trap, server frames on the same canvas', () => fresh(async (ctx) => {
    const { page } = await client(ctx, 'client-hostile-trap-at-frame.wasm');
    await page.waitForFunction(() => window.__handle.mode === 'server', null, { timeout: 20_000 });
    const ev = await events(page);
    const fallback = ev.find((e) => e.type === 'fallback');
    assert.equal(fallback.reason, 'trap');
    assert.match(fallback.message, /showing server frames/);
    assert.deepEqual(ev.filter((e) => e.type === 'mode').map((e) => [e.mode, e.reason]).slice(0, 2),
      [['client', 'verified'], ['server', 'trap']]);
    // A render-server session takes over the canvas (drawing through WebGPU: the canvas keeps its
    // webgpu context) — and the guest traps there too at its third frame, which the handle and an
    // error event then report. (Whether a server frame is drawn before that is a race.)
    await page.waitForFunction(() => window.__handle.metrics().sessionId, null, { timeout: 20_000 });
    await page.waitForFunction(() => window.__handle.reason === 'guest-trap', null, { timeout: 20_000 });
    assert.ok((await events(page)).some((e) => e.type === 'error' && e.code === 'guest-trap'));
    await waitForPixels(page, (p) => isAnimatedClear(p.at(128, 128)), { what: 'its frames, not a blank canvas' });
  }));

  it('an uncaptured GPU error falls back with reason gpu-error; a policy may ignore it', () => fresh(async (ctx) => {
    const { page } = await client(ctx, 'client-gpu-error-at-frame.wasm');
    await page.waitForFunction(() => window.__handle.mode === 'server', null, { timeout: 20_000 });
    assert.deepEqual(await handleState(page), { mode: 'server', reason: 'gpu-error' });
    const fallback = (await events(page)).find((e) => e.type === 'fallback');
    assert.match(fallback.message, /gpu-error-at-frame: invalid usage/, 'the GPU error names the guest\'s buffer');
    await waitForPixels(page, (p) => isAnimatedClear(p.at(128, 128)), { what: 'server frames of it' });

    const { page: tolerant } = await client(ctx, 'client-gpu-error-at-frame.wasm', { policy: '/policy-ignore-gpu-errors.json' });
    await tolerant.waitForFunction(() => window.__handle.metrics().frames > 10, null, { timeout: 20_000 });
    assert.deepEqual(await handleState(tolerant), { mode: 'client', reason: 'verified' });
    assert.ok(!(await events(tolerant)).some((e) => e.type === 'fallback'));
  }));
});
