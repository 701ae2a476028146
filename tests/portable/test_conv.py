"""Exactness of the layer products at their worst case, not just on typical activations."""

from __future__ import annotations

import numpy as np

from shengqing.portable import numerics as nm
from shengqing.portable.conv import Weights, conv1d, dense


def test_int8_products_are_exact_at_the_worst_case() -> None:
    """Full-scale int8 weights against full-scale activations over 1,024 channels: every sum is far above
    float32's 2^24, so only the chunked contraction keeps it exact."""
    cin, cout = 1024, 8
    weights = np.full((cout, cin), 127, np.int8)
    weights[1::2] = -127
    layer = Weights.prepare(weights, np.array([1.0]), None, dense=True)
    rows = np.full((3, cin), 511 / 512)  # on the grid 2^-9: q = 511 (odd), sums of 1,023 odd products
    rows[1] = -rows[1]
    rows[:, 0] = 0.0
    got = dense(rows, layer)
    snapped = nm.snap(rows, axis=1, bits=layer.activation_bits)
    exact = (snapped @ weights.astype(np.float64).T)  # float64: sums below 2^53, exact
    assert np.array_equal(got, exact)
    grid = 2.0 ** (int(np.frexp(511 / 512)[1]) - layer.activation_bits)  # the rows' snapping grid
    sums = np.abs(exact) / grid
    assert np.max(sums) > 2**24 and np.all(sums % 2 == 1)  # odd integers beyond float32's exact range


def test_convolution_equals_its_definition() -> None:
    rng = np.random.default_rng(5)
    cin, cout, taps, dilation, length = 6, 5, 3, 2, 40
    values = rng.standard_normal((cout, taps, cin))
    values[:2, 0, :] = 0.0  # a tap with left-out rows
    bias = rng.standard_normal(cout)
    layer = Weights.prepare(values, None, bias, dense=False, dilation=dilation, same=True)
    x = rng.standard_normal((cin, length))
    got = conv1d(x, layer)
    pad = (taps - 1) * dilation
    padded = np.pad(x, ((0, 0), (pad // 2, pad - pad // 2)))
    want = sum(values[:, k, :] @ padded[:, k * dilation:k * dilation + length] for k in range(taps)) + bias[:, None]
    assert got.shape == (cout, length)
    assert np.max(np.abs(got - want)) < 1e-5 * np.max(np.abs(want))
