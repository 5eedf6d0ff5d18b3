#!/usr/bin/env bash
# Makes the base image the Dockerfiles name (node:22-bookworm-slim) available, idempotently.
# - present already (pulled or made before): nothing to do (the engine's image store is the cache)
# - Docker Hub answers: pull the official image
# - otherwise (no registry reachable, as on our CI machines) make it locally:
#     local/debian:bookworm   debootstrap --variant=minbase of bookworm from the host's mirror,
#                             with the host's apt sources
#     node:22-bookworm-slim   local/debian:bookworm + the HOST's node binary and npm (whatever
#                             version the host runs: Node 20 on our machines, not 22) + the host's CA
#                             bundle as NODE_EXTRA_CA_CERTS (the npm registry is reached through a
#                             TLS proxy only the host's bundle trusts)
# Prints the base image name. Env: NODE_BASE_IMAGE (default node:22-bookworm-slim), DOCKER.
set -euo pipefail

NODE_BASE="${NODE_BASE_IMAGE:-node:22-bookworm-slim}"
DEBIAN_BASE=local/debian:bookworm
DOCKER="${DOCKER:-/usr/bin/docker}"
[ -x "$DOCKER" ] || DOCKER=docker
export DOCKER_BUILDKIT=0
log() { printf '[base-images] %s\n' "$*" >&2; }
have() { $DOCKER image inspect "$1" >/dev/null 2>&1; }

if have "$NODE_BASE"; then echo "$NODE_BASE"; exit 0; fi

# Any HTTP answer (401 included) means the registry is reachable; 000 means it is not.
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 https://registry-1.docker.io/v2/ || true)"
if [ "$code" != "000" ] && timeout 300 $DOCKER pull -q "$NODE_BASE" >/dev/null 2>&1; then
  echo "$NODE_BASE"; exit 0
fi
log "no registry: making $NODE_BASE locally from the host's node $(node -v)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! have "$DEBIAN_BASE"; then
  command -v debootstrap >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  log "debootstrap bookworm from $mirror (about a minute)"
  debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # The host's sources (security updates included) so 'apt-get install' in a Dockerfile works.
  rm -f "$work/root/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources "$work/root/etc/apt/sources.list.d/" 2>/dev/null || true
  # Slim like the official -slim images: no apt lists, caches, docs or man pages.
  rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb \
    "$work/root/usr/share/doc/"* "$work/root/usr/share/man/"* "$work/root/usr/share/info/"*
  tar -C "$work/root" -c . | $DOCKER import - "$DEBIAN_BASE" >/dev/null
  rm -rf "$work/root"
fi

ctx="$work/node"
mkdir -p "$ctx"
cp "$(command -v node)" "$ctx/node"
cp -a "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$ctx/npm"
cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_BASE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
EOF
$DOCKER build -q -t "$NODE_BASE" "$ctx" >/dev/null
echo "$NODE_BASE"
