"""The engine's settings: one validated object (:mod:`shengqing.config`), read from the environment in one
place and passed down; bad values name the variable or argument before any model is loaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shengqing.config import KERNEL_NAMES, EngineConfig, default_threads
from shengqing.errors import ConfigError

SRC = Path(__file__).resolve().parents[1] / "src" / "shengqing"
#: the only modules that read the environment: the engine's settings and the HTTP server's settings (the CLI
#: also looks at ``_ARGCOMPLETE``, the shell-completion protocol's marker, which is no setting)
ENV_READERS = {"config.py", "server/settings.py", "cli/__init__.py"}


def test_the_environment_is_read_in_one_place_per_layer() -> None:
    readers = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        # os.environ.update in `serve` hands the server's settings to worker processes: a write, not a read
        if re.search(r"os\.getenv|os\.environ(?!\.update)", text):
            readers.add(path.relative_to(SRC).as_posix())
    assert readers == ENV_READERS


def test_defaults_and_every_variable() -> None:
    assert EngineConfig.from_env({}) == EngineConfig()
    assert EngineConfig().threads == default_threads() and EngineConfig().kernels == "portable"
    config = EngineConfig.from_env({"SHENGQING_HOME": "~/models", "SHENGQING_KERNELS": " Fast ",
                                    "SHENGQING_THREADS": "3", "SHENGQING_CACHE": "/tmp/fe"})
    assert config.home == Path("~/models").expanduser()
    assert (config.kernels, config.threads, config.frontend_cache) == ("fast", 3, Path("/tmp/fe"))


def test_arguments_win_over_the_environment() -> None:
    config = EngineConfig.from_env({"SHENGQING_THREADS": "3", "SHENGQING_KERNELS": "fast"}, threads=1)
    assert (config.threads, config.kernels) == (1, "fast")
    assert config.with_overrides(kernels="reference", threads=None).kernels == "reference"


@pytest.mark.parametrize(("environ", "overrides", "field"), [
    ({"SHENGQING_THREADS": "many"}, {}, "SHENGQING_THREADS"),
    ({"SHENGQING_THREADS": "0"}, {}, "SHENGQING_THREADS"),
    ({"SHENGQING_KERNELS": "turbo"}, {}, "SHENGQING_KERNELS"),
    ({"SHENGQING_THREADS": "2"}, {"threads": 65}, "threads"),
    ({}, {"threads": True}, "threads"),
    ({}, {"kernels": "turbo"}, "kernels"),
])
def test_a_bad_value_names_its_variable_or_argument(environ: dict[str, str], overrides: dict[str, object],
                                                    field: str) -> None:
    with pytest.raises(ConfigError) as info:
        EngineConfig.from_env(environ, **overrides)
    assert info.value.field == field
    assert field in str(info.value)


def test_kernel_names_match_the_runtime() -> None:
    from shengqing.runtime import KERNEL_MODES

    assert KERNEL_NAMES == KERNEL_MODES


def test_a_bad_setting_of_another_component_does_not_break_the_model_home(monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    from shengqing.models.store import default_home

    monkeypatch.setenv("SHENGQING_THREADS", "many")
    monkeypatch.setenv("SHENGQING_HOME", str(tmp_path))
    assert default_home() == tmp_path


def test_the_synthesizer_takes_its_settings_from_the_config(installed_model: object,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from shengqing import Synthesizer
    from shengqing.runtime import KernelMode

    monkeypatch.setenv("SHENGQING_THREADS", "3")
    monkeypatch.setenv("SHENGQING_KERNELS", "fast")
    with Synthesizer(model=installed_model) as from_env:  # type: ignore[arg-type]
        assert (from_env.threads, from_env.kernels) == (3, KernelMode.FAST)
    with Synthesizer(model=installed_model, config=EngineConfig(threads=1, kernels="reference"),  # type: ignore[arg-type]
                     ) as given:
        assert (given.threads, given.kernels) == (1, KernelMode.REFERENCE)
        assert given.config.threads == 1
    monkeypatch.setenv("SHENGQING_THREADS", "lots")
    with pytest.raises(ConfigError) as info:
        Synthesizer(model=installed_model)  # type: ignore[arg-type]
    assert info.value.field == "SHENGQING_THREADS"
