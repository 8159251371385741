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

step "JS tests, native backend (the napi addon, through the package's loader)"
CRISP_KIT_BACKEND=native node --test tests/js/

step "JS tests, wasm backend (the browser's .wasm, loaded by the package's loader in Node)"
CRISP_KIT_BACKEND=wasm node --test tests/js/

step "prebuilt addons for every platform (cargo-zigbuild: Linux gnu against glibc 2.17, musl, macOS)"
node bindings/js/platforms.mjs

step "the publishable tarballs (npm run pack): publint, arethetypeswrong (node16 ESM and CJS, bundler)"
main_tarball=$(node bindings/js/pack.mjs --out target/npm-pack | head -n 1)
npx publint --strict "$main_tarball"
npx attw "$main_tarball" --profile node16 --exclude-entrypoints ./web
# crisp-kit/web is ESM only, on purpose (browsers, bundlers): no require() entry to check.
npx attw "$main_tarball" --profile esm-only --entrypoints ./web

step "the package as a user installs it (local registry, no cargo/rustc on PATH, x64 and arm64); the addons as files"
node --test tests/package/

step "browser suite: the web build in headless Chromium, against the sandbox on another origin"
node tests/browser/run.mjs

step "the sidebar extension: build, types, Firefox lint, end to end in headless Chromium"
node extension/build.mjs
npx tsc -p extension/tsconfig.json
npx web-ext lint --source-dir extension/dist/firefox --no-input
node --test tests/extension/

step "the sidebar extension end to end in headless Firefox (the Firefox build, the same scenarios)"
CRISP_KIT_BROWSER=firefox node --test tests/extension/extension.test.mjs
