#!/usr/bin/env bash
# The test suite, as `npm test` and CI run it: setup (scripts/setup.sh, everything installed
# idempotently), the build, then the lanes in order. `bash scripts/test.sh LANE...` runs only those
# lanes (`npm run test:js`, ...), after the same setup and build.
#
#   rust     format, lints, generated files up to date, crisp-core for wasm32, cargo test
#   js       the package's types, then tests/js on the native backend and on the wasm backend
#   package  the prebuilt addons, the tarballs (publint, attw), the package as a user installs it
#   browser  the web build in headless Chromium
#   e2e      the sidebar extension in headless Chromium and Firefox
#
# Every lane runs under a time limit, and every test under node's --test-timeout, so that a file
# that hangs fails with its name instead of holding CI for 90 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*" >&2; }

ALL_LANES="rust js package browser e2e"
lanes="${*:-$ALL_LANES}"
for lane in $lanes; do
  case " $ALL_LANES " in *" $lane "*) ;; *) echo "scripts/test.sh: no lane \`$lane\` (lanes: $ALL_LANES)" >&2; exit 2 ;; esac
done
# The lanes' limits, in seconds: about three times what each takes on a fresh machine of 2 cores.
declare -A LIMIT=([rust]=1800 [js]=1800 [package]=1500 [browser]=900 [e2e]=1800)
# A test file (node counts the whole file as one test too) that takes longer than this fails, by name.
NODE_TEST=(node --test --test-timeout=600000)

step "setup"
bash scripts/setup.sh

step "build: the crisp-kit package (napi addon, wasm, TypeScript façade) and the sandbox"
node bindings/js/build.mjs
cargo build --quiet --release -p crisp-sandbox

lane_rust() {
  step "rust: format and lints"
  cargo fmt --all --check
  cargo clippy --workspace --all-targets --quiet -- -D warnings
  step "rust: generated files are up to date"
  cargo run -q -p xtask -- codegen --check
  node tests/vectors/generate.mjs --check
  step "rust: crisp-core for wasm32 (sans-IO, no std I/O needed)"
  bash scripts/build-wasm.sh -p crisp-core --release --quiet
  step "rust: cargo test"
  cargo test --workspace --quiet
}

lane_js() {
  step "js: the package's types"
  npx tsc -p bindings/js/tsconfig.json --noEmit
  step "js: tests/js, native backend (the napi addon, through the package's loader)"
  CRISP_KIT_BACKEND=native "${NODE_TEST[@]}" tests/js/
  step "js: tests/js, wasm backend (the browser's .wasm, loaded by the package's loader in Node)"
  CRISP_KIT_BACKEND=wasm "${NODE_TEST[@]}" tests/js/
}

lane_package() {
  step "package: prebuilt addons for every platform (cargo-zigbuild: Linux gnu against glibc 2.17, musl, macOS)"
  node bindings/js/platforms.mjs
  step "package: the publishable tarballs (npm run pack): publint, arethetypeswrong (node16 ESM and CJS, bundler)"
  main_tarball=$(node bindings/js/pack.mjs --out target/npm-pack | head -n 1)
  npx publint --strict "$main_tarball"
  npx attw "$main_tarball" --profile node16 --exclude-entrypoints ./web
  # crisp-kit/web is ESM only, on purpose (browsers, bundlers): no require() entry to check.
  npx attw "$main_tarball" --profile esm-only --entrypoints ./web
  step "package: as a user installs it (local registry, no cargo/rustc on PATH, x64 and arm64); the addons as files"
  "${NODE_TEST[@]}" tests/package/
}

lane_browser() {
  step "browser: the web build in headless Chromium, against the sandbox on another origin"
  node tests/browser/run.mjs
}

lane_e2e() {
  step "e2e: the sidebar extension: build, types, Firefox lint, end to end in headless Chromium"
  node extension/build.mjs
  npx tsc -p extension/tsconfig.json
  npx web-ext lint --source-dir extension/dist/firefox --no-input
  "${NODE_TEST[@]}" tests/extension/
  step "e2e: the sidebar extension end to end in headless Firefox (the Firefox build, the same scenarios)"
  CRISP_KIT_BROWSER=firefox "${NODE_TEST[@]}" tests/extension/extension.test.mjs
}

# Each lane in a subshell of its own under `timeout`: the functions are exported to it.
export -f step lane_rust lane_js lane_package lane_browser lane_e2e
export NODE_TEST_STR="${NODE_TEST[*]}"
for lane in $lanes; do
  started=$SECONDS
  status=0
  timeout --kill-after=30 "${LIMIT[$lane]}" bash -c "set -euo pipefail; NODE_TEST=(\$NODE_TEST_STR); lane_$lane" || status=$?
  if [ "$status" != 0 ]; then
    [ "$status" = 124 ] && echo "scripts/test.sh: lane \`$lane\` passed its time limit (${LIMIT[$lane]} s)" >&2
    echo "scripts/test.sh: lane \`$lane\` failed" >&2
    exit "$status"
  fi
  printf '[lane %s: %d s]\n' "$lane" $((SECONDS - started)) >&2
done
