"""Exactness of the layer products at their worst case, not just on typical activations."""

from __future__ import annotations

import numpy as np
import pytest

from shengqing.portable.conv import Weights, conv1d, conv1d_rows, dense, quantize_int8


def dynamic_int8(x: np.ndarray, *, per_row: bool) -> tuple[np.ndarray, np.ndarray]:
    """The quantized activations less their zero point (integers in [-255, 255]) and the scale."""
    q, zero_point, scale = quantize_int8(x, per_row=per_row)
    return q - zero_point, scale


def test_int8_products_are_exact_at_the_worst_case() -> None:
    """Full-scale int8 weights against full-scale quantized activations over 1,024 channels: every sum is
    far above float32's 2^24, so only the chunked contraction keeps it exact."""
    cin, cout = 1024, 8
    weights = np.full((cout, cin), 127, np.int8)
    weights[1::2] = -127
    layer = Weights.prepare(weights, np.array([1.0]), None, dense=True)
    rows = np.ones((3, cin))  # a row of one sign quantizes to q - zero point = ±255, the extremes
    rows[1] = -rows[1]
    rows[:, 0] = 0.0  # quantizes to exactly 0
    integers, scale = dynamic_int8(rows, per_row=True)
    assert np.array_equal(integers[:, 1:], np.sign(rows[:, 1:]) * 255) and not integers[:, 0].any()
    sums = layer.dense_product(integers)
    exact = integers.astype(np.int64) @ weights.astype(np.int64).T
    assert np.array_equal(sums, exact)
    assert np.max(np.abs(exact)) > 2**24 and np.all(exact % 2 == 1)  # odd integers beyond float32's range
    # then float32: the sums times the row's scale times the weights' scale (XNNPACK's order)
    want = (exact.astype(np.float32) * scale).astype(np.float64)
    assert np.array_equal(dense(rows, layer), want)


def _xnnpack_row(row: np.ndarray) -> tuple[list[int], float]:
    """XNNPACK's qd8 quantization of one row, element by element in float32 scalars (the reference)."""
    f = np.float32
    low, high = min(f(0), f(row.min())), max(f(0), f(row.max()))
    multiplier = f(1) if low == high else f(255) / (high - low)
    low_scaled, high_scaled = low * multiplier, high * multiplier
    nearer_low = (f(-128) + low_scaled) + (f(127) + high_scaled) > 0
    zero = f(-128) - low_scaled if nearer_low else f(127) - high_scaled
    zero_point = int(np.rint(min(max(zero, f(-128)), f(127))))
    scale = f(1) / multiplier
    inverse = f(1) / scale
    return [min(max(int(np.rint(f(v) * inverse)) + zero_point, -128), 127) - zero_point for v in row], float(scale)


def test_dynamic_int8_is_xnnpacks_quantization() -> None:
    rng = np.random.default_rng(11)
    rows = [rng.standard_normal(40), rng.random(40) * 3, -rng.random(40), np.zeros(40), np.full(40, 2.5),
            rng.standard_normal(40) * 1e-6, rng.standard_normal(40) * 1e4, np.array([-1.0, 1.0, 0.0, 0.5])]
    for row in rows:
        integers, scale = dynamic_int8(row[None], per_row=True)
        want, want_scale = _xnnpack_row(row.astype(np.float32))
        assert integers.tolist() == [want] and float(scale[0, 0]) == want_scale, row[:4]
        assert np.max(np.abs(integers)) <= 255
    # [-1, 1] spans 255 steps: the zero point is rint(-0.5) = 0, and the multiplier, the reciprocal of the
    # rounded scale 1/127.5, is 127.49999 (not 127.5): ±1 land on ±127, not on -128
    assert dynamic_int8(np.array([[-1.0, 1.0, 0.0]]), per_row=True)[0].tolist() == [[-127, 127, 0]]
    # per row vs the whole array at one scale
    both = np.stack([rows[0], rows[1]])
    per_row = dynamic_int8(both, per_row=True)[0]
    whole = dynamic_int8(both, per_row=False)[0]
    assert np.array_equal(per_row[1], dynamic_int8(rows[1][None], per_row=True)[0][0])
    assert whole.shape == both.shape and not np.array_equal(whole, per_row)


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


def test_int8_convolution_layouts_agree() -> None:
    """Channel-major and position-major int8 convolutions quantize the whole input at one scale, so they
    reach the same integers, the same exact sums and the same float32 scaling."""
    rng = np.random.default_rng(7)
    cin, cout, taps, dilation, length = 12, 5, 3, 2, 30
    values = rng.integers(-127, 128, (cout, taps, cin)).astype(np.int8)
    layer = Weights.prepare(values, rng.random(cout) * 0.01, rng.standard_normal(cout), dense=False,
                            dilation=dilation, same=True)
    x = rng.standard_normal((cin, length))
    channel_major = conv1d(x, layer)
    assert np.array_equal(channel_major, conv1d_rows(x.T, layer).T)
    integers, scale = dynamic_int8(x, per_row=False)
    pad = (taps - 1) * dilation
    padded = np.pad(integers.astype(np.int64), ((0, 0), (pad // 2, pad - pad // 2)))
    sums = sum(values[:, k, :].astype(np.int64) @ padded[:, k * dilation:k * dilation + length] for k in range(taps))
    want = sums.astype(np.float32) * scale
    want *= layer.post_scale.astype(np.float32)
    want += layer.bias.astype(np.float32)
    assert np.array_equal(channel_major, want.astype(np.float64))


def test_single_precision_products_are_exact_at_the_worst_case(monkeypatch: pytest.MonkeyPatch) -> None:
    """The vocoder's layers: 8-bit weights against 8-bit activations, 384 input channels. At full scale the
    whole contraction sums to an odd integer above 2^24, which float32 cannot hold; cut into chunks of 256
    terms, every GEMM's result is exact (so no BLAS can round it differently), and the chunks add in
    float32 in a fixed order."""
    from shengqing.portable import numerics as nm

    cin, cout = 384, 3
    values = np.full((cout, 1, cin), 255.0)  # 255 needs 8 bits; with the channel's peak the grid is 1
    values[1] = -255.0
    values[2, 0, ::2] = 1.0
    layer = Weights.prepare(values, None, None, dense=False, single=True)
    assert layer.matrix.dtype == np.float32 and layer.accumulate == np.float32
    assert np.array_equal(layer.matrix.astype(np.float64), values[:, 0, :])
    x = np.full((cin, 2), 255.0, np.float32)
    x[7, 0] = 254.0  # makes the full sum odd
    x[:, 1] = -x[:, 1]
    exact = values[:, 0, :] @ x.astype(np.float64)
    assert abs(exact[0, 0]) > 2**24 and exact[0, 0] % 2 == 1 and float(np.float32(exact[0, 0])) != exact[0, 0]
    products = []
    original = nm.matmul

    def checked(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = original(a, b)
        products.append(np.array_equal(out.astype(np.float64), a.astype(np.float64) @ b.astype(np.float64)))
        return out

    monkeypatch.setattr(nm, "matmul", checked)
    got = conv1d(x, layer)
    assert len(products) == 2 and all(products)
    want = (values[:, 0, :256] @ x[:256]).astype(np.float32) + (values[:, 0, 256:] @ x[256:]).astype(np.float32)
    assert got.dtype == np.float32 and np.array_equal(got, want)


def test_single_precision_keeps_20_bits_for_tiny_weights() -> None:
    """A weight channel below 2^-12 would put products under float32's normal range: that layer stays in
    float64 at 20 bits, still exact."""
    rng = np.random.default_rng(3)
    values = rng.standard_normal((4, 3, 8))
    assert Weights.prepare(values, None, None, dense=False, single=True).matrix.dtype == np.float32
    values[2] *= 2.0**-14
    layer = Weights.prepare(values, None, None, dense=False, single=True)
    assert layer.matrix.dtype == np.float64 and layer.accumulate == np.float64 and layer.activation_bits == 20
