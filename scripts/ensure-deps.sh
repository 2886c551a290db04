#!/usr/bin/env bash
# Installs what the tests need, and nothing twice:
#   - Prosody and the community modules (Debian packages prosody, prosody-modules),
#   - with --browser: Chromium (Debian package chromium, /usr/bin/chromium) for the inspector's
#     browser test (npm test and CI pass it; the demo does not need it),
#   - node_modules (npm ci) when the repository has none.
# Safe to run repeatedly; prints short progress lines to stderr.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'ensure-deps: %s\n' "$*" >&2; }

with_browser=0
[ "${1:-}" = "--browser" ] && with_browser=1

need_apt=0
packages=()
if ! command -v prosody >/dev/null 2>&1; then
  say "prosody not found"
  need_apt=1
fi
if ! compgen -G "/usr/lib/prosody/modules/mod_privilege*" >/dev/null; then
  say "prosody-modules (mod_privilege) not found"
  need_apt=1
fi
if [ "$need_apt" = 1 ]; then
  packages+=(prosody prosody-modules)
fi
if [ "$with_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  say "chromium not found (the inspector's browser test drives /usr/bin/chromium)"
  need_apt=1
  packages+=(chromium)
fi

if [ "$need_apt" = 1 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "apt-get is not available: install ${packages[*]} by hand"
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    say "not root and no sudo: run 'apt-get install ${packages[*]}' as root"
    exit 1
  fi
  say "installing ${packages[*]} with apt-get"
  "${as_root[@]}" apt-get update >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}" >&2
  say "installed: ${packages[*]}"
else
  say "system packages present"
fi

if [ ! -d node_modules ]; then
  say "node_modules missing: running npm ci"
  npm ci >&2
elif [ ! -d node_modules/playwright-core ]; then
  say "node_modules predates playwright-core: running npm ci"
  npm ci >&2
else
  say "node_modules present"
fi
