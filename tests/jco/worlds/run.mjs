// Runs a test world (tests/worlds/README.md) under jco 1.35.0 in Node: transpiles the guest with
// jco's programmatic API (tests/jco/transpile.mjs, `instantiation: 'async'`), instantiates it with
// this directory's JS host, calls the guest's `run`, then the host driver, and returns the
// transcript (README "The transcript").
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { transpileComponentReport } from '../transpile.mjs';
import * as resources from './resources.mjs';
import { Transcript } from './text.mjs';
import * as values from './values.mjs';

/** Per world: `importObject()` (a fresh host) and `drive(transcript, root)`. */
export const WORLDS = { values, resources };

/**
 * Transpiles `wasmPath` (a guest of `world`) into `outDir`, runs the world and resolves with
 * `{ transcript, transpileMs, runMs }` (runMs: import, instantiate, `run` and the driver).
 */
export async function runWorld(world, wasmPath, outDir) {
  const host = WORLDS[world];
  if (!host) throw new Error(`no jco host for world ${world}`);
  const report = await transpileComponentReport(wasmPath, outDir, { instantiation: 'async', name: `worlds-${world}` });
  const started = performance.now();
  const { instantiate } = await import(pathToFileURL(report.entry));
  const dir = path.dirname(report.entry);
  const root = await instantiate((p) => WebAssembly.compile(fs.readFileSync(path.join(dir, p))), host.importObject());

  const t = new Transcript();
  t.line('== run ==');
  const guestTranscript = root.run();
  if (typeof guestTranscript !== 'string') throw new TypeError(`run returned ${typeof guestTranscript}, not a string`);
  t.raw(guestTranscript);
  t.line('== exports ==');
  host.drive(t, root);
  return { transcript: t.finish(), transpileMs: report.ms, runMs: performance.now() - started };
}
