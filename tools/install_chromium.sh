#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it by path; no `playwright install`).
# Idempotent: installs only when /usr/bin/chromium is missing; uses sudo only when not root.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ ! -x "$CHROMIUM" ]]; then
  if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install_chromium: $CHROMIUM is missing and this user is not root (no sudo either)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  ${SUDO[@]+"${SUDO[@]}"} apt-get update -q
  ${SUDO[@]+"${SUDO[@]}"} apt-get install -y -q --no-install-recommends chromium
fi

"$CHROMIUM" --version
