"""The portable arithmetic: exact products whatever the summation order, portable elementwise functions.

A different CPU, BLAS build or thread split changes the order (and blocking, and fused multiply-adds) of a
product's partial sums. ``reordered_matmul`` simulates that here: it cuts the contracted axis into blocks and
adds their products in reverse, with float32→float64 promotion like a mixed-precision kernel would. The
portable products must not see the difference, bit for bit; plain float products do.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from shengqing.portable import numerics as nm


def reordered_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` summed in another order: blocks of the contracted axis, last block first."""
    k = a.shape[-1]
    bounds = sorted({0, k // 3, (2 * k) // 3 + 1, k})
    blocks = [np.matmul(np.asarray(a[..., lo:hi], np.float64), np.asarray(b[..., lo:hi, :], np.float64))
              for lo, hi in itertools.pairwise(bounds) if hi > lo]
    out = blocks[-1].copy()
    for block in reversed(blocks[:-1]):
        out += block
    return out


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


def test_exact_matmul_is_independent_of_summation_order(rng: np.random.Generator,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    a = rng.standard_normal((37, 1024)) * np.exp(rng.uniform(-8, 8, (37, 1)))
    b = rng.standard_normal((1024, 29)) * 3.7
    plain = nm.exact_matmul(a, b)
    monkeypatch.setattr(nm, "matmul", reordered_matmul)
    assert nm.exact_matmul(a, b).tobytes() == plain.tobytes()
    # the same reordering does change a plain float product: the test can tell
    assert reordered_matmul(a, b).tobytes() != np.matmul(a, b).tobytes()


def test_exact_matmul_is_accurate(rng: np.random.Generator) -> None:
    a = rng.standard_normal((20, 300))
    b = rng.standard_normal((300, 10))
    exact = nm.exact_matmul(a, b)
    assert np.max(np.abs(exact - a @ b)) < 1e-4 * np.max(np.abs(a @ b))


def test_snap_keeps_the_bits_it_promises(rng: np.random.Generator) -> None:
    x = rng.standard_normal((5, 64)) * np.array([[1e-3], [1.0], [1e3], [0.0], [7.0]])
    snapped = nm.snap(x, axis=1, bits=12)
    assert not snapped[3].any()
    for row, original in zip(snapped[[0, 1, 2, 4]], x[[0, 1, 2, 4]], strict=True):
        _, exponent = np.frexp(np.max(np.abs(original)))
        grid = 2.0 ** (int(exponent) - 12)
        assert np.all(np.abs(row / grid) < 2**12 + 1)
        assert np.array_equal(row / grid, np.rint(row / grid))  # integers on the row's grid
        assert np.max(np.abs(row - original)) <= grid / 2


def tree_sum(values: list[float]) -> float:
    """The documented order: add the second half onto the first (zero-padded to even), repeat."""
    while len(values) > 1:
        if len(values) % 2:
            values = [*values, 0.0]
        half = len(values) // 2
        values = [values[i] + values[half + i] for i in range(half)]
    return values[0] if values else 0.0


def test_ordered_sum_is_a_fixed_tree(rng: np.random.Generator) -> None:
    for n in (1, 2, 5, 80, 255, 256, 1000):
        values = rng.standard_normal(n) * np.exp(rng.uniform(-20, 20, n))
        assert nm.ordered_sum(values) == tree_sum(values.tolist())
    assert nm.ordered_sum(np.zeros((2, 0)), axis=1).tolist() == [0.0, 0.0]
    x = np.arange(24.0).reshape(2, 3, 4)
    assert np.array_equal(nm.ordered_sum(x, axis=1), x.sum(axis=1))


@pytest.mark.parametrize(("fn", "reference", "lo", "hi", "tolerance"), [
    (nm.exp, np.exp, -30.0, 30.0, 1e-12),
    (nm.log, np.log, 1e-6, 1e6, 1e-14),
    (nm.tanh, np.tanh, -20.0, 20.0, 2e-12),
    (nm.cos, np.cos, -50.0, 50.0, 1e-12),
])
def test_elementwise_functions_are_accurate(fn: object, reference: object, lo: float, hi: float,
                                            tolerance: float) -> None:
    x = np.linspace(lo, hi, 10001)
    got, want = fn(x), reference(x)  # type: ignore[operator]
    assert np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-3)) < tolerance


def test_mish_matches_its_definition() -> None:
    x = np.linspace(-30, 40, 7001)
    want = x * np.tanh(np.log1p(np.exp(np.minimum(x, 30))))
    assert np.max(np.abs(nm.mish(x) - want)) < 1e-12 * 40


def test_special_values() -> None:
    assert nm.log(np.array([0.0]))[0] == -math.inf
    assert math.isnan(nm.log(np.array([-1.0]))[0])
    assert nm.exp(np.array([-1e9]))[0] == 0.0
    assert nm.power(2.0, 0.5) == pytest.approx(math.sqrt(2.0), rel=1e-14)


@pytest.mark.parametrize("fn", [nm.exp, nm.tanh, nm.mish])
def test_blocked_evaluation_gives_each_element_its_own_value(fn: object, rng: np.random.Generator) -> None:
    """Long arrays are evaluated in cache-sized blocks; every element must come out as it does alone, in
    place, whatever the shape (non-contiguous input included) and wherever the block edges fall."""
    x = rng.normal(0.0, 8.0, (3, 7001))[:, ::2]  # 10,503 elements: past one block, not a multiple of it
    x[0, :5] = [-1e9, 0.0, 25.0, -0.0, 700.0]
    got = fn(x)  # type: ignore[operator]
    assert got.shape == x.shape and got.dtype == np.float64
    alone = np.array([fn(np.array([v]))[0] for v in x.reshape(-1)]).reshape(x.shape)  # type: ignore[operator]
    assert np.array_equal(got, alone)
