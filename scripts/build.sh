#!/usr/bin/env bash
# Build everything that exists so far: the native tools (release) and the guest components.
# The browser bundle (www/dist/) and the render server join this script with their issues.
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
scripts/build-guests.sh
printf '==> %s\n' "cargo build --release -p gfx-sign" >&2
cargo build --locked --release -p gfx-sign
