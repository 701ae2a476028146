#!/usr/bin/env bash
# Rebuild src/shengqing/data/opus.wasm: libopus 1.3.1 (Debian's source tarball, sha256-checked) in fixed point,
# no intrinsics, for wasm32, plus the small C shim next to this script. Needs Debian's clang, lld, wasi-libc
# and libclang-rt-dev-wasm32 (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32).
#   scripts/opus_wasm/build.sh [OUT]      (OUT defaults to src/shengqing/data/opus.wasm)
# The same clang gives the same bytes: tests/test_opus_build.py rebuilds and compares (pytest -m heavy).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/src/shengqing/data/opus.wasm}
url=http://deb.debian.org/debian/pool/main/o/opus/opus_1.3.1.orig.tar.gz
sha=65b58e1e25b2a114157014736a3d9dfeaad8d41be1c8179866f144a2fb44ff9d
cache=${XDG_CACHE_HOME:-$HOME/.cache}/shengqing/opus-source
mkdir -p "$cache"
tarball=$cache/opus_1.3.1.orig.tar.gz
if [ ! -f "$tarball" ]; then curl -sSfL -o "$tarball.part" "$url" && mv "$tarball.part" "$tarball"; fi
echo "$sha  $tarball" | sha256sum -c --quiet -
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xzf "$tarball" -C "$work"
cd "$work/opus-1.3.1"
# the sources the upstream Makefile builds for a fixed-point library without SIMD or the float API
sources=$(python3 - <<'PY'
import re
def listed(path, name):
    text = open(path).read().replace("\\\n", " ")
    return re.search(rf"^{name}\s*=(.*)$", text, re.M).group(1).split()
print(" ".join(listed("celt_sources.mk", "CELT_SOURCES") + listed("silk_sources.mk", "SILK_SOURCES")
               + listed("silk_sources.mk", "SILK_SOURCES_FIXED") + listed("opus_sources.mk", "OPUS_SOURCES")))
PY
)
exports=sq_encoder_new,sq_encoder_lookahead,sq_encode,sq_encoder_free,sq_version,sq_alloc,sq_free
# -ffile-prefix-map: the temporary directory's name must not reach the binary
clang --target=wasm32-wasi -O2 -ffile-prefix-map="$work"=. \
  -DFIXED_POINT=1 -DDISABLE_FLOAT_API -DOPUS_BUILD -DHAVE_LRINTF -DVAR_ARRAYS \
  -DPACKAGE_VERSION='"1.3.1-shengqing"' -Iinclude -Icelt -Isilk -Isilk/fixed \
  -nostartfiles -Wl,--no-entry -Wl,--strip-all -Wl,--export="${exports//,/,--export=}" \
  $sources "$here/shengqing_opus.c" -o "$work/opus.wasm" 2> >(grep -v -e 'warning:' -e '^ ' -e '^[0-9]* warnings\? generated' >&2 || true)
mv "$work/opus.wasm" "$out"
sha256sum "$out"
