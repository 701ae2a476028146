"""Admission control: a fixed number of synthesis slots, a bounded wait queue, and nothing that hangs.

A request takes a slot before it synthesizes. When every slot is busy it waits, but only if fewer than
``queue`` requests are already waiting and its turn is likely to come in time to finish within its
timeout (judged from recent service times); otherwise it is refused at once with 503 and a ``Retry-After``
estimated from the same times. Queueing a request that will time out anyway would spend a slot on work
nobody receives: under sustained overload the server would then finish almost nothing.

A slot is released when the worker thread really finishes (a timed-out
or abandoned request keeps its slot until its thread has stopped), so the limits hold for CPU use too.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time

from ..errors import OverloadedError
from .metrics import Metrics


class Slot:
    """A held synthesis slot; :meth:`release` is idempotent and may be called from any thread."""

    def __init__(self, admission: Admission, loop: asyncio.AbstractEventLoop) -> None:
        self._admission = admission
        self._loop = loop
        self._released = False
        self._lock = threading.Lock()
        self.started = time.monotonic()

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        elapsed = time.monotonic() - self.started
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._admission._release(elapsed)
        else:
            self._loop.call_soon_threadsafe(self._admission._release, elapsed)


class Admission:
    """``slots`` requests synthesize at once; ``queue`` more may wait; the rest get 503 + Retry-After."""

    def __init__(self, slots: int, queue: int, metrics: Metrics) -> None:
        self.slots = slots
        self.queue = queue
        self._metrics = metrics
        self._semaphore = asyncio.Semaphore(slots)
        self.waiting = 0
        self.active = 0
        self._service_seconds = 1.0  # moving average of slot hold times

    def retry_after(self) -> int:
        """Seconds until a retry likely finds room (at least 1)."""
        backlog = (self.waiting + self.active) / max(self.slots, 1)
        return max(1, min(120, math.ceil(backlog * self._service_seconds)))

    async def acquire(self, timeout: float) -> Slot:
        """Wait at most ``timeout`` seconds for a slot; refuse at once when the queue is full."""
        full = self.active + self.waiting >= self.slots + self.queue
        # the slots free up at about slots / service_seconds per second; this request needs its turn and then
        # about one service time more
        late = (self.active >= self.slots
                and (self.waiting + 1) / self.slots * self._service_seconds + self._service_seconds > timeout)
        if full or late:
            self._metrics.rejected.labels("overloaded").inc()
            raise OverloadedError(f"the server is busy ({self.active} synthesizing, {self.waiting} waiting)",
                                  retry_after=self.retry_after(), hint="retry after the Retry-After delay")
        self.waiting += 1
        self._metrics.queue_depth.set(self.waiting)
        try:
            await asyncio.wait_for(self._semaphore.acquire(), timeout)
        except TimeoutError:
            self._metrics.rejected.labels("timeout").inc()
            raise OverloadedError(f"no synthesis slot became free within {timeout:g} s",
                                  retry_after=self.retry_after(),
                                  hint="the server is busy; retry later") from None
        finally:
            self.waiting -= 1
            self._metrics.queue_depth.set(self.waiting)
        self.active += 1
        self._metrics.in_flight.set(self.active)
        return Slot(self, asyncio.get_running_loop())

    def _release(self, elapsed: float) -> None:
        self.active -= 1
        self._metrics.in_flight.set(self.active)
        self._service_seconds = 0.8 * self._service_seconds + 0.2 * elapsed
        self._semaphore.release()
