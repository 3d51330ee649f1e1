#!/usr/bin/env bash
# Install what the tests need, then run the whole suite (lint + unit + integration + e2e) on
# SQLite, then once more on PostgreSQL every test that uses a database (marker `sql`, set by
# tests/conftest.py for tests using db_url; e2e excluded); both passes two workers at a time
# (pytest-xdist: most tests wait on sockets and timers, so two workers fit two cores).
# With arguments, runs only `pytest -q ARGS` (on the backend CALLCENTER_TEST_DB names).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
.venv/bin/ruff check callcenter console tests benchmarks scripts
if (($#)); then
    exec .venv/bin/python -m pytest -q "$@"
fi
.venv/bin/python -m pytest -q -n 2
echo "--- the database tests again on PostgreSQL (CALLCENTER_TEST_DB=postgresql)"
CALLCENTER_TEST_DB=postgresql exec .venv/bin/python -m pytest -q -n 2 -m "sql and not e2e" tests
