"""Admission refuses at once what could not finish in time, instead of queueing it to time out."""

from __future__ import annotations

import asyncio
import time

import pytest

from shengqing.errors import OverloadedError
from shengqing.server.limits import Admission
from shengqing.server.metrics import Metrics


def test_a_request_that_cannot_get_its_turn_in_time_is_refused_at_once() -> None:
    async def scenario() -> None:
        admission = Admission(1, 10, Metrics())  # room in the queue; recent service time 1 s
        held = await admission.acquire(5)
        second = asyncio.ensure_future(admission.acquire(3.0))  # its turn in ~1 s, done in ~2 s: queued
        await asyncio.sleep(0.05)
        assert admission.waiting == 1 and not second.done()
        start = time.monotonic()
        with pytest.raises(OverloadedError):  # third in line: ~2 s of waiting + 1 s of work > 2.5 s
            await admission.acquire(2.5)
        assert time.monotonic() - start < 0.1
        held.release()
        (await second).release()

    asyncio.run(scenario())
