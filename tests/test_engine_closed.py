"""A Synthesizer used after close() raises a ShengqingError (one readable line), not a bare RuntimeError."""

from __future__ import annotations

import pytest


def test_a_closed_synthesizer_raises_a_shengqing_error(installed_model: object) -> None:
    from shengqing import Synthesizer
    from shengqing.errors import EngineClosedError, ShengqingError

    engine = Synthesizer(model=installed_model, threads=1)  # type: ignore[arg-type]
    engine.close()
    with pytest.raises(EngineClosedError) as info:
        engine.synthesize("你好。")
    assert isinstance(info.value, ShengqingError) and info.value.code == "engine_closed"
