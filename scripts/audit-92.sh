#!/usr/bin/env bash
# README command 1: install, load ../shared/data into the registry and print the 92 audit,
# writing the HTML report to out/audit-92.html (and the JSON to out/audit-92.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export MAILLAGE_DATA=${MAILLAGE_DATA:-$(cd .. && pwd)/shared/data}
# the registry goes to $MAILLAGE_HOME if set, else ~/.local/share/maillage: found from any folder later
mkdir -p out
.venv/bin/maillage init
.venv/bin/maillage audit --format json --output out/audit-92.json --no-cells
.venv/bin/maillage audit --html out/audit-92.html "$@"
registry=$(.venv/bin/python -c 'from maillage.registry.db import home_dir; print(home_dir())')
cat >&2 <<EOF

Pour taper la commande maillage vous-même (elle est dans .venv/, hors du PATH) :
  source $PWD/.venv/bin/activate      puis : maillage audit, maillage plan --help…
ou, sans activer :
  $PWD/.venv/bin/maillage audit
Le registre ($registry) est lu depuis n'importe quel dossier.
EOF
