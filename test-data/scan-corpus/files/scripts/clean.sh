# clean (generated)
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci
npm run build
echo "deployed $(git rev-parse --short HEAD)"
