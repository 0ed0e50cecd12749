#!/usr/bin/env bash
# Builds the real VS Code (code-server 4.100.3) and playwright-core that the E2E suite drives,
# offline, following shared/E2E.md: code-server's own postinstall would download ripgrep from
# GitHub and ask for --unsafe-perm, so we install with --ignore-scripts and replay its steps by
# hand. The result is cached outside the clone, keyed by this folder's lockfile hash, and linked
# in as test/e2e/node_modules. Also makes sure Chromium and the native build deps are present:
# installs them with apt-get when run as root, otherwise stops with the exact command to run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${CNN_LENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cnn-lens}"
hash="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)"
target="$cache_root/e2e-$hash"
apt_packages=(chromium ripgrep libkrb5-dev)

# `--server-only` (npm start) needs no browser.
server_only=false; [ "${1:-}" = "--server-only" ] && server_only=true
$server_only && apt_packages=(ripgrep libkrb5-dev)
missing=()
$server_only || command -v chromium >/dev/null || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/krb5/krb5.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "e2e setup: installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "e2e setup: missing ${missing[*]}. Run: sudo apt-get update && sudo apt-get install -y ${apt_packages[*]}" >&2
    exit 1
  fi
fi

if [ ! -e "$target/.complete" ]; then
  echo "e2e setup: building code-server into $target (first run on this machine, about 70 s)"
  started=$SECONDS
  work="$target.partial.$$"
  rm -rf "$work" && mkdir -p "$work"
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (
    cd "$work"
    export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
    npm ci --ignore-scripts --loglevel=error
    npm rebuild argon2 --loglevel=error
    cd node_modules/code-server/lib/vscode
    npm install --omit=dev --ignore-scripts --loglevel=error
    mkdir -p node_modules/@vscode/ripgrep/bin
    ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm rebuild --loglevel=error
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sf code-linux.sh code-server)
    (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
    (cd extensions && npm install --omit=dev --loglevel=error)
  ) > "$work.log" 2>&1 || { echo "e2e setup failed; last lines of $work.log:" >&2; tail -30 "$work.log" >&2; exit 1; }
  touch "$work/.complete"
  rm -rf "$target" && mv "$work" "$target" && mv "$work.log" "$target/build.log"
  echo "e2e setup: built in $((SECONDS - started)) s"
fi
ln -sfn "$target/node_modules" "$here/node_modules"
echo "e2e setup: code-server ready ($target)"
