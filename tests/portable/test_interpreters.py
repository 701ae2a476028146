"""The portable interpreters on the real voice: faithful to LiteRT, and blind to summation order and threads.

``reordered_matmul`` (see test_numerics) stands in for another CPU's BLAS: if any product in either model
were not exact, its bits would move.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from test_numerics import reordered_matmul

from shared_helpers import standard_texts
from shengqing.acoustic import AcousticModel, PhonemeControls
from shengqing.models.store import ACOUSTIC_FILE, VOCODER_FILE, InstalledModel
from shengqing.portable import PortableInterpreter, SequenceInterpreter, integer
from shengqing.portable import numerics as nm
from shengqing.runtime import KernelMode, make_interpreter

SENTENCE = "今天的阳光真灿烂，心情特别愉快！"


@pytest.fixture(scope="module")
def model_bytes(installed_model: InstalledModel) -> dict[str, bytes]:
    return {name: installed_model.read_verified(name) for name in (ACOUSTIC_FILE, VOCODER_FILE)}


@pytest.fixture(scope="module")
def phrase(engine: Any) -> tuple[np.ndarray, PhonemeControls]:
    planned = next(engine._plan(SENTENCE, engine_options(), None))
    return planned.ids, planned.controls


def engine_options() -> Any:
    from shengqing import SynthesisOptions

    return SynthesisOptions(emotion="happy")


@pytest.fixture(scope="module")
def acoustic(model_bytes: dict[str, bytes]) -> Iterator[dict[str, AcousticModel]]:
    yield {mode: AcousticModel(model_bytes[ACOUSTIC_FILE], KernelMode(mode)) for mode in ("portable", "fast")}


def vocode(interpreter: Any, mel: np.ndarray) -> np.ndarray:
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, [1, len(mel), 80])
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, mel[None].astype(np.float32))
    interpreter.invoke()
    return np.array(interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0, :, 0])


def test_portable_acoustic_model_follows_litert(acoustic: dict[str, AcousticModel],
                                                phrase: tuple[np.ndarray, PhonemeControls]) -> None:
    ids, controls = phrase
    portable, fast = (acoustic[m].run(ids, controls) for m in ("portable", "fast"))
    assert np.max(np.abs(portable.f0 - fast.f0)) < 0.2 and np.max(np.abs(portable.energy - fast.energy)) < 0.2
    # durations round a float: LiteRT's int8 activations and ours (also 8-bit) may land on either side of
    # a .5, one frame apart
    assert np.sum(portable.durations != fast.durations) <= max(2, len(ids) // 6)
    assert np.all(np.abs(portable.durations - fast.durations) <= 1)
    # compare each phoneme's mean frame, each model with its own durations
    def per_phoneme(out: Any) -> np.ndarray:
        edges = np.concatenate([[0], np.cumsum(out.durations)])
        return np.array([out.mel[a:b].mean(axis=0) if b > a else np.full(80, np.nan)
                         for a, b in itertools.pairwise(edges)])

    gap = np.abs(per_phoneme(portable) - per_phoneme(fast))
    assert np.nanmean(gap) < 0.1, f"mean per-phoneme mel gap {np.nanmean(gap):.3f}"


def test_portable_durations_agree_with_fast(acoustic: dict[str, AcousticModel], engine: Any) -> None:
    """A phoneme's rounded duration decides where the rest of its phrase falls, so it dominates how far the
    modes' audio lies apart. Quantizing activations as LiteRT's XNNPACK kernels do (not on a finer grid of
    our own) makes the portable model round as the fast one: on the standard texts (happy) 1,362 of 1,371
    phonemes get the same frame count (99.3 %); with 9-bit activations 1,320 (96.3 %)."""
    same = total = 0
    for text in standard_texts():
        for planned in engine._plan(text, engine_options(), None):
            if not planned.ids.size:
                continue
            portable, fast = (acoustic[m].run(planned.ids, planned.controls) for m in ("portable", "fast"))
            same += int(np.sum(portable.durations == fast.durations))
            total += len(fast.durations)
    assert total > 1000
    assert same / total >= 0.98, f"{same} of {total} phonemes"


def test_portable_vocoder_is_transparent(model_bytes: dict[str, bytes], acoustic: dict[str, AcousticModel],
                                         phrase: tuple[np.ndarray, PhonemeControls]) -> None:
    """The vocoder's 8-bit single-precision products against LiteRT's reference kernels: the same spectrum
    to within 0.41 dB here (the verify tool's aligned log-mel distance), though the waveform moves (SNR
    17.8 dB); the generic interpreter's 20-bit float64 products are closer still (53.7 dB)."""
    from shengqing.verify.acoustics import contour_of, logmel_distance

    mel = acoustic["fast"].run(*phrase).mel
    reference = vocode(make_interpreter(model_bytes[VOCODER_FILE], KernelMode.REFERENCE), mel)
    sequence = vocode(SequenceInterpreter(model_bytes[VOCODER_FILE]), mel)
    generic = vocode(PortableInterpreter(model_bytes[VOCODER_FILE]), mel)

    def snr(other: np.ndarray) -> float:
        return float(10 * np.log10(np.sum(reference**2) / np.sum((other - reference) ** 2)))

    def int16(wave: np.ndarray) -> np.ndarray:
        return np.asarray(np.clip(np.rint(wave * 32767.0), -32768, 32767), np.int16)

    distance = logmel_distance(contour_of(int16(reference)), contour_of(int16(sequence)))
    assert distance < 0.7, f"portable vocoder {distance:.2f} dB from LiteRT's reference kernels"
    assert snr(sequence) > 14.0, f"portable vocoder SNR {snr(sequence):.1f} dB"
    assert snr(generic) > 40.0, f"generic interpreter SNR {snr(generic):.1f} dB"


@pytest.fixture(params=["integer", "blas"])
def int8_products(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways the int8 layers may take their sums: LiteRT's integer kernels, or float32 BLAS (where a
    CPU fails their probe), which the summation-order and core-split checks below reach."""
    if request.param == "blas":
        monkeypatch.setattr(integer, "available", lambda: False)
    return str(request.param)


def test_portable_models_ignore_summation_order_and_threads(
        model_bytes: dict[str, bytes], phrase: tuple[np.ndarray, PhonemeControls],
        monkeypatch: pytest.MonkeyPatch, int8_products: str) -> None:
    from threadpoolctl import threadpool_limits

    ids, controls = phrase
    model = AcousticModel(model_bytes[ACOUSTIC_FILE], KernelMode.PORTABLE)
    vocoder = SequenceInterpreter(model_bytes[VOCODER_FILE])
    with threadpool_limits(limits=1, user_api="blas"):
        first = model.run(ids, controls)
        wave = vocode(vocoder, first.mel)
    with threadpool_limits(limits=2, user_api="blas"):
        assert model.run(ids, controls).mel.tobytes() == first.mel.tobytes()
        assert vocode(vocoder, first.mel).tobytes() == wave.tobytes()
    monkeypatch.setattr(nm, "matmul", reordered_matmul)
    other = model.run(ids, controls)
    assert other.mel.tobytes() == first.mel.tobytes()
    assert other.durations.tobytes() == first.durations.tobytes()
    assert vocode(vocoder, first.mel).tobytes() == wave.tobytes()


def test_portable_acoustic_model_on_several_cores_and_side_by_side(
        model_bytes: dict[str, bytes], engine: Any, monkeypatch: pytest.MonkeyPatch, int8_products: str) -> None:
    """A call given idle cores splits its products over helper threads, and calls from several workers run
    at once (the interpreter is re-entrant): every mel, duration and f0 stays the single-threaded bits."""
    model = AcousticModel(model_bytes[ACOUSTIC_FILE], KernelMode.PORTABLE, threads=4)
    plans = [p for text in standard_texts()[:6] for p in engine._plan(text, engine_options(), None) if p.ids.size]
    alone = [model.run(p.ids, p.controls, threads=1) for p in plans]
    helpers: set[str] = set()
    product = nm.matmul

    def watched(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        helpers.add(threading.current_thread().name)
        return product(a, b)

    monkeypatch.setattr(nm, "matmul", watched)
    for threads in (2, 4):
        for plan, want in zip(plans, alone, strict=True):
            got = model.run(plan.ids, plan.controls, threads=threads)
            assert got.mel.tobytes() == want.mel.tobytes() and np.array_equal(got.durations, want.durations)
            assert got.f0.tobytes() == want.f0.tobytes(), threads
    assert any(name.startswith("shengqing-portable") for name in helpers), helpers
    with ThreadPoolExecutor(max_workers=3) as pool:
        side_by_side = list(pool.map(lambda p: model.run(p.ids, p.controls, threads=2), plans * 2))
    for got, want in zip(side_by_side, alone * 2, strict=True):
        assert got.mel.tobytes() == want.mel.tobytes() and np.array_equal(got.durations, want.durations)
