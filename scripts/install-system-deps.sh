#!/usr/bin/env bash
# System packages the test suite needs that npm cannot provide: Debian's Chromium for the browser tests
# of @keyward/client. Idempotent; skipped when already present.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo "== chromium present: $(/usr/bin/chromium --version 2>/dev/null || true)"; exit 0; fi
if [ "$(id -u)" != "0" ]; then echo "== not root: install Debian's chromium yourself (apt-get install -y chromium); browser tests will be skipped" >&2; exit 0; fi
echo "== installing Debian chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
echo "== chromium installed: $(/usr/bin/chromium --version)"
