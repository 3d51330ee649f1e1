#!/usr/bin/env bash
# Install everything, then run the demo: engine + console + simulated FreeSWITCH with callers and agents.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/callcenter demo "$@"
