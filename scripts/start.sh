#!/usr/bin/env bash
# `npm start`: builds what is missing (toolchains, the sandbox, the crisp-kit package, the
# extension), then runs the local Crisp sandbox with demo data and serves, on 127.0.0.1, a stand-in
# Crisp dashboard with the sidebar docked beside it. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo
echo "[start] building the sandbox, the crisp-kit package and the extension (the first time takes a few minutes)" >&2
cargo build -q --release -p crisp-sandbox
node bindings/js/build.mjs >/dev/null 2>&1 || node bindings/js/build.mjs
node extension/build.mjs
exec node extension/demo/serve.mjs "$@"
