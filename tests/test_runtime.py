"""The repaired graph, the kernel modes and the windowed vocoder (below the engine)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from shared_helpers import standard_texts
from shengqing.acoustic import AcousticModel, PhonemeControls
from shengqing.errors import ConfigError, ModelCorruptError
from shengqing.models.repair import repair_fastspeech2
from shengqing.models.store import ACOUSTIC_FILE, VOCODER_FILE, InstalledModel
from shengqing.runtime import KernelMode
from shengqing.vocoder import CONTEXT_FRAMES, Vocoder, plan_windows

PHONES = (
    "sil ^ uen2 #0 h ua4 #1 x ian1 #0 s ii1 #1 g ai3 #0 b ian4 #2 l e5 #1 "
    "sh iii4 #0 j ie4 #1 h e2 #0 ^ vn4 #0 m ing4 sil eos"
).split(" ")


def _ids(model: InstalledModel) -> np.ndarray:
    table = json.loads(model.mapper_path.read_text())["symbol_to_id"]
    return np.array([table[p] for p in PHONES], np.int32)


@pytest.fixture(scope="module")
def acoustic(installed_model: InstalledModel) -> AcousticModel:
    return AcousticModel(installed_model.read_verified(ACOUSTIC_FILE), KernelMode.FAST)


@pytest.fixture(scope="module")
def mel(acoustic: AcousticModel, installed_model: InstalledModel) -> np.ndarray:
    ids = _ids(installed_model)
    return acoustic.run(ids, PhonemeControls.neutral(len(ids))).mel


def test_repaired_graph_has_no_random_ops(installed_model: InstalledModel) -> None:
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(
        installed_model.read_verified(ACOUSTIC_FILE), 0))
    customs = [c.customCode for c in model.operatorCodes if c.customCode]
    assert customs == []
    graph = model.subgraphs[0]
    produced = {graph.tensors[i].name.decode() for op in graph.operators for i in op.outputs}
    assert not any(n.startswith(("dropout_55/", "dropout_56/")) for n in produced)
    inputs = [graph.tensors[i].name.decode() for i in graph.inputs]
    assert inputs[5:] == ["f0_scale", "f0_shift", "energy_scale", "energy_shift", "duration_scale"]


def test_repair_refuses_another_graph(installed_model: InstalledModel) -> None:
    with pytest.raises(ModelCorruptError):
        repair_fastspeech2(installed_model.read_verified(VOCODER_FILE))


def test_acoustic_is_deterministic_and_controls_work(acoustic: AcousticModel,
                                                     installed_model: InstalledModel) -> None:
    ids = _ids(installed_model)
    neutral = PhonemeControls.neutral(len(ids))
    first = acoustic.run(ids, neutral)
    assert np.array_equal(first.mel, acoustic.run(ids, neutral).mel)
    assert first.mel.shape == (int(first.durations.sum()), 80)
    slow = acoustic.run(ids, PhonemeControls(neutral.f0_scale, neutral.f0_shift, neutral.energy_scale,
                                             neutral.energy_shift, np.full(len(ids), 1.5, np.float32)))
    assert 1.4 < slow.durations.sum() / first.durations.sum() < 1.6
    fast = acoustic.run(ids, neutral, speed=2.0)
    assert 0.4 < fast.durations.sum() / first.durations.sum() < 0.6
    higher = acoustic.run(ids, PhonemeControls(neutral.f0_scale, np.full(len(ids), 1.0, np.float32),
                                               neutral.energy_scale, neutral.energy_shift,
                                               neutral.duration_scale))
    assert not np.array_equal(higher.mel, first.mel)
    assert np.array_equal(higher.f0, first.f0)  # the prediction is reported before the controls


def test_acoustic_mel_does_not_depend_on_its_thread_count(installed_model: InstalledModel) -> None:
    """The contract that lets the acoustic model use several cores: same mel bits at 1, 2 and 4 threads."""
    from shengqing import Synthesizer

    engine = Synthesizer(threads=1, model=installed_model)
    phrases = [p for text in standard_texts()[:8] for p in engine.frontend.phrases(text) if p.phones]
    model = installed_model.read_verified(ACOUSTIC_FILE)
    models = [AcousticModel(model, KernelMode.FAST, threads=n) for n in (1, 2, 4)]
    for phrase in phrases:
        ids = engine._ids(phrase.phones)
        mels = [m.run(ids, PhonemeControls.neutral(len(ids))).mel for m in models]
        assert all(np.array_equal(mels[0], other) for other in mels[1:]), phrase.text
    engine.close()


def test_vocoder_does_not_depend_on_its_thread_count(installed_model: InstalledModel) -> None:
    """XNNPACK splits the static-shape vocoder's outputs across threads, never its sums: same PCM bits."""
    from shengqing import Synthesizer

    engine = Synthesizer(threads=1, model=installed_model)
    phrases = [p for text in standard_texts()[:6] for p in engine.frontend.phrases(text) if p.phones]
    mels = [engine._acoustic.run(engine._ids(p.phones), PhonemeControls.neutral(len(p.phones) + 1)).mel
            for p in phrases]
    engine.close()
    model = installed_model.read_verified(VOCODER_FILE)
    one, *more = (Vocoder(model, KernelMode.FAST, threads=n) for n in (1, 2, 4))
    for mel in mels:
        expected = one.vocode(mel)
        assert all(np.array_equal(expected, other.vocode(mel)) for other in more), len(mel)


def test_windowed_vocoding_equals_whole_for_any_cut(mel: np.ndarray, installed_model: InstalledModel) -> None:
    vocoder = Vocoder(installed_model.read_verified(VOCODER_FILE), KernelMode.FAST)
    whole = vocoder.vocode(mel, pieces=1)
    assert len(whole) == len(mel) * 300
    for pieces in (2, 3, 7):
        assert np.array_equal(vocoder.vocode(mel, pieces=pieces), whole), pieces


def test_optimized_vocoder_matches_the_original(mel: np.ndarray, installed_model: InstalledModel) -> None:
    """The polyphase rewrite sums in another order: float rounding, and at worst one step of the model's
    8-bit sub-band quantisation (1/128) on a rare sample; the reference kernels happen to give the same bits."""
    original = installed_model.read_verified("mb_melgan_original.tflite")
    optimized = installed_model.read_verified(VOCODER_FILE)
    before = Vocoder(original, KernelMode.FAST).vocode(mel[:150])
    after = Vocoder(optimized, KernelMode.FAST).vocode(mel[:150])
    assert before.shape == after.shape
    assert np.max(np.abs(before - after)) <= 1 / 128 + 1e-4
    assert np.sqrt(np.mean((before - after) ** 2) / np.mean(before**2)) < 5e-3
    reference_before = Vocoder(original, KernelMode.REFERENCE).vocode(mel[:60])
    assert np.array_equal(reference_before, Vocoder(optimized, KernelMode.REFERENCE).vocode(mel[:60]))


def test_optimized_vocoder_has_static_shapes(installed_model: InstalledModel) -> None:
    """No run-time shape arithmetic is left, so LiteRT can plan one arena instead of dynamic tensors."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=installed_model.read_verified(VOCODER_FILE))
    names = {op["op_name"] for op in interpreter._get_ops_details()}
    assert not names & {"SHAPE", "PACK", "STRIDED_SLICE", "TRANSPOSE_CONV", "SPACE_TO_BATCH_ND"}, names


def test_reserved_vocoder_gives_the_same_bits_at_any_length(mel: np.ndarray, installed_model: InstalledModel) -> None:
    model = installed_model.read_verified(VOCODER_FILE)
    reserved = Vocoder(model, KernelMode.FAST, reserve_frames=256)
    plain = Vocoder(model, KernelMode.FAST)
    for frames in (120, 37, 90):
        assert np.array_equal(reserved.vocode(mel[:frames]), plain.vocode(mel[:frames])), frames


def test_plan_windows_covers_every_frame_once() -> None:
    for frames in (1, 5, 100, 401, 1000):
        for pieces in (1, 2, 3, 8):
            windows = plan_windows(frames, pieces)
            kept = [i for w in windows for i in range(w.keep_start, w.keep_stop)]
            assert kept == list(range(frames))
            for w in windows:
                assert w.start == max(0, w.keep_start - CONTEXT_FRAMES)
                assert w.stop == min(frames, w.keep_stop + CONTEXT_FRAMES)


def test_reference_kernels_run_and_are_close_to_fast(mel: np.ndarray, installed_model: InstalledModel) -> None:
    fast = Vocoder(installed_model.read_verified(VOCODER_FILE), KernelMode.FAST).vocode(mel[:120])
    ref = Vocoder(installed_model.read_verified(VOCODER_FILE), KernelMode.REFERENCE).vocode(mel[:120])
    noise = float(np.sum((fast - ref) ** 2))
    snr = 10 * np.log10(float(np.sum(fast ** 2)) / max(noise, 1e-20))
    assert snr > 30, snr
    reference = Vocoder(installed_model.read_verified(VOCODER_FILE), KernelMode.REFERENCE)
    again = reference.vocode(mel[:120], pieces=3)
    assert hashlib.sha256(again.tobytes()).digest() == hashlib.sha256(ref.tobytes()).digest()


def test_kernel_mode_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHENGQING_KERNELS", "Reference")
    assert KernelMode.parse(None) is KernelMode.REFERENCE
    with pytest.raises(ConfigError) as info:
        KernelMode.parse("turbo")
    assert info.value.field == "kernels"
