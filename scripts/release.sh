#!/usr/bin/env bash
# Builds (when missing), tags and pushes every image to a registry, and prints one line per image:
#   <registry>/api-server/<component>:<tag> <digest>
# Point a cluster at them with an overlay (deploy/k8s/overlays/registry shows one), e.g.
#   cd deploy/k8s/overlays/mine && kustomize edit set image \
#     registry.example.com/api-server/renderer=<registry>/api-server/renderer:<tag> ...
# Usage: scripts/release.sh --registry R [--tag T] [--rebuild]
#   R: host[:port][/path] you can push to (log in first: docker login R). 127.0.0.1:<port> needs no TLS.
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY=""
TAG="$(node -p 'require("./packages/core/package.json").version')"
build_args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --registry) REGISTRY="$2"; shift 2 ;;
    --tag) TAG="$2"; shift 2 ;;
    --rebuild) build_args+=(--rebuild); shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$REGISTRY" ] || { echo "--registry is required" >&2; exit 2; }
[[ "$REGISTRY" =~ ^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$ ]] || { echo "invalid registry: $REGISTRY" >&2; exit 2; }

DOCKER="${DOCKER:-/usr/bin/docker}"
[ -x "$DOCKER" ] || DOCKER=docker
LOCAL=registry.example.com/api-server
# build-images.sh prints "<image> <MB>" per image; it builds only what is missing.
mapfile -t built < <(bash scripts/build-images.sh --tag "$TAG" --prefix "$LOCAL" "${build_args[@]}")
for line in "${built[@]}"; do
  image="${line%% *}"
  component="${image#"$LOCAL/"}"; component="${component%%:*}"
  target="$REGISTRY/api-server/$component:$TAG"
  $DOCKER tag "$image" "$target"
  $DOCKER push -q "$target" >/dev/null
  digest="$($DOCKER image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$target" | grep -F "$REGISTRY/api-server/$component@" | head -1)"
  echo "$target ${digest#*@}"
done
