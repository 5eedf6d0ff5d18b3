#!/usr/bin/env bash
# Builds every image from docker/*.Dockerfile, idempotently, and prints one line per image:
#   <image> <size in MB>
# - makes a Docker engine available first (scripts/docker-engine.sh)
# - when the Dockerfiles' base (node:22-bookworm-slim) is missing and Docker Hub does not answer,
#   makes it locally (scripts/base-images.sh): the Dockerfiles stay usable with the official bases
# - skips an image whose tag exists and was built from the same sources (label
#   api-server.source-hash: the build context's files and the Dockerfile), unless --rebuild;
#   tests and CI build once per run and reuse
# Usage: scripts/build-images.sh [--tag T] [--prefix P] [--rebuild] [component...]
#   --tag     image tag (default: the version in packages/core/package.json)
#   --prefix  repository prefix (default registry.example.com/api-server, the name the base
#             manifest uses, so a locally built pod runs the manifest's images unchanged)
# Env: DOCKER (default /usr/bin/docker)
set -euo pipefail
cd "$(dirname "$0")/.."

TAG="$(node -p 'require("./packages/core/package.json").version')"
PREFIX=registry.example.com/api-server
REBUILD=0
components=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --tag) TAG="$2"; shift 2 ;;
    --prefix) PREFIX="$2"; shift 2 ;;
    --rebuild) REBUILD=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) components+=("$1"); shift ;;
  esac
done
# Tags and prefixes end up in docker command lines: accept only what a reference allows.
[[ "$TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "invalid tag: $TAG" >&2; exit 2; }
[[ "$PREFIX" =~ ^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$ ]] || { echo "invalid prefix: $PREFIX" >&2; exit 2; }
if [ "${#components[@]}" -eq 0 ]; then
  for f in docker/*.Dockerfile; do components+=("$(basename "$f" .Dockerfile)"); done
fi

log() { printf '[build-images] %s\n' "$*" >&2; }
bash scripts/docker-engine.sh >/dev/null
DOCKER="${DOCKER:-/usr/bin/docker}"
[ -x "$DOCKER" ] || DOCKER=docker
export DOCKER_BUILDKIT=0

bash scripts/base-images.sh >/dev/null

# What the images are built from (everything COPY takes; .dockerignore drops the rest),
# committed or not: blob ids of tracked files, the uncommitted diff, untracked files.
INPUTS=(package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json packages)
inputs_hash="$( { git ls-files -s -- "${INPUTS[@]}"; git diff HEAD -- "${INPUTS[@]}"; \
  git ls-files -o --exclude-standard -z -- "${INPUTS[@]}" | xargs -0 -r sha256sum; } | sha256sum | cut -c1-16)"

for c in "${components[@]}"; do
  [ -f "docker/$c.Dockerfile" ] || { echo "no docker/$c.Dockerfile" >&2; exit 2; }
  image="$PREFIX/$c:$TAG"
  hash="$(printf '%s %s' "$inputs_hash" "$(sha256sum <"docker/$c.Dockerfile")" | sha256sum | cut -c1-16)"
  have="$($DOCKER image inspect -f '{{index .Config.Labels "api-server.source-hash"}}' "$image" 2>/dev/null || true)"
  if [ "$REBUILD" -eq 0 ] && [ "$have" = "$hash" ]; then
    log "$image is up to date (sources $hash)"
  else
    log "building $image (sources $hash)"
    start=$SECONDS
    # The classic builder ignores the '# syntax=' line (BuildKit would pull a frontend image).
    # An engine restarted under the build (other jobs on a shared machine may restart it)
    # cuts the connection: wait for it again and retry, twice at most.
    for attempt in 1 2 3; do
      if $DOCKER build -q -f "docker/$c.Dockerfile" --label "api-server.source-hash=$hash" -t "$image" . >"/tmp/build-images-$c.log" 2>&1; then
        break
      fi
      if [ "$attempt" -lt 3 ] && grep -qE 'error during connect|Cannot connect to the Docker daemon' "/tmp/build-images-$c.log"; then
        log "the engine went away during the build of $image; retrying"
        sleep 3
        bash scripts/docker-engine.sh >/dev/null
        continue
      fi
      log "build of $image failed; last lines of /tmp/build-images-$c.log:"
      tail -30 "/tmp/build-images-$c.log" >&2
      exit 1
    done
    log "built $image in $((SECONDS - start)) s"
  fi
  bytes="$($DOCKER image inspect -f '{{.Size}}' "$image")"
  echo "$image $((bytes / 1000000))"
done
# Images these builds replaced (untagged, ours by the label) would pile up on a CI disk.
$DOCKER image prune -f --filter label=api-server.source-hash >/dev/null 2>&1 || true
