#!/usr/bin/env bash
# Build the third-party dependencies layer from requirements.lock (every package pinned with its hashes:
# pip --require-hashes), as wheels for the Lambda runtime and architecture the stack deploys (PYTHON_VERSION and
# DEPS_PLATFORM in infra/intentbid_infra/config.py, read here so the two never drift). Binary wheels only: no
# compiler, no Docker. Writes the folder layers/deps/python and the reproducible zip layers/deps.zip that the
# stack deploys (tools/zip_layer.py: the same commit gives the same bytes); prints the zip's sha256.
#
# usage: tools/build_deps_layer.sh [OUT_DIR]   (default layers; PYTHON=... picks the pip to run)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
config=infra/intentbid_infra/config.py
py_version=$(sed -n 's/^PYTHON_VERSION = "\([0-9.]*\)".*/\1/p' "$config")
platform=$(sed -n 's/^DEPS_PLATFORM = "\([a-z0-9_]*\)".*/\1/p' "$config")
[[ -n "$py_version" && -n "$platform" ]] || { echo "build_deps_layer.sh: cannot read PYTHON_VERSION/DEPS_PLATFORM from $config" >&2; exit 1; }

base=${1:-layers}
out="$base/deps"
tmp="$out.tmp"
rm -rf "$tmp"
mkdir -p "$tmp/python"
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile --no-deps --require-hashes \
  --platform "$platform" --only-binary=:all: --python-version "$py_version" --implementation cp \
  --target "$tmp/python" -r requirements.lock
rm -rf "$tmp/python/bin"  # console scripts with this machine's shebangs
find "$tmp/python" -name __pycache__ -type d -prune -exec rm -rf {} +
find "$tmp/python" -name direct_url.json -delete  # where pip found each wheel: a path of this machine
rm -rf "$out"
mv "$tmp" "$out"
sha=$("$PYTHON" tools/zip_layer.py "$out" "$base/deps.zip")
echo "deps layer for python$py_version/$platform: $(du -sh "$out" | cut -f1) in $out; $base/deps.zip sha256 $sha"
