"""The reduced reliability soak (``scripts/soak.py --quick``): the same phases as ``./run.sh soak``, seconds
long, with the targets asserted. The full run writes docs/reliability.md."""

from __future__ import annotations

from types import ModuleType

import pytest

from shared_helpers import load_script


@pytest.fixture(scope="module")
def soak(installed_model: object) -> ModuleType:
    return load_script("soak")


def test_hostile_clients_keep_memory_bounded(soak: ModuleType) -> None:
    result = soak.hostile(6)
    assert result["max_rss_mb"] <= 400, result
    assert result["statuses"].get("silence bomb, streamed: 413", 0) >= 1, result
    assert not any(": 5" in kind and not kind.endswith(("503", "504")) for kind in result["statuses"]), result
    assert result["afterwards"] == 200


def test_twice_the_capacity_gets_only_200_and_503(soak: ModuleType) -> None:
    result = soak.overload(6, timeout=10)  # a 3 s deadline could refuse every request on a loaded 2-core box
    assert set(result["statuses"]) <= {"200", "503"}, result
    assert result["statuses"].get("200", 0) >= 1


def test_sigterm_drains_requests_in_flight(soak: ModuleType) -> None:
    result = soak.drain(30.0, 2)
    assert result["completed"] == 2, result
