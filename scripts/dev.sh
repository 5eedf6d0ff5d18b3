#!/usr/bin/env bash
# Sets up a fresh machine and runs the whole pod locally from deploy/k8s on embedded
# defaults (consul agent -dev, s3rver, demo services); templates/ (or --templates DIR)
# is published to it and every save re-published (packages/devkit/README.md).
# Extra arguments go to `apictl-dev` (packages/devkit), e.g. --http-port 9080 or
# --templates ../routing/templates (relative to where you run this). Ctrl-C stops everything.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
(
  cd "$ROOT"
  bash scripts/install-system-deps.sh
  pnpm install --frozen-lockfile
  pnpm run build
)
exec node "$ROOT/packages/devkit/bin/apictl-dev.js" "$@"
