"""Ogg Opus from the bundled WebAssembly libopus (``shengqing._opus``).

Valid Ogg Opus that decodes to exactly the samples fed; bytes that do not depend on how the PCM was split
between calls, nor on the thread; a known answer for a signal built from integers only (so it is the same
input everywhere: the cross-platform harness runs this file's encoder on other CPUs through the golden
suite); and audio as close to the PCM as libsndfile's native libopus got at the same size.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import shutil
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shengqing import _opus
from shengqing.audio import decode, encode
from shengqing.errors import EncoderUnavailableError
from shengqing.verify.acoustics import _FILTERS, _db, power_spectrogram

REPO = Path(__file__).resolve().parents[1]


def integer_signal(samples: int, seed: int = 7) -> np.ndarray:
    """Speech-like enough for the encoder (a buzzing vowel that moves, with noise), from integers only."""
    rng = np.random.default_rng(seed)
    n = np.arange(samples, dtype=np.int64)
    period = 110 + (n // 2400) % 7 * 9  # a pitch that steps every 100 ms
    saw = (n % period) * 12000 // period - 6000
    envelope = (n // 240) % 50  # a 2 s swell, in steps
    noise = rng.integers(-400, 401, samples)
    return np.asarray(saw * envelope // 49 + noise, dtype=np.int16)


def ogg_pages(data: bytes) -> list[dict[str, Any]]:
    pages, offset = [], 0
    while offset < len(data):
        assert data[offset:offset + 4] == b"OggS", f"no page at byte {offset}"
        version, flags, granule, serial, sequence, crc, count = struct.unpack_from("<BBqIIIB", data, offset + 4)
        lacing = data[offset + 27:offset + 27 + count]
        end = offset + 27 + count + sum(lacing)
        page = bytearray(data[offset:end])
        page[22:26] = b"\0\0\0\0"
        packets, size = [], 0
        body = offset + 27 + count
        for value in lacing:
            size += value
            if value < 255:
                packets.append(data[body:body + size])
                body, size = body + size, 0
        pages.append({"version": version, "flags": flags, "granule": granule, "serial": serial,
                      "sequence": sequence, "crc_ok": crc == _opus.ogg_crc(bytes(page)), "packets": packets})
        offset = end
    return pages


def test_pages_are_valid_ogg_opus() -> None:
    signal = integer_signal(24000 * 3 + 123)
    pages = ogg_pages(encode(signal, "opus"))
    assert [p["sequence"] for p in pages] == list(range(len(pages)))
    assert all(p["crc_ok"] and p["version"] == 0 and p["serial"] == pages[0]["serial"] for p in pages)
    assert [p["flags"] for p in pages] == [2] + [0] * (len(pages) - 2) + [4]  # BOS first, EOS last
    head, tags = pages[0]["packets"][0], pages[1]["packets"][0]
    version, channels, pre_skip, rate, gain, mapping = struct.unpack("<BBHIhB", head[8:])
    assert head[:8] == b"OpusHead" and (version, channels, rate, gain, mapping) == (1, 1, 24000, 0, 0)
    vendor_length = struct.unpack_from("<I", tags, 8)[0]
    assert tags[:8] == b"OpusTags" and tags[12:12 + vendor_length].decode() == _opus.LIBOPUS_VERSION
    audio = pages[2:]
    assert [p["granule"] for p in pages[:2]] == [0, 0]
    positions = [p["granule"] for p in audio]
    assert positions == sorted(positions)
    assert all(len(p["packets"]) == _opus.PACKETS_PER_PAGE for p in audio[:-1])
    # every non-final page ends on its packets' decoded length; the last trims to the samples fed
    packets_before = np.cumsum([len(p["packets"]) for p in audio])
    assert positions[:-1] == list(packets_before[:-1] * 960)
    assert positions[-1] == pre_skip + 2 * len(signal)
    assert pre_skip == 2 * _opus.OpusEncoder().lookahead


@pytest.mark.parametrize("length", [0, 1, 479, 480, 481, 4800 - 156, 4800, 24000 * 2 + 7])
def test_decodes_to_exactly_the_samples_fed(length: int) -> None:
    signal = integer_signal(length)
    decoded = decode(encode(signal, "opus"), "opus")
    assert len(decoded) == length
    if length >= 4800:  # aligned: the decoder skipped exactly the encoder's lookahead
        lag = np.argmax(np.correlate(decoded[1000:3000].astype(float), signal[900:3100].astype(float)))
        assert lag == 100


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 3000), max_size=12))
def test_how_the_pcm_is_split_never_changes_the_bytes(cuts: list[int]) -> None:
    signal = integer_signal(9000)
    whole = encode(signal, "opus")
    stream = _opus.OggOpusStream()
    bounds = [0, *sorted(min(c * 3, len(signal)) for c in cuts), len(signal)]
    parts = [stream.feed(signal[a:b]) for a, b in itertools.pairwise(bounds)]
    assert b"".join(parts) + stream.finish() == whole


def test_streamed_pages_come_out_as_the_audio_goes_in() -> None:
    stream = _opus.OggOpusStream()
    first = stream.feed(integer_signal(24000))  # one second: five full pages besides the two headers
    assert len(ogg_pages(first)) == 2 + 24000 // (480 * _opus.PACKETS_PER_PAGE)
    assert stream.feed(integer_signal(100)) == b""  # not a frame yet: nothing is written half
    assert ogg_pages(stream.finish())[-1]["flags"] == 4


def test_threads_do_not_change_the_bytes() -> None:
    signals = [integer_signal(24000 + 97 * i, seed=i) for i in range(6)]
    alone = [encode(s, "opus") for s in signals]
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(lambda s: encode(s, "opus"), signals))
    assert together == alone


def test_known_answer() -> None:
    """The bytes themselves: recorded on x86-64; qemu Nehalem, Haswell and arm64 give these too."""
    digest = hashlib.sha256(encode(integer_signal(24000 * 2), "opus")).hexdigest()
    assert digest == "225f1a3c301845f5577050750eaf1a1e4f75d0aad36e37a7453fdd4d328128db"


def test_the_module_is_the_build_it_names() -> None:
    assert _opus.OpusEncoder().version == _opus.LIBOPUS_VERSION
    assert _opus.build_id().startswith(_opus.LIBOPUS_VERSION + " wasm:")


def test_without_wasmtime_opus_is_a_clear_error_and_other_formats_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wasmtime", None)  # an install that lacks it
    _opus._runtime.cache_clear()
    try:
        with pytest.raises(EncoderUnavailableError, match="wasmtime") as raised:
            encode(integer_signal(4800), "opus")
        assert raised.value.code == "encoder_unavailable" and "wav" in str(raised.value.hint)
        assert decode(encode(integer_signal(4800), "flac"), "flac").tolist() == integer_signal(4800).tolist()
    finally:
        _opus._runtime.cache_clear()


def _log_mel_error(reference: np.ndarray, other: np.ndarray) -> float:
    """Mean |difference| in dB of the two log-mel spectrograms, over the frames where there is speech."""
    a, b = (_db(power_spectrogram(s) @ _FILTERS.T) for s in (reference, other))
    speech = a.max(axis=1) > -60
    return float(np.mean(np.abs(a - b)[speech]))


def test_as_faithful_as_the_native_libopus_at_the_same_size(engine: Any) -> None:
    import soundfile as sf

    speech = engine.synthesize("今天的阳光真灿烂，心情特别愉快！我们一起去公园散步吧。").samples
    ours = encode(speech, "opus")
    native = io.BytesIO()
    with sf.SoundFile(native, "w", 24000, 1, format="OGG", subtype="OPUS") as handle:
        handle.write(speech)
    theirs = native.getvalue()
    assert 0.85 < len(ours) / len(theirs) < 1.15
    ours_error = _log_mel_error(speech, decode(ours, "opus"))
    theirs_error = _log_mel_error(speech, decode(theirs, "opus"))
    assert ours_error < 1.5 and ours_error < theirs_error + 0.15, (ours_error, theirs_error)


@pytest.mark.heavy
@pytest.mark.skipif(shutil.which("clang") is None, reason="needs clang, lld, wasi-libc (scripts/opus_wasm/build.sh)")
def test_the_committed_module_rebuilds_bit_for_bit(tmp_path: Path) -> None:
    out = tmp_path / "opus.wasm"
    subprocess.run(["bash", str(REPO / "scripts/opus_wasm/build.sh"), str(out)], check=True, capture_output=True)
    assert out.read_bytes() == (REPO / "src/shengqing/data/opus.wasm").read_bytes()
