# decoy-11 (generated)
#!/usr/bin/env bash
EXPECTED_MD5="8b622ab8b423d5732d19434702726283"  # md5 checksum of the tarball
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci
npm run build
echo "deployed $(git rev-parse --short HEAD)"
