#!/usr/bin/env bash
# Makes a Docker engine available on this machine, idempotently, and prints its socket:
#   - installs Debian's docker.io (20.10) and busybox-static when missing
#   - starts dockerd by hand when it does not answer (no systemd on CI machines),
#     removing the pid files a SIGKILLed engine leaves behind
#   - imports local/busybox:test (no registry is reachable: the test image is made locally)
# Usage: scripts/docker-engine.sh            -> prints unix:///var/run/docker.sock
# Env:   DOCKER_ENGINE_LOG (default /var/log/dockerd.log)
set -euo pipefail

SOCK=/var/run/docker.sock
PIDFILE=/var/run/dockerd-api-server.pid
LOG="${DOCKER_ENGINE_LOG:-/var/log/dockerd.log}"
IMAGE=local/busybox:test
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { printf '[docker-engine] %s\n' "$*" >&2; }
ping() { curl -sf --max-time 2 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
# The image is a bare busybox: it must be the static build (Debian's busybox package is dynamic).
static_busybox() { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 && /bin/busybox --list 2>/dev/null | grep -x httpd >/dev/null; }
static_busybox || missing+=(busybox-static)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! ping; then
  # A SIGKILLed engine leaves pid files that make the next dockerd/containerd refuse to start.
  for f in "$PIDFILE" /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
    if [ -f "$f" ] && ! kill -0 "$(cat "$f" 2>/dev/null)" 2>/dev/null; then $SUDO rm -f "$f"; fi
  done
  log "starting dockerd (log: $LOG)"
  $SUDO bash -c "nohup dockerd --storage-driver=overlay2 --pidfile '$PIDFILE' >>'$LOG' 2>&1 </dev/null &"
  for _ in $(seq 1 150); do
    ping && break
    sleep 0.2
  done
  ping || { log "dockerd did not answer on $SOCK; last log lines:"; tail -20 "$LOG" >&2; exit 1; }
fi

# Debian's client speaks the classic builder without buildx; prefer it over any other docker on PATH.
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=docker
if ! $DOCKER image inspect "$IMAGE" >/dev/null 2>&1; then
  log "importing $IMAGE"
  dir="$(mktemp -d)"
  mkdir -p "$dir/bin" "$dir/www" "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for app in sh httpd sleep cat echo nc wget ls; do ln -s busybox "$dir/bin/$app"; done
  echo ok >"$dir/www/index.html"
  tar -C "$dir" -c . | $DOCKER import - "$IMAGE" >/dev/null
  rm -rf "$dir"
fi

echo "unix://$SOCK"
