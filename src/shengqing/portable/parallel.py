"""One portable model call on several cores: its large products are split over helper threads.

NumPy's BLAS is held to one thread per call (:func:`shengqing.runtime.limit_blas_threads`), because the
engine runs one worker per core. When workers sit idle, a call may borrow their cores (:func:`cores`): the
columns of each large product are then cut into that many parts, the calling thread computes the first and
helper threads the rest (NumPy releases the GIL inside a GEMM). Each output element is still the same exact
sum of the same products (see :mod:`.numerics`), so the bits do not depend on the split.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

#: Below this many multiply-adds per part, handing work to another thread costs more than it saves.
_MIN_PART_WORK = 1 << 21
#: Helper threads at most, so a product uses up to 8 cores (the default thread cap, config.DEFAULT_MAX_THREADS:
#: more no longer pay on this model); the pool starts a thread only when no idle one can take the work.
_MAX_HELPERS = 7
_local = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


@contextlib.contextmanager
def cores(count: int) -> Iterator[None]:
    """Products taken by this thread inside the block may use up to ``count`` cores."""
    before = getattr(_local, "cores", 1)
    _local.cores = max(1, count)
    try:
        yield
    finally:
        _local.cores = before


def _helpers() -> ThreadPoolExecutor:
    """The one pool, never replaced (a replaced pool could be shut down under a caller's submit)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_MAX_HELPERS, thread_name_prefix="shengqing-portable")
        return _pool


def split_columns(product: Callable[[np.ndarray], np.ndarray], matrix: np.ndarray, rows: int,
                  dtype: np.dtype[Any]) -> np.ndarray:
    """``product(matrix)`` (``[rows, matrix columns]`` of ``dtype``) on up to :func:`cores` cores, each computing
    the columns of one part of ``matrix``. Columns, not rows: BLAS packs the whole right-hand matrix for
    every call, so a row part would cost almost as much as the whole product."""
    contracted, columns = matrix.shape
    count = min(getattr(_local, "cores", 1), _MAX_HELPERS + 1, rows * columns * contracted // _MIN_PART_WORK,
                columns)
    if count <= 1:
        return product(matrix)
    bounds = [columns * k // count for k in range(count + 1)]
    out = np.empty((rows, columns), dtype)

    def part(first: int, last: int) -> None:
        out[:, first:last] = product(matrix[:, first:last])

    helpers = _helpers()
    futures = [helpers.submit(part, a, b) for a, b in itertools.pairwise(bounds[1:])]
    part(bounds[0], bounds[1])
    for future in futures:
        future.result()
    return out
