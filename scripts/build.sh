#!/usr/bin/env bash
# Build everything: the native tools and the render server (release), the guest components, and the
# browser bundle (www/dist/: the loader as ES module, classic script, .d.ts and .wasm), which the
# demo page served by `npm start` loads.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
scripts/build-guests.sh
scripts/build-web.sh
printf '==> %s\n' "cargo build --release -p gfx-sign -p gfx-render-server" >&2
cargo build --locked --release -p gfx-sign -p gfx-render-server
