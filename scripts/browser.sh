#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/test_web_browser.py) and the steering PDF
# (printed by chromium), and poppler-utils (pdftotext, pdfinfo: the PDF's contents and its tests), when missing.
# Playwright drives this system browser (explicit executable path): it never downloads one.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
if ! command -v pdftotext >/dev/null || ! command -v pdfinfo >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends poppler-utils >&2
fi
