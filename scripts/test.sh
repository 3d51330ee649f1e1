#!/usr/bin/env bash
# Install what the tests need, then run the whole suite (lint + unit + integration + e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
.venv/bin/ruff check callcenter console tests benchmarks scripts
exec .venv/bin/python -m pytest -q "$@"
