"""Process-level plumbing around LiteRT's native library, shared by the runtime and the portable kernels."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """LiteRT's C++ logger prints "INFO: Created … XNNPACK delegate" to fd 2 and has no switch for it."""
    with _STDERR_LOCK:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all
            yield
            return
        try:
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 2)
                yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
