#!/usr/bin/env bash
# Build everything that exists so far: the native tools and the render server (release) and the
# guest components. The browser bundle (www/dist/) joins this script with its issue.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
scripts/build-guests.sh
printf '==> %s\n' "cargo build --release -p gfx-sign -p gfx-render-server" >&2
cargo build --locked --release -p gfx-sign -p gfx-render-server
