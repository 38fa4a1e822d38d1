// Smoke test of bench/bridge.mjs: `--quick --no-write` (one round of every part, well under a
// minute) measures every row of every part — ours, jco and plain JS — and its checks hold. Nothing
// here asserts on time: a measurement only has to exist and be positive.
//
// Needs what the bench needs: www/dist, guests/dist (triangle, animated-clear, bench-viewport),
// target/debug/gfx-sign and gfx-render-server, /usr/bin/chromium.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const positive = (x, what) => assert.ok(typeof x === 'number' && Number.isFinite(x) && x > 0, `${what}: ${x}`);

function run(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', reject);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

describe('bench/bridge.mjs --quick', () => {
  it('measures every row of every part, and its checks hold', { timeout: 120_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gfx-bridge-bench-test-'));
    try {
      const json = path.join(dir, 'bridge.json');
      const before = fs.readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8');
      const r = await run(['bench/bridge.mjs', '--quick', '--no-write'], { GFX_BRIDGE_BENCH_JSON: json });
      assert.equal(r.code, 0, `exit ${r.code}\n${r.stderr}`);
      assert.match(r.stdout, /^## wasi-gfx bridge \(headless Chromium\)$/m);
      for (const h of ['### 1. ', '### 2. ', '### 3. ', '### 4. ', '### 5. ']) assert.ok(r.stdout.includes(h), h);
      assert.doesNotMatch(r.stderr, /wrote the/);
      // --no-write left BENCHMARKS.md alone (its section, at least: others may rewrite theirs meanwhile).
      const section = (doc) => doc.split('\n## ').find((s) => s.startsWith('wasi-gfx bridge (headless Chromium)')) ?? null;
      assert.equal(section(fs.readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8')), section(before));

      const { analysis: A, sizes: S } = JSON.parse(fs.readFileSync(json, 'utf8'));
      for (const v of ['ours', 'jco-aot', 'jco-page', 'plain']) {
        assert.deepEqual(A.first[v].errors, [], `part 1 ${v}`);
        positive(A.first[v].total.med, `part 1 ${v} start → first presented`);
        positive(A.first[v].call.med, `part 1 ${v} call → first presented`);
        assert.equal(A.first[v].pixels, A.first[v].runs, `part 1 ${v}: the triangle on the canvas`);
        assert.equal(A.first[v].isolated, A.first[v].runs, `part 1 ${v}: cross-origin isolated page`);
      }
      positive(A.first.ours.resolved.med, 'part 1 ours call → resolved');
      positive(A.first.ours.ttff.med, 'part 1 ours timeToFirstFrameMs');
      assert.equal(A.first.ours.client, A.first.ours.runs, 'part 1 ours in client mode, verified');
      assert.ok(A.first['jco-page'].generated.length > 0);
      for (const v of ['ours', 'jco-aot', 'plain']) {
        for (const part of ['viewport', 'fps', 'latency']) {
          assert.deepEqual(A[part][v].errors, [], `${part} ${v}`);
          assert.equal(A[part][v].pixels, A[part][v].runs, `${part} ${v}: the guest's pixels on the canvas`);
        }
        positive(A.viewport[v].ns.med, `part 2 ${v} ns per call`);
        positive(A.fps[v].fps.med, `part 3 ${v} frames/s`);
        positive(A.latency[v].us.med, `part 4 ${v} rAF → submit`);
      }
      positive(A.viewport.plain.loop.med, 'part 2 plain loop timed directly');
      for (const part of ['viewport', 'fps', 'latency']) assert.equal(A[part].ours.client, A[part].ours.runs, `${part}: ours in client mode`);
      positive(A.fps.ours.paired.med, 'part 3 ours ÷ plain');
      for (const [name, f] of [['mjs', S.ours.mjs], ['js', S.ours.js], ['wasm', S.ours.wasm], ['shim', S.shim], ...S.jco.map((x) => [x.name, x]), ...S.transpiler.map((x) => [x.name, x])]) {
        positive(f.raw, `${name} raw bytes`);
        positive(f.gz, `${name} gzip bytes`);
      }
      // jco in the page generated exactly what jco in Node did.
      assert.match(r.stdout, /jco in the page generated the same glue as jco in Node: (\d+)\/\1 runs byte-identical/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
