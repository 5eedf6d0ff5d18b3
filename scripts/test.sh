#!/usr/bin/env bash
# Installs everything a fresh machine needs, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
pnpm install --frozen-lockfile
pnpm run build
npx tsc -p tsconfig.test.json
npx vitest run
