// The browser loader end to end: real pages, real render server, real Chromium. Every test
// looks at what a user sees — pixels of the canvas (element screenshots), the handle's mode and
// reason, the events and the LoadError a page gets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  ERROR_BACKGROUND, TRIANGLE_GREY, TRIANGLE_RED, buildSite, canvasPixels, isAnimatedClear, launchBrowser,
  openPage, same, settled, startServer, waitForPixels,
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

const url = (page, params) => `${server.url}/pages/${page}.html?${new URLSearchParams(params)}`;
const triangleShown = (p) => same(p.at(128, 128), TRIANGLE_RED) && same(p.at(3, 3), TRIANGLE_GREY);
const events = (page) => page.evaluate(() => window.__events);

async function fresh(fn) {
  const context = await browser.newContext({ viewport: { width: 400, height: 400 } });
  try {
    return await fn(context);
  } finally {
    await context.close();
  }
}

describe('server-frame fallback', () => {
  it('a tampered component is shown from the server, reason signature-invalid', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('classic', { component: '/components/tampered.wasm' }));
    const r = await settled(page);
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    assert.equal(r.mode, 'server');
    assert.equal(r.reason, 'signature-invalid');
    assert.equal(r.trustLevel, 'untrusted');
    assert.match(r.digest, /^sha256:[0-9a-f]{64}$/);
    await waitForPixels(page, triangleShown, { what: 'the triangle from the server' });
    const ev = await events(page);
    const verified = ev.find((e) => e.type === 'verified');
    assert.equal(verified.reason, 'signature-invalid');
    assert.equal(verified.hash, 'webcrypto');
    assert.ok(ev.some((e) => e.type === 'progress' && e.loaded > 0));
    assert.ok(ev.some((e) => e.type === 'first-frame'));
  }));

  it('an unsigned component is shown from the server, reason unsigned', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('module', { component: '/components/unsigned.wasm' }));
    const r = await settled(page);
    assert.equal(r.mode, 'server');
    assert.equal(r.reason, 'unsigned');
    await waitForPixels(page, (p) => isAnimatedClear(p.at(128, 128)) && isAnimatedClear(p.at(3, 250)),
      { what: 'animated-clear colours' });
  }));

  it('the wasm hash path reaches the same verdict and digest as WebCrypto', () => fresh(async (ctx) => {
    const a = await settled(await openPage(ctx, url('classic', { component: '/components/tampered.wasm', hash: 'wasm' })));
    const b = await settled(await openPage(ctx, url('classic', { component: '/components/tampered.wasm', hash: 'webcrypto' })));
    assert.equal(a.reason, 'signature-invalid');
    assert.deepEqual(a, b);
  }));

  it('a trusted component runs in the browser: mode client, reason verified, its pixels on the canvas', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('module', { component: '/components/trusted.wasm' }));
    const r = await settled(page);
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    assert.equal(r.mode, 'client', JSON.stringify(await events(page)));
    assert.equal(r.trustLevel, 'enterprise-trusted');
    assert.equal(r.reason, 'verified');
    await waitForPixels(page, triangleShown, { what: 'the triangle drawn client-side' });
    const ev = await events(page);
    const decision = ev.find((e) => e.type === 'decision');
    assert.equal(decision.route, 'client');
    assert.equal(decision.consentRequired, false);
    assert.ok(!ev.some((e) => e.type === 'fallback'), 'no fallback');
    assert.deepEqual(ev.filter((e) => e.type === 'mode').map((e) => [e.mode, e.reason]), [['client', 'verified']]);
    assert.ok(ev.some((e) => e.type === 'first-frame'));
    // Frames keep coming from the guest (rAF-driven), and no render-server session was opened.
    const m1 = await page.evaluate(() => window.__handle.metrics());
    await page.waitForTimeout(300);
    const m2 = await page.evaluate(() => window.__handle.metrics());
    assert.equal(m2.mode, 'client');
    assert.equal(m2.sessionId, null);
    assert.ok(m2.frames > m1.frames, `frames ${m1.frames} → ${m2.frames}`);
  }));

  it('consent given with the keyboard is remembered, and forgetConsent asks again', () => fresh(async (ctx) => {
    const target = url('module', { component: '/components/consent.wasm' });
    const page = await openPage(ctx, target, { wait: false });
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // Focus starts on Deny; Tab moves to Allow and wraps back inside the dialog.
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Deny');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Allow');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Deny');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    const r = await settled(page);
    assert.deepEqual([r.mode, r.reason], ['client', 'verified']);
    assert.ok((await events(page)).some((e) => e.type === 'consent' && e.granted && !e.remembered));

    await page.reload();
    const again = await settled(page);
    assert.deepEqual([again.mode, again.reason], ['client', 'verified']);
    assert.ok((await events(page)).some((e) => e.type === 'consent' && e.granted && e.remembered));

    assert.equal(await page.evaluate((d) => window.__api.forgetConsent(d), again.digest), 1);
    await page.reload();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    assert.equal((await settled(page)).reason, 'consent-denied');
  }));

  it('the component and the keyring are each requested once, before the loader fetches its own wasm; the sandbox worker started ahead is stopped when unused', () => fresh(async (ctx) => {
    for (const kind of ['module', 'classic']) {
      const seen = [];
      const onRequest = (r) => seen.push(new URL(r.url()).pathname);
      ctx.on('request', onRequest);
      const page = await openPage(ctx, url(kind, { component: '/components/tampered.wasm' }));
      const r = await settled(page);
      ctx.off('request', onRequest);
      assert.deepEqual([r.mode, r.reason], ['server', 'signature-invalid'], kind);
      const count = (p) => seen.filter((s) => s === p).length;
      assert.equal(count('/components/tampered.wasm'), 1, `${kind}: ${seen.join(' ')}`);
      assert.equal(count('/keyring.json'), 1, `${kind}: ${seen.join(' ')}`);
      const at = (p) => seen.indexOf(p);
      assert.ok(at('/components/tampered.wasm') < at('/dist/wasi-gfx-loader.wasm'), `${kind}: ${seen.join(' ')}`);
      assert.ok(at('/keyring.json') < at('/dist/wasi-gfx-loader.wasm'), `${kind}: ${seen.join(' ')}`);
      // The worker is started as loadComponent is called (the browser fetches its script on its
      // own schedule, so only that it was fetched is certain).
      assert.ok(at('/dist/wasi-gfx-loader.worker.js') >= 0, `${kind}: ${seen.join(' ')}`);
      // Server frames: the worker started ahead is not needed and is terminated.
      const deadline = Date.now() + 5000;
      while (page.workers().length > 0 && Date.now() < deadline) await page.waitForTimeout(50);
      assert.equal(page.workers().length, 0, `${kind}: the unused sandbox worker still runs`);
    }
  }));

  it('a consent callback decides instead of the dialog', () => fresh(async (ctx) => {
    const yes = await settled(await openPage(ctx, url('classic', { component: '/components/consent.wasm', consent: 'allow' })));
    const no = await settled(await openPage(ctx, url('classic', { component: '/components/consent.wasm', consent: 'deny' })));
    assert.deepEqual([yes.mode, yes.reason], ['client', 'verified']);
    assert.equal(no.reason, 'consent-denied');
  }));
});

describe('resilience', () => {
  it('a component failing on the server says so: reason, error event, error state on the canvas', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('classic', { component: '/components/spin.wasm' }));
    const r = await settled(page);
    assert.equal(r.reason, 'unsigned');
    await page.waitForFunction(() => window.__handle.reason === 'cpu-limit', null, { timeout: 30_000 });
    assert.ok((await events(page)).some((e) => e.type === 'error' && e.code === 'cpu-limit'));
    await waitForPixels(page, (p) => same(p.at(2, 2), ERROR_BACKGROUND), { what: 'the error state' });
    assert.match(await page.locator('#canvas').getAttribute('aria-label'), /cpu-limit/);
  }));

  it('an aborted load rejects with aborted and opens no session', () => fresh(async (ctx) => {
    const page = await openPage(ctx, `${server.url}/pages/classic.html?component=none`, { wait: false });
    await page.waitForFunction(() => document.body?.dataset.done === '1');
    const sessionsBefore = (await (await fetch(`${server.url}/healthz`)).json()).sessions;
    const code = await page.evaluate(async () => {
      const ac = new AbortController();
      const p = window.WasiGfxLoader.loadComponent('/components/unsigned.wasm', {
        canvas: document.getElementById('canvas'), keyring: '/keyring.json',
        fallback: { endpoint: location.origin }, signal: ac.signal,
      });
      ac.abort();
      return p.then(() => 'resolved', (e) => e.code);
    });
    assert.equal(code, 'aborted');
    assert.equal((await (await fetch(`${server.url}/healthz`)).json()).sessions, sessionsBefore);
  }));

  it('reconnects with a new session when the render server restarts', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('classic', { component: '/components/unsigned.wasm' }));
    await settled(page);
    const before = await page.evaluate(() => window.__handle.metrics());
    const port = server.port;
    await server.stop();
    server = await startServer(site.site, { port });
    await page.waitForFunction(() => window.__events.some((e) => e.type === 'reconnect' && e.newSession), null, { timeout: 30_000 });
    const framesAt = await page.evaluate(() => window.__handle.metrics().frames);
    await page.waitForFunction((n) => window.__handle.metrics().frames > n + 3, framesAt, { timeout: 20_000 });
    const afterM = await page.evaluate(() => window.__handle.metrics());
    assert.notEqual(afterM.sessionId, before.sessionId);
    assert.ok(afterM.reconnects >= 1);
    await waitForPixels(page, (p) => isAnimatedClear(p.at(128, 128)), { what: 'frames after reconnecting' });
  }));
});
