// The demo page (www/index.html + demo.js + demo.css) end to end, as a user sees it: the real page
// and the built loader (www/dist), demo components made the way `npm start` makes them, the real
// render server, real Chromium. The user picks a component, presses Load (or answers the consent
// dialog) and the test reads the page's status text, facts, event log, progress bar, metrics plot
// and the canvas pixels (element screenshots) — and that the strict CSP reported nothing. The
// side-by-side panel loads by itself: the signed triangle in the browser next to the unsigned one
// from the render server, compared pixel by pixel.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { PNG } from 'pngjs';

import {
  TRIANGLE_GREY, TRIANGLE_RED, buildDemoSite, elementPixels, isAnimatedClear, launchBrowser, same, startServer,
  waitForElementPixels,
} from './harness.mjs';

let demo;
let server;
let browser;

before(async () => {
  demo = buildDemoSite();
  server = await startServer(demo.site, { keyring: demo.demoKeyring, components: demo.demoComponents });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const TITLES = Object.fromEntries([
  ['trusted', 'Triangle, enterprise-trusted'],
  ['consent', 'Animated clear, publisher-signed (needs consent)'],
  ['unsigned', 'Triangle, unsigned'],
  ['tampered', 'Animated clear, tampered after signing'],
]);
const verdict = (id) => demo.manifest.components.find((c) => c.id === id).verdict;

const animatedClearShown = (p) => [[p.width / 2, p.height / 2], [3, 3], [p.width - 4, p.height - 4]]
  .every(([x, y]) => isAnimatedClear(p.at(x, y)));
const triangleShown = (p) => same(p.at(p.width / 2, p.height / 2), TRIANGLE_RED) && same(p.at(3, 3), TRIANGLE_GREY);

/** Opens the demo page in a fresh context; CSP violations and page errors are collected. */
async function withDemo(fn) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  try {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`); });
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    await page.goto(`${server.url}/`);
    await page.getByRole('radio', { name: TITLES.tampered }).waitFor();
    page.problems = problems;
    await fn(page);
    assert.deepEqual(await page.evaluate(() => window.__violations), [], 'CSP violations');
    return page;
  } finally {
    await context.close();
  }
}

const canvas = (page) => page.locator('#canvas');
const statusText = (page) => page.locator('#status[role="status"]');
const logText = (page) => page.locator('#log').innerText();

/** Waits until the page's status says it shows the component, with `reason`. */
async function shown(page, title, reason, timeout = 60_000) {
  await statusText(page).filter({ hasText: `Showing “${title}”` }).filter({ hasText: reason }).waitFor({ timeout });
  return statusText(page).innerText();
}

async function pick(page, id) {
  await page.getByRole('radio', { name: TITLES[id] }).check();
  await page.getByRole('button', { name: 'Load' }).click();
}

/**
 * A 256×256 canvas as the user sees it. Not an element screenshot: the canvas sits at a fractional
 * CSS y (text above it), so that one is 257 rows high; Chromium draws the canvas snapped to the
 * nearest pixel, so the crop at the rounded position is the canvas's own pixels.
 */
async function canvasShot(page, locator) {
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  assert.deepEqual([box.width, box.height], [256, 256], 'the canvas is 256×256 CSS pixels');
  const png = PNG.sync.read(await page.screenshot({ clip: { x: Math.round(box.x), y: Math.round(box.y), width: 256, height: 256 } }));
  assert.deepEqual([png.width, png.height], [256, 256]);
  return {
    at(x, y) {
      const i = (png.width * y + x) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]];
    },
  };
}

async function sessionOf(page) {
  const s = (await page.locator('#m-session').innerText()).trim();
  return s === '—' ? null : s;
}

describe('demo page', () => {
  it('serves the page with its strict CSP, the loader as an ES module and the four components', () => withDemo(async (page) => {
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.match(csp, /img-src 'self' blob: data:/);
    assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline scripts');
    assert.equal(await page.locator('[style]').count(), 0, 'no inline style attributes');
    assert.deepEqual(await page.getByRole('radio').evaluateAll((r) => r.map((e) => e.value)),
      ['trusted', 'consent', 'unsigned', 'tampered']);
    assert.match(await page.locator('#version').innerText(), /^\d+\.\d+\.\d+/);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'wasi-gfx-loader');
    assert.deepEqual(page.problems, []);
  }));

  it('tampered: status says signature-invalid, server frames on the canvas, progress, log and metrics; then trusted on the same canvas', () => withDemo(async (page) => {
    await pick(page, 'tampered');
    const text = await shown(page, TITLES.tampered, 'signature-invalid');
    assert.match(text, /from the render server/);
    assert.match(text, /Trust level: untrusted/);
    assert.match(await page.locator('#mode').innerText(), /^server/);
    assert.match(await page.locator('#reason').innerText(), /^signature-invalid/);
    assert.equal(await page.locator('#trust').innerText(), 'untrusted');
    assert.equal(await page.locator('#signer').innerText(), 'Demo Enterprise (claimed, not verified)');
    const digest = await page.locator('#digest').innerText();
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(digest, verdict('tampered').digest, 'the loader and gfx-sign verify agree on the digest');
    assert.equal(await page.locator('#error').innerText(), '');

    await waitForElementPixels(canvas(page), animatedClearShown, { what: 'animated-clear frames from the server' });

    const progress = await page.locator('#progress').evaluate((p) => ({ value: p.value, max: p.max, determinate: p.hasAttribute('value') }));
    assert.ok(progress.determinate && progress.max > 1 && progress.value === progress.max, JSON.stringify(progress));
    assert.match(await page.locator('#progress-text').innerText(), /kB of .* kB/);

    const log = await logText(page);
    for (const type of ['progress', 'verified', 'decision', 'mode', 'first-frame']) {
      assert.match(log, new RegExp(`^\\S+ ${type} `, 'm'), `a ${type} line in the log`);
    }
    assert.match(log, /^\S+ verified .*reason=signature-invalid/m);
    assert.match(log, /^\S+ decision route=server reason=signature-invalid/m);

    // Live metrics: frame-stats events arrive about once a second; the plot draws them.
    await page.locator('#log li[class~="event"]').filter({ hasText: / frame-stats fps=/ }).first().waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => parseFloat(document.getElementById('m-fps').textContent) > 0, null, { timeout: 15_000 });
    // The lines need a few samples (and the latency line may cover the fps line at first): poll.
    const plotLines = () => page.locator('#plot').evaluate((c) => {
      // Inside the plot area only (36 px left axis, 44 px right axis, 10 px top, 22 px bottom): the
      // axis labels outside it are in the same colours.
      const d = c.getContext('2d').getImageData(37, 11, c.width - 80, c.height - 32).data;
      let fps = 0;
      let latency = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] === 0x1f && d[i + 1] === 0x5f && d[i + 2] === 0xbf) fps += 1;
        if (d[i] === 0xc2 && d[i + 1] === 0x57 && d[i + 2] === 0x0c) latency += 1;
      }
      return { fps, latency, label: c.getAttribute('aria-label') };
    });
    let drawn = await plotLines();
    for (let tries = 0; tries < 40 && !(drawn.fps > 0 && drawn.latency > 0); tries++) {
      await new Promise((r) => setTimeout(r, 250));
      drawn = await plotLines();
    }
    assert.ok(drawn.fps > 0 && drawn.latency > 0, `fps and latency lines on the plot: ${JSON.stringify(drawn)}`);
    assert.match(drawn.label, /now \d+\.\d fps/);
    assert.notEqual(await page.locator('#m-latency').innerText(), '—');
    const first = await sessionOf(page);
    assert.ok(first, 'a server session id');

    // Another component on the same canvas: the previous handle is stopped (its session ends).
    await pick(page, 'trusted');
    const t = await shown(page, TITLES.trusted, 'verified');
    assert.match(t, /Trust level: enterprise-trusted/);
    await waitForElementPixels(canvas(page), triangleShown, { what: 'the triangle after switching' });
    assert.match(await logText(page), /^\S+ stopped reason=stop$/m);
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      status = (await fetch(`${server.url}/v1/sessions/${first}`)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 404, 'the tampered component\'s session ended');
    assert.notEqual(await sessionOf(page), first);
    assert.deepEqual(page.problems, []);
  }));

  it('consent: Allow in the dialog, Forget consent, then Deny when asked again', () => withDemo(async (page) => {
    await pick(page, 'consent');
    const dialog = page.getByRole('dialog', { name: 'Run this graphics component in your browser?' });
    await dialog.waitFor();
    assert.match(await statusText(page).innerText(), /needs your consent/);
    const text = await dialog.innerText();
    assert.match(text, /Demo Publisher/);
    assert.match(text, /publisher-signed/);
    assert.match(text, new RegExp(verdict('consent').digest));
    await dialog.getByRole('button', { name: 'Allow' }).click();
    await shown(page, TITLES.consent, 'verified');
    assert.equal(await page.locator('#trust').innerText(), 'publisher-signed');
    assert.equal(await page.locator('#signer').innerText(), 'Demo Publisher');
    assert.match(await logText(page), /^\S+ consent granted=true remembered=false$/m);
    await waitForElementPixels(canvas(page), animatedClearShown, { what: 'animated-clear frames after Allow' });

    // Remembered: loading again does not ask.
    await page.getByRole('button', { name: 'Load' }).click();
    await page.locator('#log li').filter({ hasText: 'consent granted=true remembered=true' }).waitFor();
    await shown(page, TITLES.consent, 'verified');
    assert.equal(await dialog.count(), 0);

    await page.getByRole('button', { name: 'Forget consent' }).click();
    await page.getByRole('status').filter({ hasText: 'Forgot 1 remembered consent answer' }).waitFor();

    await page.getByRole('button', { name: 'Load' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Deny' }).click();
    const denied = await shown(page, TITLES.consent, 'consent-denied');
    assert.match(denied, /from the render server/);
    assert.match(await page.locator('#mode').innerText(), /^server/);
    await waitForElementPixels(canvas(page), animatedClearShown, { what: 'animated-clear frames after Deny' });
    assert.deepEqual(page.problems, []);
  }));

  it('is usable with the keyboard alone', () => withDemo(async (page) => {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'trusted', 'the radio group comes first');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement.value), 'unsigned');
    await page.keyboard.press('Enter'); // implicit submission of the form
    await shown(page, TITLES.unsigned, 'unsigned');
    await waitForElementPixels(canvas(page), triangleShown, { what: 'the unsigned triangle' });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Load');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Stop');
    await page.keyboard.press('Enter');
    await statusText(page).filter({ hasText: `Stopped “${TITLES.unsigned}”` }).waitFor();
    assert.match(await logText(page), /^\S+ stopped reason=stop$/m);
    assert.deepEqual(page.problems, []);
  }));

  it('side by side: the signed triangle in the browser and the unsigned one from the render server, same pixels', () => withDemo(async (page) => {
    // Loaded when the page opens, without any choice: the signed copy runs client-side, the
    // unsigned copy of the same component is shown from the render server.
    const trusted = page.locator('#sbs-trusted');
    const unsigned = page.locator('#sbs-unsigned');
    await page.locator('#sbs-trusted-where').filter({ hasText: /^in your browser — verified$/ }).waitFor({ timeout: 60_000 });
    await page.locator('#sbs-unsigned-where').filter({ hasText: /^from the render server — / }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#sbs-unsigned-where').innerText(), `from the render server — ${verdict('unsigned').reason}`);
    assert.equal(verdict('unsigned').reason, 'unsigned');
    assert.equal(await page.locator('#sbs-trusted-title').innerText(), TITLES.trusted);
    assert.equal(await page.locator('#sbs-unsigned-title').innerText(), TITLES.unsigned);
    assert.match(await trusted.getAttribute('aria-label'), /^Triangle, enterprise-trusted: running in your browser \(verified\)$/);
    assert.match(await unsigned.getAttribute('aria-label'), /^Triangle, unsigned: frames from the render server \(unsigned\)$/);
    // The same component: signing adds a section, the digest is of the component without it.
    const digest = verdict('trusted').digest;
    assert.equal(verdict('unsigned').digest, digest);
    await page.locator('#sbs-compare').filter({ hasText: 'Both show the same component' }).waitFor();
    assert.equal(await page.locator('#sbs-compare').innerText(),
      `Both show the same component (digest ${digest}): on the left in your browser — verified, on the right from the render server — unsigned.`);

    // As the user sees them (screenshots; a WebGPU canvas does not read back after present).
    await waitForElementPixels(trusted, triangleShown, { what: 'the triangle in the browser' });
    await waitForElementPixels(unsigned, triangleShown, { what: 'the triangle from the render server' });
    const left = await canvasShot(page, trusted);
    const right = await canvasShot(page, unsigned);
    for (const p of [left, right]) {
      // The crop is exactly the canvas: grey to every edge, none of the outline around it.
      for (const [x, y] of [[0, 0], [255, 0], [0, 255], [255, 255], [128, 0], [0, 128]]) assert.deepEqual(p.at(x, y), TRIANGLE_GREY, `(${x}, ${y})`);
    }
    let sum = 0;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        const a = left.at(x, y);
        const b = right.at(x, y);
        for (let c = 0; c < 4; c++) sum += Math.abs(a[c] - b[c]);
      }
    }
    const diff = sum / (256 * 256 * 4);
    assert.ok(diff <= 1, `mean absolute difference ${diff.toFixed(3)} / 255 per channel (≤ 1)`);
    assert.deepEqual(left.at(128, 128), TRIANGLE_RED);
    assert.deepEqual(right.at(3, 3), TRIANGLE_GREY);
    // The chooser's canvas is untouched by the panel.
    assert.equal(await canvas(page).getAttribute('aria-label'), 'No component loaded');
    assert.deepEqual(page.problems, []);
  }));

  it('a LoadError is shown with its code and message', () => withDemo(async (page) => {
    // The render server refuses new sessions: the loader cannot show server frames.
    await page.route('**/v1/sessions', (route) => route.fulfill({
      status: 503, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'unavailable', message: 'no sessions today' } }),
    }));
    await pick(page, 'unsigned');
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: /^LoadError fallback-unavailable/ }).waitFor({ timeout: 60_000 });
    assert.match(await statusText(page).innerText(), /Could not show “Triangle, unsigned”: fallback-unavailable/);
    assert.match(await logText(page), /^\S+ LoadError code=fallback-unavailable message=/m);
    assert.match(await canvas(page).getAttribute('aria-label'), /fallback-unavailable/);
    const p = await elementPixels(canvas(page));
    assert.deepEqual(p.at(2, 2), [0x30, 0x10, 0x10, 255], 'the loader\'s error state on the canvas');
    // Console errors are expected here (the failed request); page errors are not.
    assert.deepEqual(page.problems.filter((m) => m.startsWith('pageerror')), []);
  }));
});
