"""A killed worker of a multi-worker server is replaced, forked from the preloaded fork server, so the
replacement spends its CPU on the model, not on imports and dictionaries (see server/workers.py)."""

from __future__ import annotations

from types import ModuleType

import pytest

from shared_helpers import load_script

#: CPU seconds a replacement may use until ready. Spawned (before the fork server) it used 1.6–2.6 s
#: (imports, the frontend's dictionaries, model, warm-up); forked from the fork server 0.8–1.1 s, nearly
#: all of it the interpreters' first runs (measured, see docs/reliability.md).
MAX_REPLACEMENT_CPU_S = 1.4


@pytest.fixture(scope="module")
def soak(installed_model: object) -> ModuleType:
    return load_script("soak")


def test_a_killed_worker_is_replaced_from_the_fork_server(soak: ModuleType) -> None:
    result = soak.sigkill_worker(1)
    [kill] = result["rounds"]
    assert kill["ready_after_s"] is not None, result
    assert kill["forked"], result  # parent is the fork server: nothing imported again
    assert kill["process_start_to_app_s"] != "?" and float(kill["warm_up_s"]) >= 0, result
    assert kill["replacement_cpu_s"] <= MAX_REPLACEMENT_CPU_S, result
