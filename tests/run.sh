#!/usr/bin/env bash
# The whole test suite, as `npm test` and CI run it. Installs what it needs first (tests/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*" >&2; }

step "setup"
bash tests/setup.sh

step "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "generated files are up to date"
cargo run -q -p xtask -- codegen --check
node tests/vectors/generate.mjs --check

step "crisp-core for wasm32 (sans-IO, no std I/O needed)"
bash tests/build-wasm.sh -p crisp-core --release --quiet

step "Rust tests"
cargo test --workspace --quiet

step "the crisp-kit package (napi addon, wasm build, TypeScript façade) and the sandbox"
node bindings/js/build.mjs
cargo build --quiet --release -p crisp-sandbox
npx tsc -p bindings/js/tsconfig.json --noEmit

step "JS tests, Node backend (napi addon)"
CRISP_KIT_BACKEND=node node --test tests/js/

step "JS tests, wasm backend (the browser build, in Node)"
CRISP_KIT_BACKEND=wasm node --test tests/js/

step "browser suite: the web build in headless Chromium, against the sandbox on another origin"
node tests/browser/run.mjs

step "the sidebar extension: build, types, Firefox lint, end to end in headless Chromium"
node extension/build.mjs
npx tsc -p extension/tsconfig.json
npx web-ext lint --source-dir extension/dist/firefox --no-input
node --test tests/extension/

step "the sidebar extension end to end in headless Firefox (the Firefox build, the same scenarios)"
CRISP_KIT_BROWSER=firefox node --test tests/extension/extension.test.mjs
