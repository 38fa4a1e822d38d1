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

  it('a trusted component that may run in the browser is shown from the server until the runtime lands', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('module', { component: '/components/trusted.wasm' }));
    const r = await settled(page);
    assert.equal(r.mode, 'server');
    assert.equal(r.trustLevel, 'enterprise-trusted');
    assert.equal(r.reason, 'client-runtime-unavailable');
    await waitForPixels(page, triangleShown, { what: 'the triangle' });
    const ev = await events(page);
    const decision = ev.find((e) => e.type === 'decision');
    assert.equal(decision.route, 'client');
    assert.equal(decision.consentRequired, false);
    // The component reached the runtime: compiled, and linking stopped at the first import.
    const fallback = ev.find((e) => e.type === 'fallback');
    assert.match(fallback.message, /bridge is not in this loader yet/);
    assert.match(fallback.message, /not implemented yet|does not implement/, 'names what is missing');
  }));

  it('server down: LoadError fallback-unavailable, an error event and a visible error state', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('classic', { component: '/components/tampered.wasm', endpoint: 'http://127.0.0.1:9' }));
    const r = await settled(page);
    assert.equal(r.error?.code, 'fallback-unavailable', JSON.stringify(r));
    assert.equal(r.error.isLoadError, true);
    const ev = await events(page);
    assert.ok(ev.some((e) => e.type === 'error' && e.code === 'fallback-unavailable'));
    const p = await canvasPixels(page);
    assert.deepEqual(p.at(2, 2), ERROR_BACKGROUND);
    assert.deepEqual(p.at(250, 250), ERROR_BACKGROUND);
    const label = await page.locator('#canvas').getAttribute('aria-label');
    assert.match(label, /fallback-unavailable/);
  }));

  it('the in-browser runtime refuses a P2-generation import before compiling: unsupported-feature naming it', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('classic', { component: '/refused/p2.wasm', endpoint: 'none' }));
    const r = await settled(page);
    assert.equal(r.error?.code, 'unsupported-feature', JSON.stringify(r));
    assert.equal(r.error.isLoadError, true);
    assert.match(r.error.message, /wasi:webgpu\/webgpu@0\.0\.1/);
    assert.match(r.error.message, /JSPI/);
    const ev = await events(page);
    assert.ok(ev.some((e) => e.type === 'decision' && e.route === 'client'), 'policy allowed the client');
    const fallback = ev.find((e) => e.type === 'fallback');
    assert.equal(fallback?.reason, 'unsupported-feature');
    assert.ok(ev.some((e) => e.type === 'error' && e.code === 'unsupported-feature'));
    const p = await canvasPixels(page);
    assert.deepEqual(p.at(2, 2), ERROR_BACKGROUND, 'the canvas shows the error state');
  }));

  it('an import of an interface version the bridge does not implement is import-denied, named', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('module', { component: '/refused/surface-0.3.wasm', endpoint: 'none' }));
    const r = await settled(page);
    assert.equal(r.error?.code, 'import-denied', JSON.stringify(r));
    assert.match(r.error.message, /wasi-gfx:surface\/surface@0\.3\.0/);
    assert.match(r.error.message, /0\.2\.0/, 'says which version is implemented');
  }));

  it('stop() ends the server session', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('classic', { component: '/components/unsigned.wasm' }));
    await settled(page);
    const id = await page.evaluate(() => window.__handle.metrics().sessionId);
    assert.ok(id);
    assert.equal((await fetch(`${server.url}/v1/sessions/${id}`)).status, 200);
    await page.evaluate(() => window.__handle.stop());
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await fetch(`${server.url}/v1/sessions/${id}`)).status;
    }
    assert.equal(status, 404);
    assert.ok((await events(page)).some((e) => e.type === 'stopped' && e.reason === 'stop'));
  }));

  it('pointer and key input on the canvas reach the component on the server', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('classic', { component: '/components/input.wasm' }));
    const r = await settled(page);
    assert.equal(r.reason, 'unsigned');
    await waitForPixels(page, (p) => same(p.at(64, 64), TRIANGLE_GREY), { what: 'the input-echo background' });
    await page.mouse.click(64, 64);
    await waitForPixels(page, (p) => same(p.at(64, 64), [255, 255, 255, 255]) && same(p.at(200, 200), TRIANGLE_GREY),
      { what: 'the white square under the pointer' });
    await page.keyboard.press('KeyA');
    await waitForPixels(page, (p) => same(p.at(200, 200), [0, 0, 160, 255]), { what: 'the background after one key' });
  }));
});

describe('pages', () => {
  it('works on a strict-CSP page (script-src self wasm-unsafe-eval)', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('csp', { component: '/components/tampered.wasm' }));
    const r = await settled(page);
    assert.equal(r.reason, 'signature-invalid', JSON.stringify(r));
    await waitForPixels(page, triangleShown, { what: 'the triangle' });
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
  }));

  it('the keyring may be given as an object', () => fresh(async (ctx) => {
    const page = await openPage(ctx, `${server.url}/pages/classic.html?component=none`, { wait: false });
    await page.waitForFunction(() => document.body?.dataset.done === '1');
    const r = await page.evaluate(async () => {
      const keyring = await (await fetch('/keyring.json')).json();
      const h = await window.WasiGfxLoader.loadComponent('/components/trusted.wasm', {
        canvas: document.getElementById('canvas'), keyring, fallback: { endpoint: location.origin },
      });
      return { mode: h.mode, reason: h.reason, trustLevel: h.trustLevel };
    });
    assert.deepEqual(r, { mode: 'server', reason: 'client-runtime-unavailable', trustLevel: 'enterprise-trusted' });
  }));

  it('bad options and bad sources are LoadErrors with codes', () => fresh(async (ctx) => {
    const page = await openPage(ctx, `${server.url}/pages/classic.html?component=/components/missing.wasm`);
    const missing = await settled(page);
    assert.equal(missing.error.code, 'fetch-failed');
    const codes = await page.evaluate(async () => {
      const L = window.WasiGfxLoader;
      const canvas = document.getElementById('canvas');
      const code = async (p) => p.then(() => 'resolved', (e) => `${e instanceof L.LoadError}:${e.code}`);
      return {
        noCanvas: await code(L.loadComponent('/components/trusted.wasm', { keyring: '/keyring.json' })),
        badKeyring: await code(L.loadComponent('/components/trusted.wasm', { canvas, keyring: { version: 9 } })),
        notWasm: await code(L.loadComponent('/pages/run.js', { canvas, keyring: '/keyring.json' })),
        badPolicy: await code(L.loadComponent('/components/trusted.wasm', { canvas, keyring: '/keyring.json', policy: { version: 1 } })),
      };
    });
    assert.deepEqual(codes, {
      noCanvas: 'true:invalid-options',
      badKeyring: 'true:keyring-invalid',
      notWasm: 'true:component-invalid',
      badPolicy: 'true:policy-invalid',
    });
  }));
});

describe('consent', () => {
  it('a denied consent shows server frames with reason consent-denied', () => fresh(async (ctx) => {
    const page = await openPage(ctx, url('module', { component: '/components/consent.wasm' }), { wait: false });
    const dialog = page.getByRole('dialog', { name: 'Run this graphics component in your browser?' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    assert.match(text, /Test Publisher/);
    assert.match(text, /publisher-signed/);
    assert.match(text, /sha256:[0-9a-f]{64}/);
    assert.match(text, /gpu, surface/);
    await dialog.getByRole('button', { name: 'Deny' }).click();
    const r = await settled(page);
    assert.equal(r.mode, 'server');
    assert.equal(r.reason, 'consent-denied');
    await waitForPixels(page, triangleShown, { what: 'the triangle' });
    assert.equal(await dialog.count(), 0);
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
    assert.equal(r.reason, 'client-runtime-unavailable');
    assert.ok((await events(page)).some((e) => e.type === 'consent' && e.granted && !e.remembered));

    await page.reload();
    const again = await settled(page);
    assert.equal(again.reason, 'client-runtime-unavailable');
    assert.ok((await events(page)).some((e) => e.type === 'consent' && e.granted && e.remembered));

    assert.equal(await page.evaluate((d) => window.__api.forgetConsent(d), again.digest), 1);
    await page.reload();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    assert.equal((await settled(page)).reason, 'consent-denied');
  }));

  it('a consent callback decides instead of the dialog', () => fresh(async (ctx) => {
    const yes = await settled(await openPage(ctx, url('classic', { component: '/components/consent.wasm', consent: 'allow' })));
    const no = await settled(await openPage(ctx, url('classic', { component: '/components/consent.wasm', consent: 'deny' })));
    assert.equal(yes.reason, 'client-runtime-unavailable');
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
