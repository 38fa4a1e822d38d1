#!/usr/bin/env bash
# Install what the build and the tests need and is missing. Idempotent; safe to run every time.
#
#   scripts/setup.sh
#
# - Debian packages (only when running as root, e.g. CI or a fresh container): openssl (the CLI's
#   interoperability tests call it), mesa-vulkan-drivers (lavapipe: the render server's Vulkan
#   device where there is no GPU), chromium and chromium-driver (the browser tests; never a
#   downloaded browser).
# - rustup target wasm32-unknown-unknown (the trust core and the loader build for it).
# - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock (the CLI and the crate must
#   match); `--locked` is not used because the registry mirror lacks one of the CLI's locked
#   dependency versions.
# - npm packages from package-lock.json.
# - wasm-tools (pinned) is installed by scripts/build-guests.sh, which owns that pin.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '==> %s\n' "$*" >&2; }

# Debian packages we need, each with the check that proves it is there.
have_openssl() { command -v openssl >/dev/null 2>&1; }
have_lavapipe() { compgen -G '/usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null; }
have_chromium() { [[ -x /usr/bin/chromium ]]; }
have_chromedriver() { [[ -x /usr/bin/chromedriver ]]; }
declare -A DEBIAN=( [openssl]=have_openssl [mesa-vulkan-drivers]=have_lavapipe
  [chromium]=have_chromium [chromium-driver]=have_chromedriver )
missing=()
for pkg in "${!DEBIAN[@]}"; do
  "${DEBIAN[$pkg]}" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}; install them (e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust with rustup" >&2; exit 1; }
command -v node >/dev/null || { echo "setup: node not found: install Node.js 20 or newer" >&2; exit 1; }

if command -v rustup >/dev/null; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
fi

cd "$ROOT"
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [[ -n "$WASM_BINDGEN_VERSION" ]]; then
  installed="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [[ "$installed" != "$WASM_BINDGEN_VERSION" ]]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (found: ${installed:-none}); this takes a few minutes"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
    hash -r
  fi
fi

if node -e 'const p=require("./package.json");process.exit(Object.keys({...p.dependencies,...p.devDependencies}).length?0:1)'; then
  if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules ]]; then
    log "npm ci"
    npm ci --no-audit --no-fund
  fi
fi
