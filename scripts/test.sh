#!/usr/bin/env bash
# `npm test`: installs what is missing (Prosody, node_modules) and runs every test (vitest's
# global set-up builds dist/ first), the end-to-end ones against a real Prosody that the tests
# start on free loopback ports.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-deps.sh --browser
npx vitest run "$@"
