# npm-2 (generated)
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci
npm run build
export NPM_PUBLISH="npm_HIOfkg2LO0L5QEdpkbOlRd9AuRkb3tSazR4e"
echo "deployed $(git rev-parse --short HEAD)"
