"""The synthesis engine: text → phrases → acoustic model → vocoder windows → 24 kHz int16 audio.

One :class:`Synthesizer` loads the model once and serves any number of threads. Work runs on a private
pool of one worker per ``VOCODER_THREADS`` cores, each with its own vocoder interpreter using that many
cores; the shared acoustic interpreter uses the cores of its own and of idle workers; a phrase's vocoder
windows and the following phrases are spread over the workers. The audio never depends on ``threads``, the
machine's core count or whether the result is streamed (see :mod:`shengqing.vocoder` and
:mod:`shengqing.runtime`).

Bounds: one acoustic-model call covers one phrase of at most ``MAX_PHRASE_SYLLABLES`` syllables (≈ 120
phone ids); one vocoder call covers at most ``MAX_WINDOW_FRAMES`` + context mel frames (3.2 s of audio).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from . import autoemotion, emotion
from ._phrasejob import MAX_WINDOW_FRAMES, PhraseJob, PlannedPhrase
from .acoustic import AcousticModel, PhonemeControls
from .audio import SAMPLE_RATE, Audio, AudioChunk
from .config import EngineConfig
from .errors import EngineClosedError, NothingToSayError
from .frontend import (
    MAX_PHRASE_SYLLABLES,
    PARAGRAPH_PAUSE_MS,
    PAUSE_MS,
    Frontend,
    FrontendTrace,
    Lexicon,
    Phrase,
    preload,
)
from .models.store import ACOUSTIC_FILE, MAPPER_FILE, VOCODER_FILE, InstalledModel, ModelStore
from .options import AUTO_EMOTION, SynthesisOptions
from .runtime import KernelMode, limit_blas_threads, release_free_memory
from .timestamps import phrase_timestamps
from .vocoder import CONTEXT_FRAMES, Vocoder

_T = TypeVar("_T")

VOCODER_THREADS = 2  # cores per vocoder interpreter (one worker per pair of cores)
_IDLE_TRIM_S = 0.5  # idle this long → freed heap pages go back to the system
_BLOCK_END = re.compile(r"(?<=[。！？!?；;\n])")
_BLOCK_CHARS = 120  # the frontend is called per block, so the first phrase is ready without reading it all
_FIRST_BLOCK_CHARS = 30  # a short first block: the first phrase is analysed (and heard) sooner


def _blocks(text: str) -> list[str]:
    """Split at sentence ends into blocks of a bounded size, so long text is read lazily."""
    blocks: list[str] = []
    for piece in _BLOCK_END.split(text):
        limit = _FIRST_BLOCK_CHARS if len(blocks) == 1 else _BLOCK_CHARS
        if blocks and len(blocks[-1]) + len(piece) <= limit and not blocks[-1].endswith("\n"):
            blocks[-1] += piece
        elif piece:
            blocks.append(piece)
    return blocks


class Synthesizer:
    """Loads the voice once; ``synthesize`` and ``stream`` are safe to call from many threads.

    Args:
        home: model home (default ``$SHENGQING_HOME`` or the user cache dir); installed on first use.
        kernels: ``"portable"`` (default, or ``$SHENGQING_KERNELS``: the same bits on every CPU), ``"fast"``
            (LiteRT's optimised kernels: cheapest, bits depend on the CPU family) or ``"reference"``.
        threads: inference threads (default: ``$SHENGQING_THREADS`` or the CPU cores, at most 8). Never
            changes the audio, only the speed.
        lexicon: a user pronunciation dictionary overriding the frontend.
        config: all of the above settings at once (:class:`~shengqing.config.EngineConfig`; default: read
            from the environment once); ``home``, ``kernels`` and ``threads`` given as arguments win.
    """

    def __init__(self, *, home: str | Path | None = None, kernels: str | KernelMode | None = None,
                 threads: int | None = None, lexicon: Lexicon | None = None,
                 model: InstalledModel | None = None, auto_install: bool = True,
                 config: EngineConfig | None = None) -> None:
        config = (config or EngineConfig.from_env()).with_overrides(
            home=home, kernels=str(kernels) if isinstance(kernels, KernelMode) else kernels, threads=threads)
        preload(background=True)  # the frontend's dictionaries load while the model does
        store = ModelStore(config.home)
        self.model = model or (store.ensure() if auto_install else store.get())
        self.config = config
        self.kernels = KernelMode.parse(config.kernels)
        self.threads = threads = config.threads
        mapper = json.loads(self.model.read_verified(MAPPER_FILE))
        self._symbol_to_id: dict[str, int] = mapper["symbol_to_id"]
        self._id_to_symbol = {i: s for s, i in self._symbol_to_id.items()}
        self._files = [self.model.open_verified(name) for name in (ACOUSTIC_FILE, VOCODER_FILE)]
        self._acoustic = AcousticModel(self._files[0], self.kernels, threads=threads)
        # Fast mode: each worker's vocoder uses up to VOCODER_THREADS cores: XNNPACK splits a convolution's
        # outputs, not its sums, so the bits are the same at any thread count (tested), and two threads
        # sharing one interpreter's weights and arena beat two interpreters contending for the caches.
        # Portable mode: one worker per core, each single-threaded (NumPy's BLAS held to one thread); an
        # acoustic call may borrow idle workers' cores for its BLAS products (portable.parallel); its int8
        # layers' integer products run on its own core.
        if self.kernels is KernelMode.PORTABLE:
            limit_blas_threads()
            self._cores_per_worker = 1
        else:
            self._cores_per_worker = min(VOCODER_THREADS, threads)
        self._workers = max(1, threads // self._cores_per_worker)
        self._vocoder = Vocoder(self._files[1], self.kernels, threads=self._cores_per_worker,
                                reserve_frames=MAX_WINDOW_FRAMES + 2 * CONTEXT_FRAMES)
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="shengqing")
        self._pending_tasks = 0  # queued or running on the pool
        self._finished = 0  # tasks done so far
        self._trim_timer: threading.Timer | None = None
        self._pending_lock = threading.Lock()
        self.frontend = Frontend(lexicon)

    # -- public API ---------------------------------------------------------------------------------
    def synthesize(self, text: str, *, ssml: bool | None = None, options: SynthesisOptions | None = None,
                   timestamps: bool = False, **kwargs: Any) -> Audio:
        """Synthesize ``text`` to one :class:`~shengqing.audio.Audio`.

        Keyword options: ``speed``, ``emotion``, ``intensity``, ``pitch``, ``volume`` (see
        :class:`~shengqing.options.SynthesisOptions`), or a ready ``options`` object. ``ssml``: ``None``
        detects SSML by a leading ``<speak``. ``timestamps``: also give ``Audio.timestamps`` (when each
        character, word and phrase of ``text`` is heard, see :mod:`shengqing.timestamps`); the audio is the
        same either way.
        """
        return Audio.concatenate(self._stream(text, ssml, options, kwargs, streaming=False, timestamps=timestamps))

    def stream(self, text: str, *, ssml: bool | None = None, options: SynthesisOptions | None = None,
               timestamps: bool = False, **kwargs: Any) -> Iterator[AudioChunk]:
        """Yield one :class:`~shengqing.audio.AudioChunk` per phrase as soon as it is ready.

        Takes the same arguments as :meth:`synthesize`. Closing the generator early cancels the work not
        started yet. The chunks joined equal :meth:`synthesize` byte for byte. Errors in the text or the
        options are raised here, before the first chunk.
        """
        return self._stream(text, ssml, options, kwargs, streaming=True, timestamps=timestamps)

    def _stream(self, text: str, ssml: bool | None, options: SynthesisOptions | None, kwargs: dict[str, Any],
                *, streaming: bool, timestamps: bool = False) -> Iterator[AudioChunk]:
        if self._closed:
            raise EngineClosedError("this Synthesizer is closed", hint="create a new Synthesizer")
        opts = options if options is not None else SynthesisOptions.from_kwargs(**kwargs)
        plan = self._plan(text, opts, ssml)
        first = next(plan, None)
        if first is None:
            raise NothingToSayError("the text contains nothing to say", field="text",
                                    hint="give Chinese text, digits or letters")
        return self._drive(first, plan, streaming, text if timestamps else None)

    def phonemize(self, text: str) -> FrontendTrace:
        """The frontend's view of ``text`` (normalised text, words, pinyin, phones)."""
        return self.frontend.analyze(text)

    def warm_up(self) -> None:
        """Run every worker's interpreters once so the first request pays no set-up cost."""
        futures = [self._pool.submit(self._warm_one) for _ in range(self._workers)]
        for future in futures:
            future.result()

    def info(self) -> dict[str, Any]:
        """Model and engine description (part of the environment fingerprint)."""
        return {"model": self.model.name, "model_fingerprint": self.model.fingerprint,
                "files": {n: e["sha256"] for n, e in self.model.manifest["files"].items()},
                "kernels": str(self.kernels), "threads": self.threads, "sample_rate": SAMPLE_RATE,
                "max_phrase_syllables": MAX_PHRASE_SYLLABLES, "max_window_frames": MAX_WINDOW_FRAMES}

    _closed = False

    def close(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._pending_lock:
            timer, self._trim_timer = self._trim_timer, None
        if timer is not None:
            timer.cancel()
        for file in self._files:  # interpreters made so far keep their own mapping
            file.close()

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------------
    def _submit(self, fn: Callable[..., _T], *args: Any) -> Future[_T]:
        with self._pending_lock:
            self._pending_tasks += 1
        future = self._pool.submit(fn, *args)
        future.add_done_callback(self._task_done)
        return future

    def _task_done(self, _future: Future[Any]) -> None:
        with self._pending_lock:
            self._pending_tasks -= 1
            self._finished += 1
            if self._pending_tasks or self._trim_timer is not None:
                return
            # NumPy's temporaries of a finished burst stay in the C heap: hand them back once the pool has
            # been idle a moment (never on a request's path)
            self._trim_timer = threading.Timer(_IDLE_TRIM_S, self._trim_if_idle, args=(self._finished,))
            self._trim_timer.daemon = True
            self._trim_timer.start()

    def _trim_if_idle(self, finished: int) -> None:
        with self._pending_lock:
            self._trim_timer = None
            still_idle = self._pending_tasks == 0 and self._finished == finished
        if still_idle:
            release_free_memory()

    def _free_workers(self) -> int:
        """Workers with nothing queued for them, not counting the task that asks."""
        with self._pending_lock:
            return max(0, self._workers - self._pending_tasks)

    def _cores_free(self) -> int:
        """Cores a task may use now: its worker's, plus those of idle workers."""
        return min(self.threads, self._cores_per_worker * (self._free_workers() + 1))

    def _warm_one(self) -> None:
        ids = np.array([self._symbol_to_id[s] for s in ("sil", "n", "i3", "#0", "h", "ao3", "sil", "eos")],
                       np.int32)
        out = self._acoustic.run(ids, PhonemeControls.neutral(len(ids)))
        self._vocoder.vocode(out.mel)
        time.sleep(0.05)  # hold this worker so the other warm-up jobs land on other threads

    def _phones(self, ids: np.ndarray) -> list[str]:
        return [self._id_to_symbol[int(i)] for i in ids]

    def _ids(self, phones: tuple[str, ...]) -> np.ndarray:
        if not phones:
            return np.zeros(0, np.int32)
        return np.array([self._symbol_to_id[p] for p in (*phones, "eos")], np.int32)

    def _plan(self, text: str, opts: SynthesisOptions, ssml: bool | None) -> Iterator[PlannedPhrase]:
        if not isinstance(text, str):
            raise NothingToSayError("text must be a string", field="text")
        if ssml or (ssml is None and text.lstrip().startswith("<speak")):
            from .ssml import plan_ssml

            start = time.perf_counter()
            for phrase, phrase_options in plan_ssml(text, opts, self.frontend):
                if phrase_options.emotion == AUTO_EMOTION:  # in SSML, auto is decided per phrase
                    phrase_options = autoemotion.resolve(phrase.text + phrase.final_punct, phrase_options)
                yield self._planned(phrase, phrase_options, time.perf_counter() - start)
                start = time.perf_counter()
            return
        # auto: one frontend call per sentence, each with the options chosen for it (other requests keep
        # their blocks, so their audio is unchanged); the pieces join back to the text, so offsets add up
        blocks = autoemotion.plan(text, opts) if opts.emotion == AUTO_EMOTION else [(b, opts) for b in _blocks(text)]
        offset = 0
        for block, block_opts in blocks:
            block_offset, offset = offset, offset + len(block)
            start = time.perf_counter()
            try:
                phrases: list[Phrase] = self.frontend.phrases(block)
            except NothingToSayError:
                continue
            elapsed = (time.perf_counter() - start) / max(len(phrases), 1)
            # the frontend ends its input without a pause; between blocks the punctuation decides it
            # (the engine drops the pause after the very last phrase of the text)
            last = phrases[-1]
            pause = PARAGRAPH_PAUSE_MS if block.endswith("\n") else PAUSE_MS.get(last.final_punct, PAUSE_MS["。"])
            phrases[-1] = replace(last, pause_ms=max(last.pause_ms, pause))
            for phrase in phrases:
                yield self._planned(phrase, block_opts, elapsed, block_offset)

    def _planned(self, phrase: Phrase, opts: SynthesisOptions, frontend_seconds: float,
                 offset: int = 0) -> PlannedPhrase:
        ids = self._ids(phrase.phones)
        if phrase.phones:
            controls = emotion.phrase_controls((*phrase.phones, "eos"), opts, final_punct=phrase.final_punct,
                                               sentence_end=phrase.sentence_end)
        else:
            controls = PhonemeControls.neutral(0)
        return PlannedPhrase(text=phrase.text, ids=ids, controls=controls, speed=opts.speed,
                             volume=opts.volume, pause_ms=phrase.pause_ms, options=opts,
                             frontend_seconds=frontend_seconds,
                             sources=tuple(s.shifted(offset) for s in phrase.sources))

    def _drive(self, first: PlannedPhrase, plan: Iterator[PlannedPhrase], streaming: bool,
               timed_text: str | None) -> Iterator[AudioChunk]:
        inflight: deque[tuple[PlannedPhrase, PhraseJob]] = deque()
        # streaming bounds the work done ahead of the consumer; a whole synthesis keeps every worker busy
        lookahead = self._workers + 1 if streaming else 2 * self._workers + 2
        pending: PlannedPhrase | None = first
        last_job: PhraseJob | None = None
        index = 0
        heard = 0  # samples yielded so far: where the next chunk starts in the output
        try:
            while True:
                while pending is not None and len(inflight) < (1 if streaming and index == 0 else lookahead):
                    current, pending = pending, next(plan, None)
                    # The first phrase is split over all workers (it decides the time to first audio), and so is
                    # the last (nothing else runs beside it); in between, whole phrases keep the workers busy
                    # without the windows' overlap. The cut never changes the samples (see vocoder.py).
                    first_or_last = (index == 0 and last_job is None) or pending is None
                    pieces = self._workers if first_or_last else 1
                    # only streaming orders the acoustic calls behind earlier windows (see PhraseJob)
                    last_job = PhraseJob(self, current, pieces, after=last_job if streaming else None)
                    inflight.append((current, last_job))
                if not inflight:
                    return
                phrase, job = inflight.popleft()
                samples, timings = job.result()
                is_last = not inflight and pending is None
                if is_last:  # no pause after the very last phrase
                    samples = samples[:len(samples) - int(phrase.pause_ms * SAMPLE_RATE / 1000)]
                stamps = None if timed_text is None else phrase_timestamps(
                    timed_text, phrase.sources, self._phones(phrase.ids), job.durations, heard, SAMPLE_RATE,
                    samples[:len(samples) - int(phrase.pause_ms * SAMPLE_RATE / 1000)] if not is_last else samples)
                heard += len(samples)
                yield AudioChunk(samples=samples, index=index, text=phrase.text, is_last=is_last,
                                 timings=timings, timestamps=stamps)
                index += 1
        finally:
            for _, job in inflight:
                job.cancel()
