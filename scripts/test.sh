#!/usr/bin/env bash
# Run every test: `npm test` calls this, and so does CI (.ci/run).
#
# Steps: install what is missing, check the vendored WIT against its provenance, build the guests,
# check formatting and lints (native and wasm32), then run all Rust test suites (unit, attack,
# property, CLI-through-the-binary, openssl interop, fuzz-corpus regression, render server over
# HTTP), the guests' own tests, the loader's wasm-bindgen tests in headless Chromium, the
# TypeScript consumer check, and the Playwright end-to-end suite (real server, real Chromium).
# The last line is the total: "tests: N passed, M failed".
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '\n==> %s\n' "$*" >&2; }
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

# Incremental caches only help the next edit-compile cycle and cost gigabytes in a fresh clone
# (CI has run out of disk); a developer's own `cargo test` keeps them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

log "setup"
df -h . | tail -1 >&2
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
cargo clippy --locked -p wasi-gfx-loader --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --locked -p gfx-component -p gfx-worlds-browser --target wasm32-unknown-unknown -- -D warnings

log "trust core builds for wasm32-unknown-unknown"
cargo build --locked -p gfx-trust --target wasm32-unknown-unknown

log "fuzz targets still build (run them with cargo fuzz; see crates/trust/fuzz/README.md)"
cargo check --locked --manifest-path crates/trust/fuzz/Cargo.toml --bins

log "cargo test (workspace)"
cargo test --locked --workspace 2>&1 | tee -a "$LOG"

log "cargo test (guests, native)"
(cd guests && cargo test --locked) 2>&1 | tee -a "$LOG"

log "browser loader: build www/dist"
scripts/build-web.sh

log "loader in headless Chromium (wasm-bindgen-test, flags from webdriver.json)"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --locked -p wasi-gfx-loader --target wasm32-unknown-unknown --test browser 2>&1 | tee -a "$LOG"

log "wasi-gfx bridge against real WebGPU in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --locked -p gfx-bridge --target wasm32-unknown-unknown --tests 2>&1 | tee -a "$LOG"

log "component runtime's memory bounds in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --locked -p gfx-component --target wasm32-unknown-unknown --test web 2>&1 | tee -a "$LOG"


log "component runtime test host for the browser (crates/worlds-browser → target/worlds-browser)"
scripts/build-worlds-browser.sh

log "end to end: Playwright + the real render server (debug build)"
# `cargo test` above built target/debug/gfx-sign and gfx-render-server (their integration tests
# run them); a separate `cargo build -p` would unify features differently and rebuild wasmtime.
for bin in gfx-sign gfx-render-server; do
  [[ -x "target/debug/$bin" ]] || { echo "test.sh: target/debug/$bin is missing after cargo test" >&2; exit 1; }
done
node --test --test-concurrency=1 --test-reporter=tap tests/e2e/ tests/types/ tests/jco/ tests/worlds/ bench/ 2>&1 | tee -a "$LOG"

# cargo prints "test result: ok. N passed; M failed"; node --test (TAP) prints "# pass N" / "# fail M".
read -r passed failed < <(awk '
  /^test result:/ {
    for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
  }
  /^# pass [0-9]+$/ { p += $3 }
  /^# fail [0-9]+$/ { f += $3 }
  END { print p + 0, f + 0 }' "$LOG")
if [[ -z "$passed" || "$passed" -eq 0 ]]; then
  echo "tests: no test ran — that is a failure" >&2
  exit 1
fi
log "disk after the run: target/ $(du -sh target 2>/dev/null | cut -f1); free: $(df -h . | awk 'NR==2 {print $4}')"
echo
echo "tests: ${passed} passed, ${failed:-0} failed"
