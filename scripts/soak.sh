#!/usr/bin/env bash
# `npm run soak [-- --minutes 10 --rooms 1000]`: installs what is missing, builds dist/, then runs
# the soak (bench/soak/run.ts) against the built package, like `npm run bench`; never part of npm test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
npm run --silent build
exec node --expose-gc --conditions=production --import tsx --import ./bench/useDist.mjs bench/soak/run.ts "$@"
