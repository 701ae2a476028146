#!/usr/bin/env bash
# Run a command with the arm64 root's Python, the source tree under test and the model home mounted in.
#
#   scripts/platforms/arm64-run.sh REPO MODEL_HOME OUT_DIR -- ARGS...
#
# Inside: REPO is /mnt/shengqing-src (read-only, on PYTHONPATH), MODEL_HOME is /mnt/shengqing-home
# (read-only, $SHENGQING_HOME), OUT_DIR is /mnt/out (writable); ARGS run as `/opt/shengqing-venv/bin/python ARGS`
# with a clean environment plus SHENGQING_KERNELS, SHENGQING_THREADS, QEMU_CPU and OPENBLAS_CORETYPE when set. Mounts are undone on exit.
set -euo pipefail
REPO=$(cd "$1" && pwd); HOME_DIR=$(cd "$2" && pwd); OUT=$(mkdir -p "$3" && cd "$3" && pwd); shift 3
[ "${1:-}" = "--" ] && shift
ROOT=${SHENGQING_PLATFORMS_CACHE:-/var/cache/shengqing-platforms}/arm64/root
[ -x "$ROOT/opt/shengqing-venv/bin/python" ] || { echo "no arm64 root: run scripts/platforms/arm64-root.sh" >&2; exit 3; }
. "$(dirname "$0")/mounts.sh"
mkdir -p "$(dirname "$ROOT")"
exec 9>"$(dirname "$ROOT")/.lock"  # one build or run at a time: they share the root, its mounts and /mnt/out
flock 9
trap 'unmount_all "$ROOT"' EXIT
mount_system "$ROOT"
mount_bind "$ROOT" "$REPO" /mnt/shengqing-src ro
mount_bind "$ROOT" "$HOME_DIR" /mnt/shengqing-home ro
mount_bind "$ROOT" "$OUT" /mnt/out
env=(env -i PATH=/opt/shengqing-venv/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 PYTHONPATH=/mnt/shengqing-src/src
     PYTHONDONTWRITEBYTECODE=1 SHENGQING_HOME=/mnt/shengqing-home SHENGQING_CACHE=/tmp/shengqing-cache)
[ -n "${SHENGQING_KERNELS:-}" ] && env+=("SHENGQING_KERNELS=$SHENGQING_KERNELS")
[ -n "${SHENGQING_THREADS:-}" ] && env+=("SHENGQING_THREADS=$SHENGQING_THREADS")
# the CPU model qemu-aarch64 emulates (binfmt starts a fresh qemu for every exec, so it must survive `env -i`)
[ -n "${QEMU_CPU:-}" ] && env+=("QEMU_CPU=$QEMU_CPU")
[ -n "${OPENBLAS_CORETYPE:-}" ] && env+=("OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE")
cd /
chroot "$ROOT" "${env[@]}" /opt/shengqing-venv/bin/python "$@"
