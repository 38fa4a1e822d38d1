#!/usr/bin/env bash
# Build the test-world host for the browser (crates/worlds-browser: our component runtime with the
# test worlds' host side) into target/worlds-browser/ (wasm-bindgen --target web), for
# tests/worlds/browser.test.mjs.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
printf '==> cargo build -p gfx-worlds-browser --target wasm32-unknown-unknown --release\n' >&2
cargo build --locked -p gfx-worlds-browser --target wasm32-unknown-unknown --release
printf '==> wasm-bindgen --target web → target/worlds-browser/\n' >&2
wasm-bindgen --target web --out-dir target/worlds-browser \
  target/wasm32-unknown-unknown/release/gfx_worlds_browser.wasm
