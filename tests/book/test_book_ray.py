"""``book --ray`` on a local Ray (2 CPUs, one engine per actor): byte-identical to a local run, resumable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from shengqing.book import BookJob, Item, run_book

ray = pytest.importorskip("ray")

ITEMS = [Item(id="a", title="甲", text="今天天气很好，我们去公园散步吧。"),
         Item(id="b", title="乙", text="他难过地低下了头。", options={"emotion": "sad"}),
         Item(id="c", title="丙", text="“你竟然来了？！”她惊讶地说。", options={"emotion": "auto"})]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def job(fast_engine: object, outdir: Path, items: list[Item] = ITEMS) -> BookJob:
    info = {"kernels": str(fast_engine.kernels), "model": fast_engine.model.fingerprint}  # type: ignore[attr-defined]
    return BookJob(items=items, outdir=outdir, fmt="wav", joined="all.mp3", engine_info=info)


def files(outdir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(outdir.iterdir()) if p.is_file()}


def test_ray_run_is_byte_identical_to_local(local_ray: None, fast_engine: object, tmp_path: Path) -> None:
    run_book(job(fast_engine, tmp_path / "local"), fast_engine, quiet=True)  # type: ignore[arg-type]
    engine_kwargs = {"kernels": "fast", "threads": 1}
    # half done locally first: the Ray run must resume, not redo
    run_book(job(fast_engine, tmp_path / "ray", ITEMS[:1]), fast_engine, quiet=True)  # type: ignore[arg-type]
    kept = (tmp_path / "ray" / "a.wav").stat().st_ino
    manifest = run_book(job(fast_engine, tmp_path / "ray"), use_ray=True, quiet=True, engine_kwargs=engine_kwargs)
    assert (tmp_path / "ray" / "a.wav").stat().st_ino == kept
    assert files(tmp_path / "ray") == files(tmp_path / "local")
    assert [i["id"] for i in manifest["items"]] == ["a", "b", "c"]
    assert json.loads((tmp_path / "ray" / "manifest.json").read_text())["items"][1]["options"]["emotion"] == "sad"
