// The README's one-script-tag page, served exactly as written there: it shows the tampered
// component's server frames and says why on the console.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';

import { PNG } from 'pngjs';

import { ROOT, TRIANGLE_GREY, TRIANGLE_RED, buildSite, launchBrowser, same, startServer } from './harness.mjs';

let server;
let browser;

before(async () => {
  const site = buildSite();
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = readme.match(/```html\n([\s\S]*?)```/);
  assert.ok(block, 'README.md has an html block');
  fs.writeFileSync(path.join(site.site, 'readme.html'), `<!doctype html><meta charset="utf-8">\n${block[1]}`);
  server = await startServer(site.site);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

it("the README's page shows the tampered component from the server and says why", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const said = new Promise((resolve) => page.on('console', (m) => m.type() !== 'error' && resolve(m.text())));
    await page.goto(`${server.url}/readme.html`);
    assert.equal(await said, 'server signature-invalid');
    const canvas = page.locator('canvas');
    const end = Date.now() + 20_000;
    for (;;) {
      const png = PNG.sync.read(await canvas.screenshot());
      const at = (x, y) => Array.from(png.data.subarray((png.width * y + x) * 4, (png.width * y + x) * 4 + 4));
      if (same(at(png.width >> 1, png.height >> 1), TRIANGLE_RED) && same(at(3, 3), TRIANGLE_GREY)) break;
      assert.ok(Date.now() < end, `no triangle on the canvas: centre ${at(png.width >> 1, png.height >> 1)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  } finally {
    await context.close();
  }
});
