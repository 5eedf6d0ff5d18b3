#!/usr/bin/env bash
# Sets up a fresh machine and runs the whole pod locally from deploy/k8s on embedded
# defaults (consul agent -dev, s3rver seeded from templates/, demo services).
# Extra arguments go to `apictl-dev` (packages/devkit) (e.g. --http-port 9080). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
pnpm install --frozen-lockfile
pnpm run build
exec node packages/devkit/dist/main.js "$@"
