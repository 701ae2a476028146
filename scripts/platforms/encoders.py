"""Encode one int16 PCM signal (a ``.npy`` file) to every format and print the sha256s as JSON.

Run it natively and on an emulated platform with the same input to see whether the encoders (libsndfile's
FLAC, LAME, libopus) give the same bytes there, without re-synthesizing under emulation::

    PYTHONPATH=src .venv/bin/python scripts/platforms/encoders.py OUT/first.npy
    OPENBLAS_CORETYPE=Haswell PYTHONPATH=src qemu-x86_64-static -cpu Haswell .venv/bin/python \\
        scripts/platforms/encoders.py OUT/first.npy

    scripts/platforms/arm64-run.sh . ~/.cache/shengqing OUT -- /mnt/shengqing-src/scripts/platforms/encoders.py \\
        /mnt/out/first.npy

(OPENBLAS_CORETYPE names the emulated model's kernels: OpenBLAS's own detection may see the host's CPU.)
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys

import numpy as np

from shengqing.audio import encode


def main() -> None:
    samples = np.load(sys.argv[1])
    out = {"machine": platform.machine(), "pcm": hashlib.sha256(samples.astype("<i2").tobytes()).hexdigest()}
    for fmt in ("wav", "flac", "mp3", "opus"):
        out[fmt] = hashlib.sha256(encode(samples, fmt)).hexdigest()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
