#!/usr/bin/env bash
# Write requirements.lock from requirements.txt: every runtime package, transitive ones included, pinned with the
# hashes of its published files, resolved for the Lambda platform (PYTHON_VERSION, DEPS_PLATFORM of
# infra/intentbid_infra/config.py). uv resolves; pip installs (tools/build_deps_layer.sh, --require-hashes).
set -euo pipefail
cd "$(dirname "$0")/.."
config=infra/intentbid_infra/config.py
py_version=$(sed -n 's/^PYTHON_VERSION = "\([0-9.]*\)".*/\1/p' "$config")
platform=$(sed -n 's/^DEPS_PLATFORM = "\([a-z0-9_]*\)".*/\1/p' "$config")
arch=${platform##*_}   # manylinux2014_aarch64 -> aarch64 (uv spells the platform aarch64-manylinux2014)
tmp=$(mktemp)
{
  echo "# The runtime dependencies of the deps layer, locked with their hashes for the Lambda platform (python$py_version,"
  echo "# $platform): \`make lock\` writes it from requirements.txt; \`make build\` installs exactly this"
  echo "# (pip --require-hashes) and \`make install\` constrains the dev venv to the same versions. Never edit by hand."
  "${UV:-.venv/bin/uv}" pip compile requirements.txt --generate-hashes --python-version "$py_version" \
    --python-platform "$arch-${platform%_*}" --only-binary :all: --no-header --annotation-style line -q
} > "$tmp"
mv "$tmp" requirements.lock
echo "requirements.lock: $(grep -c '==' requirements.lock) packages for python$py_version/$platform"
