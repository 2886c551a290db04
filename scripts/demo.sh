#!/usr/bin/env bash
# `npm run demo`: installs what is missing (Prosody, node_modules), builds, then runs
# `mucstate demo`, which starts its own Prosody on free loopback ports and prints how to connect.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
npx tsc -p tsconfig.build.json
exec node bin/mucstate.js demo "$@"
