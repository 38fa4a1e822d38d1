#!/usr/bin/env bash
# Build every example guest in guests/ into an (unsigned) component: guests/dist/<name>.wasm.
#
#   scripts/build-guests.sh          works from any directory
#
# Steps: make sure the wasm32-unknown-unknown target and the pinned wasm-tools are installed, build
# the guests workspace in release mode, wrap each core module into a component with
# `wasm-tools component new`, validate it (component-model async enabled) and list what was built.
# Every cdylib crate of the guests workspace is a guest; its component is named after its package.
set -euo pipefail

# wasm-tools must match wit-bindgen's wit-component: wit-bindgen =0.57.0 uses wit-component 0.247.
WASM_TOOLS_VERSION=1.247.0
TARGET=wasm32-unknown-unknown
# Component-model features the guests use (async lift/lower, streams): validation needs them on.
VALIDATE_FEATURES=cm-async

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
GUESTS="$ROOT/guests"
DIST="$GUESTS/dist"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-guests: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"
command -v node >/dev/null || die "node not found (needed to read cargo metadata)"

# 1. The wasm32 target.
if command -v rustup >/dev/null; then
  if ! rustup target list --installed | grep -qx "$TARGET"; then
    log "rustup target add $TARGET"
    rustup target add "$TARGET"
  fi
else
  log "rustup not found; assuming the $TARGET target is installed"
fi

# 2. The pinned wasm-tools.
installed="$(wasm-tools --version 2>/dev/null | awk '{print $2}' || true)"
if [[ "$installed" != "$WASM_TOOLS_VERSION" ]]; then
  log "installing wasm-tools $WASM_TOOLS_VERSION (found: ${installed:-none}); this takes a few minutes"
  cargo install wasm-tools --version "$WASM_TOOLS_VERSION" --locked
  hash -r
  installed="$(wasm-tools --version 2>/dev/null | awk '{print $2}' || true)"
  [[ "$installed" == "$WASM_TOOLS_VERSION" ]] ||
    die "wasm-tools on PATH is ${installed:-missing}, not $WASM_TOOLS_VERSION (is ~/.cargo/bin first on PATH?)"
fi

# 3. The core modules.
log "cargo build --release --target $TARGET (in guests/)"
(cd "$GUESTS" && cargo build --release --target "$TARGET" --locked)

# The guests: every cdylib target in the guests workspace, as "<package> <lib file stem>" lines.
metadata="$(cd "$GUESTS" && cargo metadata --format-version 1 --no-deps --locked)"
target_dir="$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).target_directory)' <<<"$metadata")"
guests="$(node -e '
  const meta = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const pkg of meta.packages)
    for (const t of pkg.targets)
      if (t.kind.includes("cdylib")) console.log(`${pkg.name} ${t.name.replace(/-/g, "_")}`);
' <<<"$metadata")"
[[ -n "$guests" ]] || die "no cdylib crates in guests/"

# 4. Components: wrap, validate, report.
mkdir -p "$DIST"
built=()
while read -r name stem; do
  core="$target_dir/$TARGET/release/$stem.wasm"
  out="$DIST/$name.wasm"
  [[ -f "$core" ]] || die "expected core module $core after the build"
  wasm-tools component new "$core" -o "$out"
  wasm-tools validate --features "$VALIDATE_FEATURES" "$out" || die "$out does not validate"
  built+=("$name")
done <<<"$guests"

printf 'built %d component(s) in %s/ (unsigned):\n' "${#built[@]}" "${DIST#"$ROOT"/}"
for name in "${built[@]}"; do
  printf '  %-24s %8d bytes\n' "$name.wasm" "$(wc -c <"$DIST/$name.wasm")"
done
