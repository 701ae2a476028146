"""LiteRT's delegate log is kept off stderr without losing other threads' lines: the process-wide fd 2
redirect happens on an interpreter's first allocation only, not on every resize during synthesis."""

from __future__ import annotations

import pytest

from shengqing import runtime
from shengqing.models.store import VOCODER_FILE, InstalledModel


def test_resizes_do_not_redirect_stderr(installed_model: InstalledModel, monkeypatch: pytest.MonkeyPatch) -> None:
    source = installed_model.open_verified(VOCODER_FILE)
    interpreter = runtime.make_interpreter(source, runtime.KernelMode.parse("fast"), 1)
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, [1, 60, 80])
    runtime.allocate(interpreter)  # the first allocation applies the delegate (and logs): redirected

    def no_redirect() -> None:
        raise AssertionError("stderr redirected process-wide during a resize")

    monkeypatch.setattr(runtime, "_native_stderr_silenced", no_redirect)
    for frames in (80, 120, 60):
        interpreter.resize_tensor_input(index, [1, frames, 80])
        runtime.allocate(interpreter)
