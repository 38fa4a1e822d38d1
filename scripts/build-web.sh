#!/usr/bin/env bash
# Build the browser loader into www/dist/:
#
#   wasi-gfx-loader.mjs    ES module            (import { loadComponent } from '.../wasi-gfx-loader.mjs')
#   wasi-gfx-loader.js     classic script       (<script src=".../wasi-gfx-loader.js"> → window.WasiGfxLoader)
#   wasi-gfx-loader.d.ts   TypeScript declarations
#   wasi-gfx-loader.worker.js  the sandbox worker (loads the same wasm; see src/sandbox/)
#   wasi-gfx-loader.wasm   the loader itself (Rust, wasm-bindgen), fetched by either script from next to it
#
# Steps: cargo build (wasm32, the size-tuned `web` profile) → wasm-bindgen --target web (the
# pinned CLI; must match the wasm-bindgen crate exactly) → esbuild bundles www/src/index.ts with
# that glue twice (esm, iife) → tsc writes the declarations. Needs `npm ci` done (esbuild, tsc).
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-web: %s\n' "$*" >&2; exit 1; }

WASM_BINDGEN_VERSION="$(node -e '
  const lock = require("fs").readFileSync("Cargo.lock", "utf8");
  const m = lock.match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) process.exit(1);
  console.log(m[1]);')" || die "wasm-bindgen is not in Cargo.lock"
installed="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
[[ "$installed" == "$WASM_BINDGEN_VERSION" ]] ||
  die "wasm-bindgen CLI is ${installed:-missing}, the crate is $WASM_BINDGEN_VERSION: run scripts/setup.sh"

log "cargo build -p wasi-gfx-loader --target wasm32-unknown-unknown --profile web"
cargo build --locked -p wasi-gfx-loader --target wasm32-unknown-unknown --profile web

GLUE="$ROOT/target/wasm-bindgen"
rm -rf "$GLUE"
log "wasm-bindgen --target web"
wasm-bindgen --target web --out-dir "$GLUE" --out-name wasi_gfx_loader \
  "$ROOT/target/wasm32-unknown-unknown/web/wasi_gfx_loader.wasm"

DIST="$ROOT/www/dist"
mkdir -p "$DIST"
rm -f "$DIST"/wasi-gfx-loader.*
VERSION="$(node -p 'require("./package.json").version')"
ESBUILD="$ROOT/node_modules/.bin/esbuild"
# Not node_modules/.bin/tsc: another package (typescript-compiler-api, via jco) claims that name.
TSC="$ROOT/node_modules/typescript/bin/tsc"
[[ -x "$ESBUILD" && -x "$TSC" ]] || die "esbuild / tsc missing: run npm ci"
common=(www/src/index.ts --bundle --minify --target=es2022 --legal-comments=none
  "--define:__VERSION__=\"$VERSION\"" --log-level=warning --log-override:empty-import-meta=silent)
log "esbuild → wasi-gfx-loader.mjs, wasi-gfx-loader.js"
"$ESBUILD" "${common[@]}" --format=esm --define:__CLASSIC_SCRIPT__=false --outfile="$DIST/wasi-gfx-loader.mjs"
"$ESBUILD" "${common[@]}" --format=iife --global-name=WasiGfxLoader --define:__CLASSIC_SCRIPT__=true \
  --outfile="$DIST/wasi-gfx-loader.js"
log "esbuild → wasi-gfx-loader.worker.js (the sandbox worker)"
"$ESBUILD" www/src/worker.ts --bundle --minify --target=es2022 --legal-comments=none --format=iife \
  --log-level=warning --log-override:empty-import-meta=silent --outfile="$DIST/wasi-gfx-loader.worker.js"
cp "$GLUE/wasi_gfx_loader_bg.wasm" "$DIST/wasi-gfx-loader.wasm"

log "tsc → wasi-gfx-loader.d.ts"
"$TSC" -p www/tsconfig.json
cp "$ROOT/target/web-types/index.d.ts" "$DIST/wasi-gfx-loader.d.ts"

for f in "$DIST"/wasi-gfx-loader.*; do
  printf '  %-28s %8d bytes, %7d gzipped\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)" >&2
done
