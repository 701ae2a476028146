"""Run a book: synthesize every item not finished yet, one atomic file each, then the joined file and the
manifest (last).

The work per item is :func:`render_item` (the same function runs on a Ray actor, see :mod:`._ray`); the
files, the journal and the manifest are always written here, by the one process that owns the output
directory, so a local and a Ray run produce the same bytes.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..audio import SAMPLE_RATE, StreamEncoder, decode
from ..errors import InvalidOptionError
from .id3 import ChapterMark, chapter_tag
from .job import BookJob, Rendered, render_item
from .store import MANIFEST, STATE_DIR, Journal, atomic_write, remove_leftovers

if TYPE_CHECKING:
    from ..engine import Synthesizer

#: formats a joined file can be built from: the chapter files decode to the exact samples
LOSSLESS = ("wav", "flac", "pcm")
MAX_JOINED_CHAPTERS = 255  # one ID3 table of contents


class Progress:
    """tqdm on standard error: characters/s, audio seconds per second, ETA; silent when not a terminal."""

    def __init__(self, total_chars: int, done_chars: int, *, quiet: bool) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total_chars, initial=done_chars, unit="char", unit_scale=True, file=sys.stderr,
                         disable=True if quiet else None, smoothing=0.1)
        self._start = time.perf_counter()
        self.audio_seconds = 0.0

    def advance(self, chars: int, audio_seconds: float) -> None:
        self.audio_seconds += audio_seconds
        elapsed = max(time.perf_counter() - self._start, 1e-9)
        self._bar.set_postfix_str(f"{self.audio_seconds / elapsed:.2f} audio-s/s", refresh=False)
        self._bar.update(chars)

    def close(self) -> None:
        self._bar.close()


def run_book(job: BookJob, engine: Synthesizer | None = None, *, ray_address: str | None = None,
             use_ray: bool = False, quiet: bool = False, engine_kwargs: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    """Synthesize what is missing in ``job.outdir``; returns the manifest (also written to disk)."""
    if job.joined and job.fmt not in LOSSLESS:
        raise InvalidOptionError(f"--joined needs lossless chapter files, not {job.fmt}", field="format",
                                 hint=f"use --format {' or '.join(LOSSLESS)}")
    if job.joined and len(job.items) > MAX_JOINED_CHAPTERS:
        raise InvalidOptionError(f"--joined holds at most {MAX_JOINED_CHAPTERS} chapters, the input has "
                                 f"{len(job.items)}", field="joined", hint="leave out --joined")
    job.outdir.mkdir(parents=True, exist_ok=True)
    (job.outdir / STATE_DIR).mkdir(exist_ok=True)
    remove_leftovers(job.outdir)
    journal = Journal(job.outdir)
    finished = journal.finished()
    keys = [job.key(item) for item in job.items]
    pending = [(n, item) for n, item in enumerate(job.items) if keys[n] not in finished]
    if pending:
        (job.outdir / MANIFEST).unlink(missing_ok=True)  # its presence means "complete"
    progress = Progress(sum(len(i.text) for i in job.items),
                        sum(len(i.text) for n, i in enumerate(job.items) if keys[n] in finished), quiet=quiet)
    commit = _Committer(job, journal, keys, finished)
    try:
        if use_ray:
            from ._ray import run_on_ray

            run_on_ray(ray_address, job, pending, commit, progress.advance, engine_kwargs or {})
        else:
            assert engine is not None
            for n, item in pending:
                commit(n, render_item(engine, item.text, job.item_options(item), job.fmt, progress.advance,
                                      job.subtitles))
    finally:
        progress.close()
    entries = [finished[key] for key in keys]
    manifest = _manifest(job, entries)
    if job.joined:
        manifest["joined"] = _write_joined(job, entries)
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    atomic_write(job.outdir / MANIFEST, [text.encode()])
    return manifest


class _Committer:
    """Writes one finished item: its audio and subtitle files atomically, then its journal line."""

    def __init__(self, job: BookJob, journal: Journal, keys: list[str], finished: dict[str, dict[str, Any]]):
        self._job, self._journal, self._keys, self._finished = job, journal, keys, finished

    def __call__(self, index: int, rendered: Rendered) -> None:
        item = self._job.items[index]
        name = self._job.file_name(item)
        sha = atomic_write(self._job.outdir / name, [rendered.data])
        subtitles = {}
        for kind, text in sorted(rendered.subtitles.items()):
            subtitle_name = f"{item.id}.{kind}"
            subtitles[kind] = {"file": subtitle_name,
                               "sha256": atomic_write(self._job.outdir / subtitle_name, [text.encode("utf-8")])}
        entry = {"id": item.id, "index": index, "title": item.title, "file": name, "sha256": sha,
                 "subtitles": subtitles,
                 "bytes": len(rendered.data), "samples": rendered.samples,
                 "duration": round(rendered.samples / SAMPLE_RATE, 3), "chars": rendered.chars,
                 "options": self._job.item_options(item).to_dict(), "key": self._keys[index]}
        self._journal.append(entry)
        self._finished[self._keys[index]] = entry


def _manifest(job: BookJob, entries: list[dict[str, Any]]) -> dict[str, Any]:
    import numpy

    versions = {"shengqing": __version__, "python": sys.version.split()[0], "numpy": numpy.__version__}
    try:
        from importlib.metadata import version

        versions["ai-edge-litert"] = version("ai-edge-litert")
    except Exception:  # an uninstalled distribution only omits the entry
        pass
    items = [{k: v for k, v in e.items() if k != "key"} for e in entries]
    return {"format": job.fmt, "sample_rate": SAMPLE_RATE, "options": job.options.to_dict(),
            "engine": job.engine_info, "versions": versions, "items": items,
            "total_duration": round(sum(e["samples"] for e in entries) / SAMPLE_RATE, 3),
            "total_chars": sum(e["chars"] for e in entries)}


def _write_joined(job: BookJob, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """One MP3 of every item in order, with an ID3v2.4 CHAP frame per item (times exact to the ms)."""
    assert job.joined is not None
    marks: list[ChapterMark] = []
    start = 0
    for entry in entries:
        end = start + entry["samples"]
        marks.append(ChapterMark(entry["title"] or entry["id"], start * 1000 // SAMPLE_RATE,
                                 end * 1000 // SAMPLE_RATE))
        start = end

    def pieces() -> Iterator[bytes]:
        yield chapter_tag(job.title, marks)
        encoder = StreamEncoder("mp3", streaming=False)
        for entry in entries:
            samples = decode((job.outdir / entry["file"]).read_bytes(), job.fmt)
            yield encoder.feed(samples)
        yield encoder.finish()

    path = job.outdir / job.joined
    sha = atomic_write(path, pieces())
    return {"file": job.joined, "sha256": sha, "format": "mp3", "chapters": len(marks)}
