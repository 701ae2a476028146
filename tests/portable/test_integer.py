"""The int8 layers' products in LiteRT's integer kernels: exact at their worst case, proved before use, and
the same bits as the float32 BLAS products they replace."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from shared_helpers import standard_texts
from shengqing import SynthesisOptions
from shengqing.acoustic import AcousticModel
from shengqing.models.store import ACOUSTIC_FILE, InstalledModel
from shengqing.portable import integer
from shengqing.portable.conv import Weights, dense
from shengqing.runtime import KernelMode


def test_integer_products_are_exact_at_the_worst_case() -> None:
    weights, q = integer.worst_case(48, integer.MAX_TERMS, 150)  # 150 rows: three LiteRT calls of at most 64
    got = integer.IntegerProduct(weights)(q)
    want = q.astype(np.int64) @ weights.astype(np.int64).T
    assert np.abs(want).max() == 128 * 127 * integer.MAX_TERMS and want[2, 0] % 2 == 1
    assert got.dtype == np.float32 and np.array_equal(got.astype(np.int64), want)


def test_the_probe_passes_here_and_rejects_an_inexact_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """On this CPU the integer kernels are used (a silent fallback would only be slower, so it is asserted);
    a kernel that rounds its sums, as a float32 accumulation would, is refused."""
    assert integer.available() and integer._probe()

    def rounding(self: Any, q: np.ndarray, out: np.ndarray) -> None:
        weights = np.frombuffer(self.interpreter.get_tensor(1).tobytes(), np.int8).reshape(out.shape[1], -1)
        out[:] = q @ weights[:, :self.terms].T.astype(np.float32) * np.float32(1 + 2**-23)

    monkeypatch.setattr(integer._Runner, "__call__", rounding)
    assert not integer._probe()


def test_a_layer_uses_them_only_where_proved(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same layer, integer kernels or float32 BLAS (where the probe fails): the same exact sums, the same
    float32 scaling, the same bits; the full-scale rows make every sum an extreme."""
    weights, _ = integer.worst_case(64, 1024, 3)
    rows = np.random.default_rng(4).standard_normal((70, 1024))
    rows[0], rows[1] = 1.0, -1.0
    scale, bias = np.random.default_rng(5).random(64) * 0.01, np.random.default_rng(6).standard_normal(64)
    fast = Weights.prepare(weights, scale, bias, dense=True)
    assert fast.integer is not None
    monkeypatch.setattr(integer, "available", lambda: False)
    blas = Weights.prepare(weights, scale, bias, dense=True)
    assert blas.integer is None and blas.matrix.dtype == np.float32
    assert np.array_equal(dense(rows, fast), dense(rows, blas))
    with pytest.raises(RuntimeError):
        fast.dense_product(rows)  # its matrix keeps only a shape


def test_threads_share_a_bounded_pool_of_interpreters() -> None:
    weights, q = integer.worst_case(256, 512, 90)
    product = integer.IntegerProduct(weights, concurrency=2)
    want = q.astype(np.int64) @ weights.astype(np.int64).T
    inside, peak, lock = [0], [0], threading.Lock()
    run = integer._Runner.__call__

    def counted(self: Any, rows: np.ndarray, out: np.ndarray) -> None:
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        try:
            run(self, rows, out)
        finally:
            with lock:
                inside[0] -= 1

    mp = pytest.MonkeyPatch()
    mp.setattr(integer._Runner, "__call__", counted)
    try:
        with ThreadPoolExecutor(max_workers=5) as pool:
            results = list(pool.map(lambda _: product(q), range(40)))
    finally:
        mp.undo()
    assert all(np.array_equal(r.astype(np.int64), want) for r in results)
    assert product._made <= 2 and peak[0] <= 2
    assert integer.IntegerProduct(weights, concurrency=64)._concurrency == integer.MAX_INTERPRETERS  # memory


@pytest.fixture(scope="module")
def acoustic_bytes(installed_model: InstalledModel) -> bytes:
    return installed_model.read_verified(ACOUSTIC_FILE)


def test_the_voice_is_the_same_bits_with_or_without_them(acoustic_bytes: bytes, engine: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The real acoustic model: every mel, duration and f0 of the first standard lines, integer kernels
    against float32 BLAS for the int8 layers."""
    plans = [p for text in standard_texts()[:4] for p in engine._plan(text, SynthesisOptions(emotion="sad"), None)
             if p.ids.size]
    with_integers = AcousticModel(acoustic_bytes, KernelMode.PORTABLE)
    got = [with_integers.run(p.ids, p.controls) for p in plans]
    layers = [op.prepared["weights"] for op in with_integers._interpreter()[0]._ops if "weights" in op.prepared]
    assert sum(w.integer is not None for w in layers) >= 20
    monkeypatch.setattr(integer, "available", lambda: False)
    without = AcousticModel(acoustic_bytes, KernelMode.PORTABLE)
    for plan, mine in zip(plans, got, strict=True):
        theirs = without.run(plan.ids, plan.controls)
        assert mine.mel.tobytes() == theirs.mel.tobytes()
        assert np.array_equal(mine.durations, theirs.durations) and mine.f0.tobytes() == theirs.f0.tobytes()
    assert all(op.prepared["weights"].integer is None
               for op in without._interpreter()[0]._ops if "weights" in op.prepared)
