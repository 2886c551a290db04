#!/usr/bin/env bash
# `npm run bench [-- --only NAME]`: installs what is missing, builds dist/, then runs the
# benchmarks against the built package (bench/useDist.mjs), never as part of npm test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh
npm run --silent build
exec node --expose-gc --conditions=production --import tsx --import ./bench/useDist.mjs bench/run.ts "$@"
