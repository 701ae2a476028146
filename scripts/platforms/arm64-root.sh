#!/usr/bin/env bash
# Build (or reuse) a Debian bookworm linux/arm64 root with Python 3.11 and a venv holding shengqing's
# dependencies, for running the project under qemu-aarch64-static. Idempotent: each step leaves a stamp,
# and the venv is rebuilt only when the lock (or pyproject.toml, while there is no lock) changes.
#
#   scripts/platforms/arm64-root.sh [REPO]        REPO = the source tree whose dependencies to install (default .)
#
# Layout: $SHENGQING_PLATFORMS_CACHE (default /var/cache/shengqing-platforms)/arm64/{root,stamps}; the venv is
# /opt/shengqing-venv inside the root. Needs root, debootstrap, qemu-user-static and binfmt_misc.
set -euo pipefail
REPO=$(cd "${1:-.}" && pwd)
CACHE=${SHENGQING_PLATFORMS_CACHE:-/var/cache/shengqing-platforms}
ROOT=$CACHE/arm64/root
STAMPS=$CACHE/arm64/stamps
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mounts.sh
. "$HERE/mounts.sh"
log() { printf '[arm64-root] %s\n' "$*" >&2; }

debian_mirror() {  # the host's Debian mirror (deb822 .sources or a classic sources.list line)
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
                         | awk '{print $2}' | grep debian | grep -v security | head -1)
  echo "${uri:-http://deb.debian.org/debian}"
}

mkdir -p "$STAMPS"
exec 9>"$(dirname "$ROOT")/.lock"  # one build or run at a time: they share the root, its mounts and /mnt/out
flock 9
if [ ! -f "$STAMPS/base" ]; then
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  mirror=$(debian_mirror)
  log "debootstrap bookworm arm64 from $mirror into $ROOT (first stage)"
  unmount_all "$ROOT"
  if grep -q " $ROOT/" /proc/mounts; then  # never rm -rf through a bind mount of /dev or a source tree
    log "something is still mounted under $ROOT (see /proc/mounts): unmount it first"; exit 1
  fi
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  debootstrap --arch=arm64 --foreign bookworm "$ROOT" "$mirror" >&2
  cp /usr/bin/qemu-aarch64-static "$ROOT/usr/bin/"
  log "second stage (emulated; several minutes)"
  chroot "$ROOT" /debootstrap/debootstrap --second-stage >&2
  touch "$STAMPS/base"
fi

trap 'unmount_all "$ROOT"' EXIT
mount_system "$ROOT"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# this machine's CA bundle, for pip behind a TLS-inspecting proxy; copied per run, removed afterwards
CA=${PIP_CERT:-${SSL_CERT_FILE:-}}
pip_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1)
if [ -n "$CA" ] && [ -f "$CA" ]; then
  cp "$CA" "$ROOT/tmp/host-ca.pem"
  pip_env+=(PIP_CERT=/tmp/host-ca.pem SSL_CERT_FILE=/tmp/host-ca.pem)
fi

if [ ! -f "$STAMPS/python" ]; then
  log "apt-get install python3.11 python3.11-venv (emulated)"
  chroot "$ROOT" "${pip_env[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  chroot "$ROOT" "${pip_env[@]}" DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends python3.11 python3.11-venv ca-certificates >&2
  touch "$STAMPS/python"
fi

LOCK=$REPO/requirements/runtime.lock.txt
if [ -f "$LOCK" ]; then key=lock-$(sha256sum "$LOCK" | cut -c1-16); else key=pyproject-$(sha256sum "$REPO/pyproject.toml" | cut -c1-16); fi
if [ "$(cat "$STAMPS/venv" 2>/dev/null)" != "$key" ]; then
  log "venv /opt/shengqing-venv ($key; pip under emulation, several minutes)"
  rm -rf "$ROOT/opt/shengqing-venv" "$ROOT/tmp/shengqing-src"
  mkdir -p "$ROOT/tmp/shengqing-src"
  # a copy, not the tree itself: pip builds in place and would leave build/ and *.egg-info behind
  cp -r "$REPO/pyproject.toml" "$REPO/README.md" "$REPO/src" "$ROOT/tmp/shengqing-src/"
  [ -d "$REPO/requirements" ] && cp -r "$REPO/requirements" "$ROOT/tmp/shengqing-src/"
  chroot "$ROOT" "${pip_env[@]}" python3.11 -m venv /opt/shengqing-venv
  pip=(chroot "$ROOT" "${pip_env[@]}" /opt/shengqing-venv/bin/python -m pip install -q)
  if [ -f "$LOCK" ]; then
    "${pip[@]}" -r /tmp/shengqing-src/requirements/runtime.lock.txt >&2
  else
    log "no requirements/runtime.lock.txt in $REPO: resolving from pyproject.toml instead"
    "${pip[@]}" /tmp/shengqing-src >&2
  fi
  "${pip[@]}" --no-deps /tmp/shengqing-src >&2
  rm -rf "$ROOT/tmp/shengqing-src"
  echo "$key" > "$STAMPS/venv"
fi
rm -f "$ROOT/tmp/host-ca.pem"
chroot "$ROOT" /opt/shengqing-venv/bin/python -c 'import platform, numpy, ai_edge_litert, soundfile; print("arm64 root ready:", platform.machine(), "numpy", numpy.__version__)' >&2
