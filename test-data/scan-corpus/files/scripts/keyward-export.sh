# keyward-export (generated)
#!/usr/bin/env bash
set -euo pipefail
export KEYWARD_EXPORT_KEY="kw_ek_live_JREVvWtYeUjcPbllv07PtFWHFUMCOjJY1c8sSl"
cd "$(dirname "$0")/.."
npm ci
npm run build
echo "deployed $(git rev-parse --short HEAD)"
