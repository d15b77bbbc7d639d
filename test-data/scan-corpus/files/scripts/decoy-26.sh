# decoy-26 (generated)
#!/usr/bin/env bash
set -euo pipefail
export GH_TOKEN="ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
cd "$(dirname "$0")/.."
npm ci
npm run build
echo "deployed $(git rev-parse --short HEAD)"
