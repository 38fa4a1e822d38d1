#!/usr/bin/env node
// `npm start`: build everything, prepare the demo components and serve the demo page.
//
// 1. scripts/build.sh (tools in release mode, guest components).
// 2. On first start, create demo keys in .demo/keys/ (never committed) and a keyring that trusts them:
//    "Demo Enterprise" (cap enterprise-trusted) and "Demo Publisher" (cap publisher-signed).
// 3. Sign the guests into .demo/components/: one trusted, one that needs consent, one unsigned and
//    one tampered after signing, and record `gfx-sign verify --json` for each in .demo/manifest.json.
// 4. Serve www/ at / and .demo/ at /demo/ on http://127.0.0.1:$PORT (default 8080).
//
// The render server (issue 3) and the browser loader (issue 4) join this script as they land.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = path.join(ROOT, '.demo');
const GFX_SIGN = path.join(ROOT, 'target', 'release', 'gfx-sign');
const PORT = Number(process.env.PORT ?? 8080);
const HOST = process.env.HOST ?? '127.0.0.1';

function step(msg) {
  console.error(`==> ${msg}`);
}

function gfxSign(args, { allowFail = false } = {}) {
  const r = spawnSync(GFX_SIGN, args, { cwd: DEMO, encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) {
    throw new Error(`gfx-sign ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  return r;
}

function prepareDemo() {
  fs.mkdirSync(path.join(DEMO, 'keys'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(DEMO, 'components'), { recursive: true });
  const keys = [
    { file: 'keys/demo-enterprise.pem', cap: 'enterprise-trusted', label: 'Demo Enterprise' },
    { file: 'keys/demo-publisher.pem', cap: 'publisher-signed', label: 'Demo Publisher' },
  ];
  for (const k of keys) {
    if (!fs.existsSync(path.join(DEMO, k.file))) {
      step(`creating demo key ${k.file} (first start)`);
      gfxSign(['keygen', '--out', k.file]);
    }
  }
  // The keyring is derived from the keys: rebuild it every start.
  fs.rmSync(path.join(DEMO, 'keyring.json'), { force: true });
  for (const k of keys) {
    gfxSign(['keyring', 'add', '--keyring', 'keyring.json', '--key', k.file.replace(/\.pem$/, '.pub.pem'),
      '--max-level', k.cap, '--label', k.label]);
  }

  const dist = path.join(ROOT, 'guests', 'dist');
  const demos = [
    { id: 'trusted', title: 'Triangle, enterprise-trusted', guest: 'triangle', key: keys[0], level: 'enterprise-trusted' },
    { id: 'consent', title: 'Animated clear, publisher-signed (needs consent)', guest: 'animated-clear', key: keys[1], level: 'publisher-signed' },
    { id: 'unsigned', title: 'Triangle, unsigned', guest: 'triangle' },
    { id: 'tampered', title: 'Animated clear, tampered after signing', guest: 'animated-clear', key: keys[0], level: 'enterprise-trusted', tamper: true },
  ];
  const manifest = [];
  for (const d of demos) {
    const out = `components/${d.id}.wasm`;
    const src = path.join(dist, `${d.guest}.wasm`);
    if (d.key) {
      gfxSign(['sign', '--key', d.key.file, '--level', d.level, '--signer', d.key.label, '--name', d.guest,
        '--version', '0.1.0', '--capability', 'gpu', '--capability', 'surface', src, '-o', out]);
    } else {
      fs.copyFileSync(src, path.join(DEMO, out));
    }
    if (d.tamper) {
      const bytes = fs.readFileSync(path.join(DEMO, out));
      bytes[bytes.length - 1] ^= 0x01; // one bit of the producers section
      fs.writeFileSync(path.join(DEMO, out), bytes);
    }
    const verdict = JSON.parse(gfxSign(['verify', '--keyring', 'keyring.json', out, '--json'], { allowFail: true }).stdout);
    manifest.push({ id: d.id, title: d.title, url: `/demo/${out}`, verdict });
  }
  fs.writeFileSync(path.join(DEMO, 'manifest.json'), JSON.stringify({ keyring: '/demo/keyring.json', components: manifest }, null, 2));
  return manifest;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml' };

function serve() {
  const roots = [['/demo/', path.join(DEMO, '')], ['/', path.join(ROOT, 'www', '')]];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    for (const [prefix, dir] of roots) {
      if (!url.pathname.startsWith(prefix)) continue;
      let rel = decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html';
      const file = path.resolve(dir, rel);
      // Only files under the served directory, and never the demo's private keys.
      if (!file.startsWith(dir) || file.includes(`${path.sep}keys${path.sep}`) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      fs.createReadStream(file).pipe(res);
      return;
    }
  });
  server.listen(PORT, HOST, () => {
    console.error(`==> demo page: http://${HOST}:${PORT}/  (Ctrl-C to stop)`);
  });
}

step('building (scripts/build.sh)');
execFileSync('bash', [path.join(ROOT, 'scripts', 'build.sh')], { stdio: 'inherit' });
step('preparing demo components in .demo/');
for (const c of prepareDemo()) {
  console.error(`    ${c.id.padEnd(9)} ${c.verdict.level.padEnd(19)} ${c.verdict.reason}`);
}
serve();
