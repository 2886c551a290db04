#!/usr/bin/env bash
# Installs what the tests need, and nothing twice:
#   - Prosody and the community modules (Debian packages prosody, prosody-modules),
#   - node_modules (npm ci) when the repository has none.
# Safe to run repeatedly; prints short progress lines to stderr.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'ensure-deps: %s\n' "$*" >&2; }

need_apt=0
if ! command -v prosody >/dev/null 2>&1; then
  say "prosody not found"
  need_apt=1
fi
if ! compgen -G "/usr/lib/prosody/modules/mod_privilege*" >/dev/null; then
  say "prosody-modules (mod_privilege) not found"
  need_apt=1
fi

if [ "$need_apt" = 1 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "apt-get is not available: install Prosody 0.12 and prosody-modules by hand"
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    say "not root and no sudo: run 'apt-get install prosody prosody-modules' as root"
    exit 1
  fi
  say "installing prosody prosody-modules with apt-get"
  "${as_root[@]}" apt-get update >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y prosody prosody-modules >&2
  say "prosody installed: $(command -v prosody)"
else
  say "prosody and prosody-modules present"
fi

if [ ! -d node_modules ]; then
  say "node_modules missing: running npm ci"
  npm ci >&2
else
  say "node_modules present"
fi
