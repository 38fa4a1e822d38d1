// jco (npm devDependency @bytecodealliance/jco, pinned) as an oracle and a baseline: transpiles a
// component to an ES module + core wasm files with jco's programmatic API (the same code path as
// `node_modules/.bin/jco transpile`). See tests/jco/README.md for what jco 1.35.0 does with our P3 guests.
import fs from 'node:fs/promises';
import path from 'node:path';

import { transpile } from '@bytecodealliance/jco';

/**
 * Transpiles the component at `wasmPath` into `outDir` and resolves with the generated entry file's
 * absolute path (`<outDir>/<name>.js`). `options` are jco's TranspileOpts (camelCase of the CLI flags:
 * `instantiation: 'async'` for an `instantiate(getCoreModule, imports)` export instead of ES imports,
 * `map`, `asyncMode`, `asyncImports`, `asyncExports`, `tlaCompat`, `wasiShim`, `noTypescript`, ...);
 * `name` defaults to the file name without `.wasm`. transpileComponentReport also gives the file list,
 * jco's import/export lists and the time taken.
 */
export async function transpileComponent(wasmPath, outDir, options = {}) {
  return (await transpileComponentReport(wasmPath, outDir, options)).entry;
}

/** Like transpileComponent, resolving with `{ entry, files (relative paths), imports, exports, ms }`. */
export async function transpileComponentReport(wasmPath, outDir, options = {}) {
  const name = options.name ?? path.basename(wasmPath).replace(/\.wasm$/, '');
  const bytes = await fs.readFile(wasmPath);
  const started = performance.now();
  const { files, imports, exports } = await transpile(bytes, { quiet: true, ...options, name, outDir });
  const ms = performance.now() - started;
  const written = [];
  for (const [file, data] of Object.entries(files)) {
    const target = path.isAbsolute(file) ? file : path.join(outDir, file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, data);
    written.push(path.relative(outDir, target));
  }
  const entry = path.join(outDir, `${name}.js`);
  if (!written.includes(`${name}.js`)) throw new Error(`jco wrote no ${name}.js: ${written.join(', ')}`);
  return { entry, files: written.sort(), imports, exports, ms };
}
