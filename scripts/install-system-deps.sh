#!/usr/bin/env bash
# System packages the test suite needs that npm cannot provide: Debian's Chromium for the browser tests
# of @keyward/client, promtool (from Debian's prometheus package) for the metrics lint test, and jq
# for the tests that run the README quickstart and the examples' curl walkthroughs as written.
# Idempotent; skipped when already present.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() { if [ "$updated" = 0 ]; then apt-get update -qq; updated=1; fi; }
root=1; [ "$(id -u)" = "0" ] || root=0

if [ -x /usr/bin/chromium ]; then echo "== chromium present: $(/usr/bin/chromium --version 2>/dev/null || true)"
elif [ "$root" = 0 ]; then echo "== not root: install Debian's chromium yourself (apt-get install -y chromium); browser tests will be skipped" >&2
else
  echo "== installing Debian chromium (apt-get)"
  apt_update
  apt-get install -y -qq chromium >/dev/null
  echo "== chromium installed: $(/usr/bin/chromium --version)"
fi

if command -v jq >/dev/null 2>&1; then echo "== jq present"
elif [ "$root" = 0 ]; then echo "== not root: install jq yourself (apt-get install -y jq); the README quickstart test will fail" >&2
else
  echo "== installing jq (apt-get)"
  apt_update
  apt-get install -y -qq jq >/dev/null
fi

# Only the promtool binary is taken from the package (no Prometheus server or service is installed).
if command -v promtool >/dev/null 2>&1; then echo "== promtool present"
elif [ "$root" = 0 ]; then echo "== not root: install promtool yourself (Debian package prometheus); the metrics lint test will fail" >&2
else
  echo "== installing promtool (from Debian's prometheus package)"
  apt_update
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq prometheus >/dev/null && dpkg -x prometheus_*.deb extracted)
  install -m 0755 "$tmp/extracted/usr/bin/promtool" /usr/local/bin/promtool
  rm -rf "$tmp"
  echo "== promtool installed: $(promtool --version 2>&1 | head -1)"
fi
