#!/usr/bin/env bash
# Build a local stand-in for python:3.11-slim-bookworm where no image registry is reachable:
# debootstrap --variant=minbase bookworm + python3 (3.11) + python3-venv + ca-certificates, then docker import.
# The Dockerfile only needs `python3` on PATH with the venv module, as in the official image.
#   deploy/base-image.sh [TAG]      (default local/bookworm-python:3.11; needs root, debootstrap, docker)
set -euo pipefail
TAG=${1:-local/bookworm-python:3.11}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if docker image inspect "$TAG" >/dev/null 2>&1; then echo "$TAG exists"; exit 0; fi
ROOT=$(mktemp -d /tmp/shengqing-base.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >&2
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
chroot "$ROOT" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$ROOT" apt-get install -y -qq --no-install-recommends \
  python3 python3-venv ca-certificates >/dev/null
chroot "$ROOT" apt-get clean
# like the official slim images: no documentation, manual pages or message catalogues, but every
# package's copyright file stays
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT/etc/resolv.conf" \
  "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/usr/share/locale/*
find "$ROOT/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
tar -C "$ROOT" -c . | docker import \
  -c 'ENV LANG=C.UTF-8' -c 'CMD ["python3"]' - "$TAG" >/dev/null
echo "$TAG"
