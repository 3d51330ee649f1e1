#!/usr/bin/env bash
# Install everything callcenter needs on Debian 12 (run from the repository root).
# System packages: redis-server (live state), ffmpeg + sox (recordings), espeak-ng (test audio),
# graphviz (IVR flow pictures), python3-venv, chromium (browser tests, driven by Playwright),
# fonts-noto-cjk (Chinese text in the browser tests and screenshots), kamailio with its SQLite and
# PostgreSQL modules + sipsak (tests run the rendered SIP proxy on loopback and register a phone
# at it; the package's own service is not run),
# postgresql (the server binaries initdb/pg_ctl: the tests' PostgreSQL pass starts a private
# cluster of its own, so the package's own cluster and service play no part).
# Python packages (setup.cfg and its extras, e.g. schemathesis for the API fuzz) go into ./.venv,
# axe-core (npm) into ./.cache/npm. Safe to run again: it only adds
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(redis-server ffmpeg sox espeak-ng python3-venv chromium graphviz fonts-noto-cjk
    kamailio kamailio-sqlite-modules kamailio-postgres-modules sipsak postgresql)
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
    if [[ " ${missing[*]} " == *" kamailio "* ]] && command -v systemctl >/dev/null; then
        # The package starts its own stock proxy where systemd runs; tests need only the binary.
        $SUDO systemctl disable --now kamailio >/dev/null 2>&1 || true
    fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test,postgres]'
    rm -f .venv/.installed-* && touch "$stamp"
fi

# axe-core (accessibility checks of the console pages in tests/e2e), from the npm registry into
# the gitignored .cache/npm; npm comes with Node.js, else from Debian's npm package.
AXE_CORE_VERSION=4.14.1
if [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ] \
    || ! grep -q "\"version\": \"$AXE_CORE_VERSION\"" .cache/npm/node_modules/axe-core/package.json; then
    if ! command -v npm >/dev/null; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
    fi
    mkdir -p .cache/npm
    npm install --silent --no-save --no-audit --no-fund --prefix .cache/npm "axe-core@$AXE_CORE_VERSION"
fi
