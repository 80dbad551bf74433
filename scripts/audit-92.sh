#!/usr/bin/env bash
# README command 1: install, load ../shared/data into the registry and print the 92 audit,
# writing the HTML report to out/audit-92.html (and the JSON to out/audit-92.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MAILLAGE_DATA=${MAILLAGE_DATA:-$(cd .. && pwd)/shared/data}
export MAILLAGE_HOME=${MAILLAGE_HOME:-$PWD/.maillage}
mkdir -p out
.venv/bin/maillage init
.venv/bin/maillage audit --format json --output out/audit-92.json --no-cells
.venv/bin/maillage audit --html out/audit-92.html "$@"
