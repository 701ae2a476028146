"""Products split over helper threads: the same bits as one product, and only when the work pays."""

from __future__ import annotations

import threading

import numpy as np

from shengqing.portable import parallel
from shengqing.portable.conv import Weights, dense


def test_split_columns_gives_the_same_bits_on_any_number_of_cores() -> None:
    rng = np.random.default_rng(3)
    rows = rng.standard_normal((200, 384))
    layer = Weights.prepare(rng.integers(-127, 128, (1000, 384)).astype(np.int8), rng.random(1000) * 0.01,
                            rng.standard_normal(1000), dense=True)
    one = dense(rows, layer)
    for count in (2, 3, 7):
        with parallel.cores(count):
            assert dense(rows, layer).tobytes() == one.tobytes(), count


FLOAT64 = np.dtype("float64")


def test_split_columns_uses_helpers_only_for_large_products() -> None:
    seen: list[str] = []

    def product(part: np.ndarray) -> np.ndarray:
        seen.append(threading.current_thread().name)
        return np.ones((8, part.shape[1]))

    with parallel.cores(2):
        assert parallel.split_columns(product, np.zeros((16, 16)), 8, FLOAT64).shape == (8, 16)
        assert seen == [threading.current_thread().name]  # too small: done by the caller alone
        seen.clear()
        assert np.array_equal(parallel.split_columns(product, np.zeros((512, 1024)), 8, FLOAT64), np.ones((8, 1024)))
    assert len(seen) == 2 and any(name.startswith("shengqing-portable") for name in seen), seen
    seen.clear()
    parallel.split_columns(product, np.zeros((512, 1024)), 8, FLOAT64)  # outside cores(): one core
    assert seen == [threading.current_thread().name]
