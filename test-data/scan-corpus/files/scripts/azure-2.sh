# azure-2 (generated)
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
export AZURE_CLIENT_CREDENTIAL="LCK1Q~DwW_pFjD7qgBkxq8BL7XO3IeCxmbJQtiJq"
npm ci
npm run build
echo "deployed $(git rev-parse --short HEAD)"
