#!/usr/bin/env node
// `npm start`: build everything, prepare the demo components, start the render server with them and
// serve the demo page from it.
//
// 1. scripts/build.sh (tools and the render server in release mode, guest components).
// 2. On first start, create demo keys in .demo/keys/ (never committed, never served) and a keyring
//    that trusts them: "Demo Enterprise" (cap enterprise-trusted), "Demo Publisher" (cap
//    publisher-signed).
// 3. Sign the guests into www/demo/components/ (git-ignored): one trusted, one that needs consent,
//    one unsigned, one tampered after signing; record `gfx-sign verify --json` for each in
//    www/demo/manifest.json, next to the public keyring www/demo/keyring.json.
// 4. Start gfx-render-server on http://$HOST:$PORT (default 127.0.0.1:8080) with that keyring and
//    those components, serving www/ from the same origin. Ctrl-C stops it.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = path.join(ROOT, 'www', 'demo');
const KEYS = path.join(ROOT, '.demo', 'keys');
const GFX_SIGN = path.join(ROOT, 'target', 'release', 'gfx-sign');
const SERVER = path.join(ROOT, 'target', 'release', 'gfx-render-server');
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
  fs.mkdirSync(KEYS, { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(DEMO, 'components'), { recursive: true });
  const keys = [
    { file: path.join(KEYS, 'demo-enterprise.pem'), cap: 'enterprise-trusted', label: 'Demo Enterprise' },
    { file: path.join(KEYS, 'demo-publisher.pem'), cap: 'publisher-signed', label: 'Demo Publisher' },
  ];
  for (const k of keys) {
    if (!fs.existsSync(k.file)) {
      step(`creating demo key ${path.relative(ROOT, k.file)} (first start)`);
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

function startServer() {
  const args = ['--listen', `${HOST}:${PORT}`, '--keyring', path.join(DEMO, 'keyring.json'),
    '--components', path.join(DEMO, 'components'), '--www', path.join(ROOT, 'www')];
  step(`starting ${path.relative(ROOT, SERVER)} ${args.map((a) => path.isAbsolute(a) ? path.relative(ROOT, a) : a).join(' ')}`);
  const child = spawn(SERVER, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MESA_SHADER_CACHE_DIR: process.env.MESA_SHADER_CACHE_DIR ?? path.join(ROOT, 'target', 'mesa-shader-cache') },
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    if (chunk.includes('listening on')) {
      console.error(`==> demo page: http://${HOST}:${PORT}/  (Ctrl-C to stop)`);
    }
  });
  const stop = (signal) => child.kill(signal);
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

step('building (scripts/build.sh)');
execFileSync('bash', [path.join(ROOT, 'scripts', 'build.sh')], { stdio: 'inherit' });
step('preparing demo components in .demo/');
for (const c of prepareDemo()) {
  console.error(`    ${c.id.padEnd(9)} ${c.verdict.level.padEnd(19)} ${c.verdict.reason}`);
}
startServer();
