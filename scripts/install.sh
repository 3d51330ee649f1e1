#!/usr/bin/env bash
# Install everything callcenter needs on Debian 12 (run from the repository root).
# System packages: redis-server (live state), ffmpeg + sox (recordings), espeak-ng (test audio),
# graphviz (IVR flow pictures), python3-venv, chromium (browser tests, driven by Playwright).
# Python packages go into ./.venv. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(redis-server ffmpeg sox espeak-ng python3-venv chromium graphviz)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    rm -f .venv/.installed-* && touch "$stamp"
fi
