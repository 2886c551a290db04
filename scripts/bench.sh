#!/usr/bin/env bash
# `npm run bench [-- --only NAME]`: installs what is missing, then runs the benchmarks (never part of npm test).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
exec node --expose-gc --conditions=production --import tsx bench/run.ts "$@"
