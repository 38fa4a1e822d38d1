#!/usr/bin/env bash
# Run every test: `npm test` calls this, and so does CI (.ci/run).
#
# Steps: install what is missing, check the vendored WIT against its provenance, build the guests,
# check formatting, build the trust core for wasm32 as well as natively, then run all Rust test
# suites (unit, attack, property, CLI-through-the-binary, openssl interop, fuzz-corpus regression)
# and the guests' own tests. The last line is the total: "tests: N passed, M failed".
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '\n==> %s\n' "$*" >&2; }
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

log "setup"
scripts/setup.sh

log "vendored WIT matches its provenance"
node scripts/fetch-wit.mjs --check

log "guests"
scripts/build-guests.sh

log "formatting"
cargo fmt --all --check
(cd guests && cargo fmt --all --check)

log "clippy (warnings are errors)"
cargo clippy --locked --workspace --all-targets -- -D warnings

log "trust core builds for wasm32-unknown-unknown"
cargo build --locked -p gfx-trust --target wasm32-unknown-unknown

log "fuzz targets still build (run them with cargo fuzz; see crates/trust/fuzz/README.md)"
cargo check --locked --manifest-path crates/trust/fuzz/Cargo.toml --bins

log "cargo test (workspace)"
cargo test --locked --workspace 2>&1 | tee -a "$LOG"

log "cargo test (guests, native)"
(cd guests && cargo test --locked) 2>&1 | tee -a "$LOG"

read -r passed failed < <(awk '/^test result:/ {
    for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
  } END { print p + 0, f + 0 }' "$LOG")
if [[ -z "$passed" || "$passed" -eq 0 ]]; then
  echo "tests: no test ran — that is a failure" >&2
  exit 1
fi
echo
echo "tests: ${passed} passed, ${failed:-0} failed"
