// A TypeScript consumer type-checks against the published declarations (tsc --noEmit over
// consumer.ts, which imports the package by name through its "exports").
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

it('a TypeScript consumer type-checks, and misuse is a type error', () => {
  // The pinned typescript package's tsc (node_modules/.bin/tsc may belong to another package).
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(tsc, ['-p', path.join(here, 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});
