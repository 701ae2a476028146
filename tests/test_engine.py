"""Engine: real speech from the real model, deterministic bytes, streaming equals whole, threads."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from shared_helpers import SEED_SENTENCES, sha256, standard_texts
from shengqing import Audio, NothingToSayError, Synthesizer
from shengqing.errors import InvalidOptionError

LONG_TEXT = "".join(standard_texts()[3:12])

_HASH_SCRIPT = """
import hashlib, sys
from shengqing import Synthesizer
with Synthesizer(threads=int(sys.argv[2])) as tts:
    print(hashlib.sha256(tts.synthesize(sys.argv[1]).pcm_bytes()).hexdigest())
"""


def _speech_like(audio: Audio) -> None:
    samples = audio.samples.astype(np.float32) / 32768
    assert audio.sample_rate == 24000 and audio.samples.dtype == np.int16
    assert np.sqrt(np.mean(samples ** 2)) > 0.02
    assert np.max(np.abs(samples)) < 0.99


def test_seed_sentences_give_plausible_speech(engine: Synthesizer) -> None:
    for text in SEED_SENTENCES:
        audio = engine.synthesize(text)
        chars = len(text) - 2  # two punctuation marks
        # Mandarin read speech runs at roughly 3–6 syllables per second
        assert chars / 6 < audio.duration < chars / 3 + 0.6, (text, audio.duration)
        _speech_like(audio)
        assert audio.timings.acoustic > 0 and audio.timings.vocoder > 0


def test_same_input_gives_same_bytes_across_calls_and_threads(engine: Synthesizer,
                                                              installed_model: object) -> None:
    first = engine.synthesize(LONG_TEXT).pcm_bytes()
    assert engine.synthesize(LONG_TEXT).pcm_bytes() == first
    for threads in (1, 4):
        with Synthesizer(model=installed_model, threads=threads) as other:  # type: ignore[arg-type]
            assert other.synthesize(LONG_TEXT).pcm_bytes() == first, threads


def test_two_processes_give_the_same_sha256(engine: Synthesizer) -> None:
    text = SEED_SENTENCES[1]
    expected = sha256(engine.synthesize(text).pcm_bytes())
    for threads in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", _HASH_SCRIPT, text, threads], capture_output=True,
                             text=True, check=True)
        assert out.stdout.strip() == expected


def test_concurrent_callers_get_identical_audio(engine: Synthesizer) -> None:
    texts = [*SEED_SENTENCES, SEED_SENTENCES[0]]
    expected = [sha256(engine.synthesize(t).pcm_bytes()) for t in texts]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda t: sha256(engine.synthesize(t).pcm_bytes()), texts * 2))
    assert got == expected * 2


def test_stream_concatenation_equals_synthesize(engine: Synthesizer) -> None:
    chunks = list(engine.stream(LONG_TEXT))
    assert len(chunks) > 5
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert [c.is_last for c in chunks] == [False] * (len(chunks) - 1) + [True]
    joined = np.concatenate([c.samples for c in chunks])
    assert joined.tobytes() == engine.synthesize(LONG_TEXT).samples.tobytes()


def test_pauses_follow_punctuation(engine: Synthesizer) -> None:
    chunks = list(engine.stream("你好，今天天气很好。我们出去走走吧！"))
    # each chunk ends with its pause: the sentence end pauses longer than the comma
    def trailing_silence(samples: np.ndarray) -> int:
        loud = np.nonzero(np.abs(samples) > 300)[0]
        return len(samples) - (loud[-1] + 1 if len(loud) else 0)
    comma, full_stop = trailing_silence(chunks[0].samples), trailing_silence(chunks[1].samples)
    assert full_stop > comma > 0.1 * 24000


def test_sentences_keep_their_pauses_in_long_text(engine: Synthesizer) -> None:
    sentence = "这是一个用来测试停顿的句子，它有一点长，但是不会太长。"
    chunks = list(engine.stream(sentence * 8 + "\n" + sentence))
    # every sentence end (not only those inside one frontend call) is followed by a pause
    for chunk in chunks[:-1]:
        tail = chunk.samples[-int(0.15 * 24000):]
        assert np.max(np.abs(tail)) < 300, chunk.text
    assert len(chunks[-1].samples) > 0


def test_closing_a_stream_early_is_clean(engine: Synthesizer) -> None:
    stream = engine.stream(LONG_TEXT * 3)
    first = next(stream)
    stream.close()
    assert len(first.samples) > 0
    assert engine.synthesize(SEED_SENTENCES[0]).duration > 1  # the engine still works


def test_speed_changes_duration(engine: Synthesizer) -> None:
    normal = engine.synthesize(SEED_SENTENCES[0]).duration
    fast = engine.synthesize(SEED_SENTENCES[0], speed=1.5).duration
    slow = engine.synthesize(SEED_SENTENCES[0], speed=0.7).duration
    assert fast < 0.8 * normal and slow > 1.25 * normal


@pytest.mark.parametrize("text", ["", "   \n\t", "，。！？……", "😀🎉👍", "\x00\x07\x1b"])
def test_nothing_to_say(engine: Synthesizer, text: str) -> None:
    with pytest.raises(NothingToSayError) as info:
        engine.synthesize(text)
    assert info.value.code == "nothing_to_say"


@pytest.mark.parametrize(("option", "value"), [("speed", 3.0), ("speed", "fast"), ("volume", -1.0),
                                               ("emotion", "bored"), ("speed", float("nan"))])
def test_bad_options_name_the_field(engine: Synthesizer, option: str, value: object) -> None:
    with pytest.raises(InvalidOptionError) as info:
        engine.synthesize("你好", **{option: value})
    assert info.value.field == option


def test_unknown_option_is_refused(engine: Synthesizer) -> None:
    with pytest.raises(InvalidOptionError, match="colour"):
        engine.synthesize("你好", colour="red")


def test_mixed_text_is_spoken(engine: Synthesizer) -> None:
    for text in ("iPhone 15 Pro和5G网络", "ABC", "2026年3月15日", "abc😀def"):
        assert engine.synthesize(text).duration > 0.3, text


def test_reference_kernels_give_equivalent_audio(installed_model: object, engine: Synthesizer) -> None:
    with Synthesizer(model=installed_model, kernels="reference", threads=2) as ref:  # type: ignore[arg-type]
        ref_audio = ref.synthesize(SEED_SENTENCES[0])
        assert ref.synthesize(SEED_SENTENCES[0]).pcm_bytes() == ref_audio.pcm_bytes()
    fast_audio = engine.synthesize(SEED_SENTENCES[0])
    assert abs(ref_audio.duration - fast_audio.duration) < 0.05 * fast_audio.duration


def test_info_describes_the_model(engine: Synthesizer, tmp_path: Path) -> None:
    info = engine.info()
    assert info["kernels"] == "portable" and info["sample_rate"] == 24000
    assert len(info["model_fingerprint"]) == 64
