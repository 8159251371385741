#!/usr/bin/env bash
# Builds a crate for wasm32-unknown-unknown.
# Usage: scripts/build-wasm.sh [--small] -p CRATE --release|--profile P [more cargo args]
#
# --small (the shipped browser build): std is rebuilt from rust-src with the immediate-abort panic
# strategy, so a panic is a bare trap and no panic message, location or its formatting code is
# linked: 8 KB less of the gzipped .wasm (the budget is 60 KB). Both need nightly flags; they are
# enabled on the stable compiler with RUSTC_BOOTSTRAP=1, for this one cargo call only
# (native builds and every test stay on plain stable). Behaviour is unchanged: a panic in wasm was
# already an `unreachable` trap with nothing printed, and crisp-core is built not to panic. The
# flags are unstable: should a later rustc change them, this build fails loudly, and dropping
# --small is the way back (8 KB more).
#
# Without rustup's target or rust-src, Debian's rustc and a std built from source are the
# fallback that scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
small=0
if [ "${1:-}" = "--small" ]; then small=1; shift; fi
small_flags="-Zunstable-options -Cpanic=immediate-abort"
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  if [ "$small" = 1 ]; then
    if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
      echo "build-wasm: rust-src is missing (scripts/setup.sh installs it)" >&2; exit 1
    fi
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$small_flags" \
      exec cargo build --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort "$@"
  fi
  exec cargo build --target wasm32-unknown-unknown "$@"
fi
flags=""; [ "$small" = 1 ] && flags="$small_flags"
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22 \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags" \
  exec cargo build --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort "$@"
