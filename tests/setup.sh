#!/usr/bin/env bash
# Installs, idempotently, everything `npm test` and `npm start` need on a fresh machine of this
# project's kind (Debian, rustup Rust, Node): the wasm32 target, the npm packages. Each step is
# skipped when already done, so running it again costs a second. See ../../shared/notes/TOOLCHAIN.md.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

# apt-get needs an up-to-date package list once per machine.
apt_install() {
  if ! command -v apt-get >/dev/null; then
    say "apt-get not found: install $* by hand"; return 1
  fi
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ ! -f /var/lib/apt/.crisp-kit-updated ]; then
    $sudo apt-get update -qq >&2 && $sudo touch /var/lib/apt/.crisp-kit-updated
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

# 1. The wasm32 target. rustup's download is the default; Debian's rust-web packages (std built
#    from source, see tests/build-wasm.sh) are the fallback when that download fails.
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  :
elif rustup target add wasm32-unknown-unknown >&2; then
  say "installed the wasm32-unknown-unknown target"
else
  say "rustup could not add wasm32-unknown-unknown: installing Debian's fallback toolchain"
  apt_install rustc-web cargo-web rust-web-src lld-22
fi

# 1b. rust-src: the shipped wasm rebuilds std with the immediate-abort panic strategy (see
#     tests/build-wasm.sh). Debian's fallback toolchain brings its own (rust-web-src).
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  && ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  rustup component add rust-src >&2
  say "installed rust-src"
fi

# 2. wasm-bindgen CLI at exactly the version of the wasm-bindgen crate in Cargo.lock (the CLI and
#    the crate must match to the patch). Skipped until the wasm binding exists (other crates' lock
#    entries for wasm-bindgen are for targets we do not build).
want=""
if [ -f bindings/wasm/Cargo.toml ]; then
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock 2>/dev/null || true)
fi
if [ -n "$want" ]; then
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (about 2 minutes, once)"
    # No --locked: the registry mirror lacks some versions the CLI's own lock file names.
    cargo install -q wasm-bindgen-cli --version "$want" >&2
  fi
fi

# 3. Chromium for the browser suite: Debian's package (a test tool's own browser download cannot
#    work here), driven by playwright-core from npm.
if ! command -v chromium >/dev/null; then
  say "installing Debian's chromium (once)"
  apt_install chromium
fi

# 3b. Firefox for the Firefox run of the extension suite (npm run test:firefox): Debian's ESR
#     package, driven over WebDriver BiDi by puppeteer-core (an npm package, step 5). No
#     geckodriver: BiDi is built into Firefox.
if ! command -v firefox-esr >/dev/null; then
  say "installing Debian's firefox-esr (once)"
  apt_install firefox-esr
fi

# 4. redis-server for the gateway's shared-limiter test (tests/js/serve.test.mjs starts and stops
#    its own on a free port; nothing listens on the default one).
if ! command -v redis-server >/dev/null; then
  say "installing Debian's redis-server (once)"
  apt_install redis-server
fi

# 5. npm packages, from the lock file. Reinstalled only when the lock file is newer.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
