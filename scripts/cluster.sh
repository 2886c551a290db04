#!/usr/bin/env bash
# `npm run cluster -- --processes 3`: installs what is missing (ejabberd, PostgreSQL, node_modules),
# builds, then runs `mucstate cluster`, which starts ejabberd and PostgreSQL on free loopback ports
# and the supervisor with N demo gateway processes plus a warm spare, and prints how to connect.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
npx tsc -p tsconfig.build.json
exec node bin/mucstate.js cluster "$@"
