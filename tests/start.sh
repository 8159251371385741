#!/usr/bin/env bash
# `npm start`: builds what is missing, then runs the local Crisp sandbox with demo data on
# 127.0.0.1 and prints how to call it with crisp-kit. (The sidebar beside a demo dashboard page
# is not built yet; this says so.) Ctrl-C stops the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
echo "[start] building the sandbox and the crisp-kit package (the first time takes a few minutes)" >&2
cargo build -q --release -p crisp-sandbox
node bindings/js/build.mjs >/dev/null 2>&1 || node bindings/js/build.mjs

port="${CRISP_SANDBOX_PORT:-8787}"
target="${CARGO_TARGET_DIR:-target}"
fifo=$(mktemp -u) && mkfifo "$fifo"
"$target/release/crisp-sandbox" --port "$port" --seed 1 >"$fifo" &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -f "$fifo"' EXIT INT TERM
exec 3<"$fifo"
read -r line <&3 || { echo "[start] the sandbox did not start (is port $port taken? set CRISP_SANDBOX_PORT)" >&2; exit 1; }
field() { node -e 'process.stdout.write(String(JSON.parse(process.argv[1])[process.argv[2]]))' "$line" "$1"; }
url=$(field url); identifier=$(field identifier); key=$(field key); website=$(field website_id)

cat <<MSG

crisp-kit demo: a local Crisp-compatible API with demo data (conversations, people, helpdesk)
  API       $url
  control   $(field control)   (faults, request log, reset: see crates/crisp-sandbox/README.md)
  website   $website

Try it (the CLI of the crisp-kit package):
  export CRISP_BASE_URL=$url CRISP_IDENTIFIER=$identifier CRISP_KEY=$key CRISP_TIER=plugin CRISP_WEBSITE_ID=$website
  node bindings/js/dist/cli.js call list_conversations --param filter_unread=true
  node bindings/js/dist/cli.js call list_people_profiles --all-pages
  node bindings/js/dist/cli.js endpoints --search helpdesk

Or from Node:
  import { Crisp } from "crisp-kit";
  const crisp = new Crisp({ identifier, key, tier: "plugin", websiteId, baseUrl: "$url" });
  await crisp.call("list_conversations", { query: { filter_unread: true } });

Not built yet: the sidebar extension beside a demo dashboard page.
Ctrl-C stops the sandbox.
MSG
wait "$pid"
