#!/usr/bin/env bash
# Installs the real components the pipeline runs against, idempotently:
#   - HAProxy 2.6 and promtool (Debian bookworm packages, system-wide)
#   - Consul 1.8 (Debian bullseye package, unpacked into tools/ which git ignores;
#     the machine's own apt state is not touched for this)
#   - pnpm (npm registry; corepack's signature check fails against some mirrors)
# Usage: scripts/install-system-deps.sh      (safe to run again: skips what is there)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
PNPM_VERSION="${PNPM_VERSION:-10.20.0}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { printf '[install-system-deps] %s\n' "$*" >&2; }

apt_updated=""
apt_update_once() {
  if [ -z "$apt_updated" ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
}

# HAProxy 2.6 and promtool from the machine's own Debian suite.
if ! command -v haproxy >/dev/null 2>&1; then
  log "installing haproxy"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy >/dev/null
fi
if ! command -v promtool >/dev/null 2>&1; then
  log "installing promtool (prometheus)"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# The Debian package may start nothing here (no systemd), but stop it if it did.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  $SUDO systemctl stop prometheus || true
fi

# Consul: not in bookworm; bullseye ships 1.8.x as a static binary. Use a private apt
# state so the machine's sources stay as they are.
if [ ! -x "$tools/consul" ]; then
  log "fetching consul from the bullseye suite"
  work="$tools/.apt-consul"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$tools"
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  if [ -z "$mirror" ]; then
    mirror="$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
  fi
  mirror="${mirror:-http://deb.debian.org/debian}"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bullseye main" >"$work/sources.list"
  aptopts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1")
  apt-get "${aptopts[@]}" update -qq
  (cd "$work" && apt-get "${aptopts[@]}" download consul >/dev/null)
  deb="$(ls "$work"/consul_*.deb | head -1)"
  dpkg -x "$deb" "$work/unpacked"
  cp "$work/unpacked/usr/bin/consul" "$tools/consul"
  chmod +x "$tools/consul"
  rm -rf "$work"
fi

if ! command -v pnpm >/dev/null 2>&1; then
  log "installing pnpm@$PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null
fi

log "haproxy: $(haproxy -v | head -1)"
log "consul:  $("$tools/consul" version | head -1)"
log "promtool: $(promtool --version 2>&1 | head -1)"
log "pnpm:    $(pnpm --version)"

# A container engine for the registrator's tests (Debian's docker.io, started by hand; idempotent).
log "docker:  $(bash "$root/scripts/docker-engine.sh")"
