#!/usr/bin/env bash
# Builds a crate for wasm32-unknown-unknown: with rustup's target when installed, else
# with Debian's rustc and a std built from source (the fallback tests/setup.sh installs).
# Usage: tests/build-wasm.sh -p CRATE --release|--profile P [more cargo args]
set -euo pipefail
cd "$(dirname "$0")/.."
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  exec cargo build --target wasm32-unknown-unknown "$@"
fi
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22 \
  exec cargo build --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort "$@"
