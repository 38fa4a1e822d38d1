#!/usr/bin/env node
// Fetch the upstream wasi-gfx WIT into wit/deps/ from the published host crates, with provenance.
//
// The WIT is never hand-written or hand-edited: the published Rust host crates listed in CRATES ship
// the upstream WIT packages under `wit/deps/<package-dir>/` inside the crate. This script
//
//   1. generates a throwaway Cargo project in a temp dir that depends on exactly those crate versions,
//   2. lets cargo resolve and download them (`cargo generate-lockfile`, `cargo metadata`),
//   3. copies every `wit/deps/<package-dir>/` of every crate into our `wit/deps/`, failing loudly when
//      two crates ship the same package directory with different contents,
//   4. writes `wit/deps/PROVENANCE.json`: crate, version and registry checksum (from the temp
//      Cargo.lock), and for each copied file its sha256 and the crates that ship it.
//
// Usage:
//   node scripts/fetch-wit.mjs            write wit/deps/ (idempotent: rewrites only what changed)
//   node scripts/fetch-wit.mjs --check    verify wit/deps/ against PROVENANCE.json and the crates;
//                                         exits 1 and says what differs if anything does
//   add --offline to either to keep cargo off the network (the crates must be in cargo's cache;
//   CARGO_NET_OFFLINE=true works as well).
//
// Only Node's standard library and cargo are used.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The crates whose `wit/deps/` we vendor, each pinned to an exact version. */
const CRATES = [
  { name: 'wasi-webgpu-wasmtime', version: '0.5.0' },
  { name: 'surface-wasmtime', version: '0.5.0' },
  { name: 'frame-buffer-wasmtime', version: '0.5.0' },
];

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEPS_DIR = path.join(ROOT, 'wit', 'deps');
const PROVENANCE = 'PROVENANCE.json';

class FetchError extends Error {}

function fail(message) {
  throw new FetchError(message);
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Run cargo (or rustc) and return its stdout; on failure, show its stderr. */
function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const stderr = err.stderr ? String(err.stderr).trim() : String(err.message);
    fail(`\`${cmd} ${args.join(' ')}\` failed:\n${stderr}`);
  }
}

/** All regular files under `dir`, as sorted POSIX paths relative to `dir`. */
function listFiles(dir) {
  const out = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
      else fail(`unexpected non-regular file ${path.join(dir, child)}`);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out.sort();
}

/** Minimal TOML string escaping for the generated manifest. */
const tomlString = (s) => JSON.stringify(s);

/**
 * Resolve the crates with cargo in a throwaway project and return
 * `{ crates: [{ name, version, checksum, dir }] }` where `dir` is the extracted crate source.
 */
function resolveCrates({ offline }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-wit-'));
  try {
    const deps = CRATES.map((c) => `${c.name} = ${tomlString(`=${c.version}`)}`).join('\n');
    fs.writeFileSync(
      path.join(tmp, 'Cargo.toml'),
      `[package]\nname = "fetch-wit-tmp"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n` +
        `[lib]\npath = "lib.rs"\n\n[dependencies]\n${deps}\n\n[workspace]\n`,
    );
    fs.writeFileSync(path.join(tmp, 'lib.rs'), '');
    const offlineArgs = offline ? ['--offline'] : [];

    run('cargo', ['generate-lockfile', ...offlineArgs], tmp);
    // Only the host's dependency graph is needed to reach the three crates; filtering keeps cargo from
    // downloading crates for other platforms.
    const host = /^host: (.+)$/m.exec(run('rustc', ['-vV'], tmp))?.[1];
    if (!host) fail('could not read the host triple from `rustc -vV`');
    const metadata = JSON.parse(
      run('cargo', ['metadata', '--format-version', '1', '--locked', '--filter-platform', host, ...offlineArgs], tmp),
    );
    const lock = fs.readFileSync(path.join(tmp, 'Cargo.lock'), 'utf8');

    const crates = CRATES.map(({ name, version }) => {
      const pkg = metadata.packages.find((p) => p.name === name && p.version === version);
      if (!pkg) fail(`cargo did not resolve ${name} ${version}`);
      if (!pkg.source || !pkg.source.startsWith('registry+')) {
        fail(`${name} ${version} resolved from ${pkg.source ?? 'a path'}, not from the registry`);
      }
      return { name, version, checksum: lockChecksum(lock, name, version), dir: path.dirname(pkg.manifest_path) };
    });
    return { crates };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The `checksum` of `name`/`version` in a Cargo.lock (v3/v4: one `[[package]]` table per crate). */
function lockChecksum(lock, name, version) {
  for (const table of lock.split(/^\[\[package\]\]$/m).slice(1)) {
    const field = (key) => new RegExp(`^${key} = "([^"]*)"$`, 'm').exec(table)?.[1];
    if (field('name') === name && field('version') === version) {
      const checksum = field('checksum');
      if (!/^[0-9a-f]{64}$/.test(checksum ?? '')) fail(`Cargo.lock has no sha256 checksum for ${name} ${version}`);
      return `sha256:${checksum}`;
    }
  }
  fail(`Cargo.lock has no entry for ${name} ${version}`);
}

/** The `package ns:name@version;` declared by the WIT files of one package directory. */
function witPackageName(files, where) {
  const names = new Set();
  for (const [rel, bytes] of files) {
    if (!rel.endsWith('.wit')) continue;
    const m = /^\s*package\s+([^\s;]+)\s*;/m.exec(bytes.toString('utf8'));
    if (m) names.add(m[1]);
  }
  if (names.size !== 1) fail(`${where}: expected exactly one WIT package name, found ${[...names].join(', ') || 'none'}`);
  return [...names][0];
}

/**
 * What wit/deps/ must contain: a Map from path (relative to wit/deps, POSIX) to bytes, PROVENANCE.json
 * included. Fails if two crates ship the same package directory with different contents.
 */
function expectedDeps(crates) {
  /** package dir -> { files: Map<rel, Buffer>, from: [crate labels] } */
  const packages = new Map();
  for (const crate of crates) {
    const label = `${crate.name}@${crate.version}`;
    const cratesDeps = path.join(crate.dir, 'wit', 'deps');
    if (!fs.existsSync(cratesDeps)) fail(`${label} ships no wit/deps/ (looked in ${cratesDeps})`);
    for (const entry of fs.readdirSync(cratesDeps, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const pkgDir = path.join(cratesDeps, entry.name);
      const files = new Map(listFiles(pkgDir).map((rel) => [rel, fs.readFileSync(path.join(pkgDir, rel))]));
      const seen = packages.get(entry.name);
      if (!seen) {
        packages.set(entry.name, { files, from: [label] });
        continue;
      }
      // The same package shipped by a second crate must be byte-identical.
      const names = new Set([...seen.files.keys(), ...files.keys()]);
      for (const rel of [...names].sort()) {
        const a = seen.files.get(rel);
        const b = files.get(rel);
        if (!a || !b || !a.equals(b)) {
          fail(
            `WIT package directory ${entry.name}/ differs between ${seen.from.join(', ')} and ${label} ` +
              `(file ${rel}: ${!a ? `only in ${label}` : !b ? `missing in ${label}` : 'contents differ'}). ` +
              'Refusing to pick one; pin crate versions that agree.',
          );
        }
      }
      seen.from.push(label);
    }
  }
  if (packages.size === 0) fail('the crates ship no WIT packages');

  const out = new Map();
  const provenance = {
    comment:
      'Generated by scripts/fetch-wit.mjs from the published crates below; do not edit. ' +
      'Verify with `node scripts/fetch-wit.mjs --check`.',
    crates: crates.map(({ name, version, checksum }) => ({ name, version, checksum })),
    packages: [],
  };
  for (const dir of [...packages.keys()].sort()) {
    const { files, from } = packages.get(dir);
    const entry = { package: witPackageName(files, `${dir}/`), dir, from, files: [] };
    for (const rel of [...files.keys()].sort()) {
      const bytes = files.get(rel);
      out.set(`${dir}/${rel}`, bytes);
      entry.files.push({ path: `${dir}/${rel}`, sha256: sha256(bytes) });
    }
    provenance.packages.push(entry);
  }
  out.set(PROVENANCE, Buffer.from(`${JSON.stringify(provenance, null, 2)}\n`));
  return out;
}

/** Compare wit/deps/ on disk with PROVENANCE.json alone (no cargo); returns a list of problems. */
function checkAgainstProvenance() {
  const file = path.join(DEPS_DIR, PROVENANCE);
  if (!fs.existsSync(file)) return [`${path.relative(ROOT, file)} is missing`];
  let provenance;
  try {
    provenance = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return [`${PROVENANCE} is not valid JSON: ${err.message}`];
  }
  const problems = [];
  const listed = new Set([PROVENANCE]);
  for (const pkg of provenance.packages ?? []) {
    for (const { path: rel, sha256: want } of pkg.files ?? []) {
      listed.add(rel);
      const abs = path.join(DEPS_DIR, rel);
      if (!fs.existsSync(abs)) problems.push(`${rel}: listed in ${PROVENANCE} but missing`);
      else if (sha256(fs.readFileSync(abs)) !== want) problems.push(`${rel}: sha256 differs from ${PROVENANCE}`);
    }
  }
  for (const rel of listFiles(DEPS_DIR)) {
    if (!listed.has(rel)) problems.push(`${rel}: present but not listed in ${PROVENANCE}`);
  }
  return problems;
}

/** Compare wit/deps/ on disk with what the crates say it must be; returns a list of problems. */
function diffDeps(expected) {
  const problems = [];
  const actual = new Set(listFiles(DEPS_DIR));
  for (const [rel, bytes] of expected) {
    if (!actual.has(rel)) problems.push(`${rel}: missing`);
    else if (!fs.readFileSync(path.join(DEPS_DIR, rel)).equals(bytes)) {
      problems.push(`${rel}: differs from what the crates ship`);
    }
  }
  for (const rel of actual) if (!expected.has(rel)) problems.push(`${rel}: not shipped by the crates`);
  return problems;
}

/** Make wit/deps/ exactly `expected`: write changed files, delete stale ones. Returns what changed. */
function writeDeps(expected) {
  const changed = [];
  for (const [rel, bytes] of expected) {
    const abs = path.join(DEPS_DIR, rel);
    if (fs.existsSync(abs) && fs.readFileSync(abs).equals(bytes)) continue;
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, bytes);
    changed.push(`wrote   ${rel}`);
  }
  for (const rel of listFiles(DEPS_DIR)) {
    if (expected.has(rel)) continue;
    fs.rmSync(path.join(DEPS_DIR, rel));
    changed.push(`removed ${rel}`);
  }
  // Drop directories left empty by removals.
  const prune = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const sub = path.join(dir, entry.name);
      prune(sub);
      if (fs.readdirSync(sub).length === 0) fs.rmdirSync(sub);
    }
  };
  prune(DEPS_DIR);
  return changed;
}

function main(argv) {
  const known = new Set(['--check', '--offline', '--help', '-h']);
  const unknown = argv.filter((a) => !known.has(a));
  if (unknown.length || argv.includes('--help') || argv.includes('-h')) {
    console.error('usage: node scripts/fetch-wit.mjs [--check] [--offline]');
    return unknown.length ? 2 : 0;
  }
  const check = argv.includes('--check');
  const offline = argv.includes('--offline');
  const rel = path.relative(ROOT, DEPS_DIR);

  if (check) {
    // First what the committed provenance says, then what the crates say: both must hold.
    const problems = checkAgainstProvenance();
    const { crates } = resolveCrates({ offline });
    problems.push(...diffDeps(expectedDeps(crates)));
    if (problems.length) {
      console.error(`${rel}/ does not match its provenance and the crates:`);
      for (const p of [...new Set(problems)]) console.error(`  - ${p}`);
      console.error('Run `node scripts/fetch-wit.mjs` to re-fetch (never edit the WIT by hand).');
      return 1;
    }
    console.log(`${rel}/ matches ${PROVENANCE} and ${CRATES.map((c) => `${c.name}@${c.version}`).join(', ')}`);
    return 0;
  }

  const { crates } = resolveCrates({ offline });
  const expected = expectedDeps(crates);
  fs.mkdirSync(DEPS_DIR, { recursive: true });
  const changed = writeDeps(expected);
  for (const line of changed) console.log(line);
  console.log(
    changed.length
      ? `${rel}/: ${changed.length} change(s) from ${crates.map((c) => `${c.name}@${c.version}`).join(', ')}`
      : `${rel}/ already up to date`,
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (err instanceof FetchError) {
    console.error(`fetch-wit: ${err.message}`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
