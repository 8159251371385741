#!/usr/bin/env bash
# `npm start`. Today: builds crisp-core and prints the catalog summary. The local sandbox and the
# sidebar beside a demo dashboard are not built yet; this says so rather than pretending.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/setup.sh
cargo run -q -p xtask -- catalog > /dev/null
count=$(cargo run -q -p xtask -- catalog | grep -c '"id":')
echo "crisp-kit: the catalog knows ${count} Crisp endpoints (docs/ENDPOINTS.md)."
echo "Not built yet: the local Crisp sandbox and the sidebar beside a demo dashboard."
