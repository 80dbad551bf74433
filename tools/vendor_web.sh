#!/usr/bin/env bash
# Reproduce maillage/web/static/vendor/ from npm (run once by a maintainer; the result is committed).
# The web app never loads anything from the network at run time: no CDN, no remote tiles.
# Usage: bash tools/vendor_web.sh            (needs node + npm and access to the npm registry)
set -euo pipefail
cd "$(dirname "$0")/.."
LEAFLET_VERSION=${LEAFLET_VERSION:-1.9.4}
SWAGGER_VERSION=${SWAGGER_VERSION:-5.35.0}
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT
(
  cd "$BUILD"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --ignore-scripts \
    "leaflet@${LEAFLET_VERSION}" "swagger-ui-dist@${SWAGGER_VERSION}" >/dev/null
)
OUT=maillage/web/static/vendor
rm -rf "$OUT"
mkdir -p "$OUT/leaflet" "$OUT/swagger-ui"
cp "$BUILD/node_modules/leaflet/dist/leaflet.js" "$BUILD/node_modules/leaflet/dist/leaflet.css" \
   "$BUILD/node_modules/leaflet/LICENSE" "$OUT/leaflet/"
for f in swagger-ui-bundle.js swagger-ui.css LICENSE; do
  cp "$BUILD/node_modules/swagger-ui-dist/$f" "$OUT/swagger-ui/"
done
cat > "$OUT/VERSIONS.txt" <<TXT
leaflet ${LEAFLET_VERSION} (npm, BSD-2-Clause) — dist/leaflet.js, dist/leaflet.css (no tile layer is ever added)
swagger-ui-dist ${SWAGGER_VERSION} (npm, Apache-2.0) — swagger-ui-bundle.js, swagger-ui.css
TXT
(cd "$OUT" && sha256sum leaflet/* swagger-ui/* > SHA256SUMS)
du -sh "$OUT"
