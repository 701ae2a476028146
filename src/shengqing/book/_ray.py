"""Spread a book's pending items over a Ray cluster (``pip install 'shengqing[ray]'``).

Each actor owns one :class:`~shengqing.engine.Synthesizer` (the model is loaded once per actor) and
returns encoded bytes; the driver writes files, journal and manifest exactly as a local run does, so the
output is byte-identical (the audio never depends on the thread count or the machine within one kernel
mode; use the default portable mode on a cluster of mixed CPUs).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..audio import SAMPLE_RATE
from ..errors import ConfigError
from .sources import Item

if TYPE_CHECKING:
    from .job import BookJob, Rendered


class Narrator:
    """The actor: one engine, many items."""

    def __init__(self, engine_kwargs: dict[str, Any]) -> None:
        from ..engine import Synthesizer

        self.engine = Synthesizer(**engine_kwargs)

    def render(self, text: str, options: dict[str, Any], fmt: str, subtitles: tuple[str, ...] = ()) -> Rendered:
        from ..options import SynthesisOptions
        from .job import render_item

        return render_item(self.engine, text, SynthesisOptions(**options), fmt, subtitles=subtitles)


def run_on_ray(address: str | None, job: BookJob, pending: Sequence[tuple[int, Item]],
               commit: Callable[[int, Rendered], None], advance: Callable[[int, float], None],
               engine_kwargs: dict[str, Any]) -> None:
    try:
        ray: Any = importlib.import_module("ray")  # optional and only partly typed: used as Any
    except ImportError:
        raise ConfigError("--ray needs Ray: pip install 'shengqing[ray]'", field="ray") from None
    if not pending:
        return
    if not ray.is_initialized():
        ray.init(address=address or None, log_to_driver=False, include_dashboard=False)
    threads = int(engine_kwargs.get("threads") or 1)
    cpus = int(ray.available_resources().get("CPU", 1))
    count = max(1, min(len(pending), cpus // threads))
    actor_class = ray.remote(num_cpus=threads)(Narrator)
    actors = [actor_class.remote({**engine_kwargs, "threads": threads}) for _ in range(count)]
    queue = list(pending)
    running: dict[Any, tuple[int, Item, Any]] = {}

    def submit(actor: Any) -> None:
        if queue:
            index, item = queue.pop(0)
            ref = actor.render.remote(item.text, job.item_options(item).to_dict(), job.fmt, job.subtitles)
            running[ref] = (index, item, actor)

    try:
        for actor in actors:  # two items per actor in flight: the next one is queued while one runs
            submit(actor)
            submit(actor)
        while running:
            ready, _ = ray.wait(list(running), num_returns=1)
            index, _, actor = running.pop(ready[0])
            rendered = ray.get(ready[0])
            commit(index, rendered)
            advance(rendered.chars, rendered.samples / SAMPLE_RATE)
            submit(actor)
    finally:
        for ref in running:
            ray.cancel(ref, force=True)
        for actor in actors:
            ray.kill(actor)
