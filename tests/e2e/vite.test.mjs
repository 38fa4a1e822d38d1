// A Vite-built app that depends on the package (installed the way npm links a local package)
// loads the loader, its wasm asset included, and shows server frames.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';

import {
  ROOT, TRIANGLE_GREY, TRIANGLE_RED, buildSite, launchBrowser, openPage, same, settled, startServer, waitForPixels,
} from './harness.mjs';

let site;
let server;
let browser;

before(async () => {
  site = buildSite();
  // The app lives outside the repository with node_modules/wasi-gfx-loader → this package.
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'gfx-vite-'));
  fs.cpSync(path.join(ROOT, 'tests', 'vite-app'), app, { recursive: true });
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'wasi-gfx-loader'), 'dir');
  const vite = path.join(ROOT, 'node_modules', '.bin', 'vite');
  const out = path.join(site.site, 'vite');
  const r = spawnSync(vite, ['build', '--base', '/vite/', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: app, encoding: 'utf8',
  });
  assert.equal(r.status, 0, `vite build failed:\n${r.stdout}${r.stderr}`);
  assert.ok(fs.readdirSync(path.join(out, 'assets')).some((f) => f.endsWith('.wasm')), 'vite emitted the wasm');
  server = await startServer(site.site);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

it('a Vite-built app imports the package and shows server frames', async () => {
  const context = await browser.newContext();
  try {
    const page = await openPage(context, `${server.url}/vite/index.html?component=/components/tampered.wasm`);
    const r = await settled(page);
    assert.deepEqual(r, { mode: 'server', reason: 'signature-invalid', trustLevel: 'untrusted' });
    await waitForPixels(page, (p) => same(p.at(128, 128), TRIANGLE_RED) && same(p.at(3, 3), TRIANGLE_GREY),
      { what: 'the triangle' });
  } finally {
    await context.close();
  }
});
