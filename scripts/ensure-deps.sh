#!/usr/bin/env bash
# Installs what the tests need, and nothing twice:
#   - Prosody and the community modules (Debian packages prosody, prosody-modules),
#   - ngircd (Debian package ngircd), the IRC server of the IRC example's end-to-end tests,
#   - ejabberd (Debian package ejabberd, 23.01) for the scale-out tests; a system ejabberd service
#     that the package enables is stopped and disabled right after installing it,
#   - PostgreSQL (Debian package postgresql: initdb and postgres in /usr/lib/postgresql/<version>/bin),
#     for the PostgreSQL store's tests; the test bed starts a throw-away server per test file, as
#     the `postgres` user the package creates when the tests run as root (PostgreSQL refuses root),
#   - with --browser: Chromium (Debian package chromium, /usr/bin/chromium) for the browser tests
#     (inspector, web client; npm test and CI pass it; the demo does not need it),
#   - node_modules (npm ci) when it is missing or lacks a package that package.json lists; the
#     first npm ci may compile better-sqlite3 from source for minutes, and says so.
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
if ! command -v ngircd >/dev/null 2>&1 && [ ! -x /usr/sbin/ngircd ]; then
  say "ngircd not found (the IRC example's tests start one)"
  need_apt=1
  packages+=(ngircd)
fi
new_ejabberd=0
if [ ! -x /usr/sbin/ejabberdctl ]; then
  say "ejabberd not found (the scale-out tests start one)"
  need_apt=1
  new_ejabberd=1
  packages+=(ejabberd)
fi
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  say "PostgreSQL not found (the PostgreSQL store's tests start one)"
  need_apt=1
  packages+=(postgresql)
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
  if [ "$new_ejabberd" = 1 ]; then
    # The package enables a system ejabberd (and starts it where services may start) on the
    # standard ports, under the node name ejabberd@localhost. The test bed runs its own instances
    # and needs none: stop it and keep it from starting at boot. A system ejabberd that was there
    # before this script ran is left alone (the test bed cannot collide with it: free loopback
    # ports, no Erlang distribution).
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      "${as_root[@]}" systemctl disable --now ejabberd.service >&2 || true
    else
      "${as_root[@]}" invoke-rc.d ejabberd stop >&2 2>/dev/null || true
      "${as_root[@]}" update-rc.d ejabberd disable >&2 2>/dev/null || true
    fi
    say "stopped and disabled the system ejabberd service the package installed"
  fi
else
  say "system packages present"
fi

# Debian's postgresql package creates the postgres system user; when the tests run as root the
# test bed runs PostgreSQL as that user, so make sure it exists (e.g. on an image that deleted it).
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  say "creating the postgres system user (PostgreSQL refuses to run as root)"
  useradd --system --user-group --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
fi

# A package listed in package.json but absent from node_modules (a new dependency since the last
# install) also calls for npm ci.
missing_package=$(node -e '
  const fs = require("node:fs");
  const { dependencies = {}, devDependencies = {} } = require("./package.json");
  const names = Object.keys({ ...dependencies, ...devDependencies });
  console.log(names.find((name) => !fs.existsSync(`node_modules/${name}/package.json`)) ?? "");
')
if [ -n "$missing_package" ]; then
  if [ -d node_modules ]; then
    say "node_modules lacks $missing_package: running npm ci"
  else
    say "node_modules missing: running npm ci"
  fi
  say "npm ci installs the exact versions in package-lock.json (about 220 packages)."
  say "better-sqlite3 is native: where its prebuilt binary cannot be downloaded, node-gyp compiles"
  say "SQLite from source (python3, make, g++), silently; that takes 1-3 minutes (measured: 75 s of CPU,"
  say "2 min 15 s for the whole npm ci on a busy 2-core machine). Only the first run does this."
  started=$SECONDS
  npm ci >&2
  say "npm ci done in $((SECONDS - started)) s"
else
  say "node_modules present"
fi
