"""Audio results and deterministic encoders (wav, pcm, flac, mp3, ogg/opus), whole or streaming.

Every encoder is deterministic: the same PCM gives the same bytes. FLAC and MP3 come from libsndfile;
Ogg Opus from libopus compiled to WebAssembly (:mod:`._opus`), whose bytes do not depend on the CPU.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import UnsupportedFormatError
from .timestamps import Timestamps

if TYPE_CHECKING:
    import soundfile as sf

    from ._opus import OggOpusStream

SAMPLE_RATE = 24000

#: format name → (MIME type, file suffix)
FORMATS: dict[str, tuple[str, str]] = {
    "wav": ("audio/wav", ".wav"),
    "pcm": ("audio/L16;rate=24000;channels=1;endianness=little", ".pcm"),  # s16le: RFC 2586 alone means big-endian
    "flac": ("audio/flac", ".flac"),
    "mp3": ("audio/mpeg", ".mp3"),
    "opus": ("audio/ogg; codecs=opus", ".opus"),
}
FORMAT_ALIASES = {"ogg": "opus", "wave": "wav", "raw": "pcm", "l16": "pcm", "mpeg": "mp3"}
#: formats people ask for that no kept library encodes cleanly (answered with 415)
UNSUPPORTED_FORMATS = {"aac": "AAC needs an encoder (ffmpeg/fdk) that shengqing does not ship"}

_SOUNDFILE_FORMATS = {"flac": ("FLAC", "PCM_16"), "mp3": ("MP3", "MPEG_LAYER_III")}


@dataclass(frozen=True)
class StageTimings:
    """Seconds spent in each pipeline stage."""

    frontend: float = 0.0
    acoustic: float = 0.0
    vocoder: float = 0.0

    def __add__(self, other: StageTimings) -> StageTimings:
        return StageTimings(self.frontend + other.frontend, self.acoustic + other.acoustic,
                            self.vocoder + other.vocoder)

    @property
    def total(self) -> float:
        return self.frontend + self.acoustic + self.vocoder


@dataclass(frozen=True)
class AudioChunk:
    """One phrase of a streamed synthesis: its speech followed by the pause that punctuation asks for."""

    samples: np.ndarray  # int16, mono, 24 kHz
    index: int
    text: str
    is_last: bool
    timings: StageTimings = field(default_factory=StageTimings)
    sample_rate: int = SAMPLE_RATE
    #: with ``timestamps=True``: when this chunk's text is heard, in the whole output's timeline
    timestamps: Timestamps | None = None

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Audio:
    """A whole synthesis result: 24 kHz mono int16 samples, duration and per-stage timings."""

    samples: np.ndarray
    timings: StageTimings
    phrases: int
    sample_rate: int = SAMPLE_RATE
    #: with ``timestamps=True``: when each character, word and phrase of the input is heard
    timestamps: Timestamps | None = None

    @property
    def duration(self) -> float:
        """Length of the audio in seconds."""
        return len(self.samples) / self.sample_rate

    @property
    def rtf(self) -> float:
        """Real-time factor: synthesis seconds per audio second."""
        return self.timings.total / self.duration if self.duration else 0.0

    def pcm_bytes(self) -> bytes:
        """Raw signed 16-bit little-endian PCM."""
        return self.samples.astype("<i2").tobytes()

    def encode(self, fmt: str = "wav") -> bytes:
        """Encode to ``wav``, ``pcm``, ``flac``, ``mp3`` or ``opus`` (Ogg)."""
        return encode(self.samples, fmt)

    @classmethod
    def concatenate(cls, chunks: Iterable[AudioChunk]) -> Audio:
        """Join streamed chunks into one result (identical samples to a whole synthesis)."""
        items = list(chunks)
        timings = StageTimings()
        for chunk in items:
            timings = timings + chunk.timings
        samples = np.concatenate([c.samples for c in items]) if items else np.zeros(0, np.int16)
        stamps = [c.timestamps for c in items if c.timestamps is not None]
        joined = Timestamps.join(stamps) if items and len(stamps) == len(items) else None
        return cls(samples=samples, timings=timings, phrases=len(items), timestamps=joined)


def normalize_format(fmt: str) -> str:
    """Canonical format name, or :class:`UnsupportedFormatError` naming the allowed ones."""
    name = fmt.strip().lower()
    name = FORMAT_ALIASES.get(name, name)
    if name in FORMATS:
        return name
    allowed = ", ".join(FORMATS)
    if name in UNSUPPORTED_FORMATS:
        raise UnsupportedFormatError(f"format {fmt!r} is not supported: {UNSUPPORTED_FORMATS[name]}",
                                     field="format", value=fmt, hint=f"use one of: {allowed}")
    raise UnsupportedFormatError(f"unknown audio format {fmt!r}", field="format", value=fmt,
                                 hint=f"use one of: {allowed}")


def mime_type(fmt: str) -> str:
    return FORMATS[normalize_format(fmt)][0]


def wav_header(num_samples: int | None, sample_rate: int = SAMPLE_RATE) -> bytes:
    """A 44-byte PCM WAV header; ``None`` = unknown length (streaming), sizes set to 0xFFFFFFFF."""
    data_size = 0xFFFFFFFF if num_samples is None else num_samples * 2
    riff_size = 0xFFFFFFFF if num_samples is None else 36 + data_size
    return (b"RIFF" + struct.pack("<I", riff_size) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
            + b"data" + struct.pack("<I", data_size))


class StreamEncoder:
    """Incremental encoder: ``feed`` PCM chunks, get the bytes ready so far; ``finish`` flushes the rest.

    The concatenation of everything returned decodes to exactly the PCM fed in and, except for wav (whose
    streamed header says "length unknown"), equals :func:`encode` of the whole signal byte for byte. FLAC
    is produced whole at ``finish`` (its header is only complete then); pcm, wav, mp3 and opus stream.
    """

    def __init__(self, fmt: str, *, streaming: bool = True, total_samples: int | None = None) -> None:
        self.format = normalize_format(fmt)
        self._started = False
        self._total = None if streaming else total_samples
        self._buffer: io.BytesIO | None = None
        self._file: sf.SoundFile | None = None
        self._sent = 0
        self._opus: OggOpusStream | None = None
        if self.format == "opus":
            from ._opus import OggOpusStream

            self._opus = OggOpusStream()
        # libsndfile rewrites the MP3 info (Xing/LAME) frame when it closes the file, so a stream could not
        # match the file; both drop that frame (it holds no audio) and are then byte-identical.
        self._mp3_skip: int | None = None if self.format == "mp3" else 0
        if self.format in _SOUNDFILE_FORMATS:
            import soundfile as sf  # ~25 ms to import: only for the formats that need libsndfile

            container, subtype = _SOUNDFILE_FORMATS[self.format]
            self._buffer = io.BytesIO()
            extra: dict[str, object] = {}
            if self.format == "mp3":  # constant bitrate (~80 kbit/s): readers size the stream correctly
                extra = {"bitrate_mode": "CONSTANT", "compression_level": 0.5}
            self._file = sf.SoundFile(self._buffer, "w", SAMPLE_RATE, 1, format=container, subtype=subtype,
                                      **extra)

    def feed(self, samples: np.ndarray) -> bytes:
        pcm = np.asarray(samples, dtype=np.int16)
        if self.format in ("wav", "pcm"):
            head = b""
            if self.format == "wav" and not self._started:
                head = wav_header(self._total)
            self._started = True
            return head + pcm.astype("<i2").tobytes()
        if self._opus is not None:
            return self._opus.feed(pcm)
        assert self._file is not None
        if len(pcm):
            self._file.write(pcm)
        return self._drain()

    def finish(self) -> bytes:
        if self.format in ("wav", "pcm"):
            return self.feed(np.zeros(0, np.int16)) if not self._started else b""
        if self._opus is not None:
            return self._opus.finish()
        assert self._file is not None and self._buffer is not None
        self._file.close()
        if self.format == "flac":
            # FLAC is not streamed: its header (length, MD5) is only complete at close
            return self._buffer.getvalue()
        return self._drain()

    def _drain(self) -> bytes:
        assert self._buffer is not None
        data = self._buffer.getvalue()
        if self._mp3_skip is None:
            if len(data) < 4:
                return b""
            self._mp3_skip = self._sent = _mp3_frame_length(data[:4])
        if self.format == "flac":
            return b""  # returned complete by finish()
        new = data[self._sent:]
        self._sent = max(self._sent, len(data))
        return new


def encode(samples: np.ndarray, fmt: str = "wav") -> bytes:
    """Encode a whole int16 signal; deterministic (same samples → same bytes)."""
    encoder = StreamEncoder(fmt, streaming=False, total_samples=len(samples))
    return encoder.feed(samples) + encoder.finish()


_MAX_STATED_FRAMES = SAMPLE_RATE * 3600 * 24  # beyond a day, a stated length is a placeholder


def decode(data: bytes, fmt: str) -> np.ndarray:
    """Decode bytes produced by :func:`encode` back to int16 samples (tests and ``verify`` use it)."""
    name = normalize_format(fmt)
    if name == "pcm":
        return np.frombuffer(data, dtype="<i2").astype(np.int16)
    if name == "wav" and data[4:8] == b"\xff\xff\xff\xff":
        return np.frombuffer(data[44:], dtype="<i2").astype(np.int16)
    import soundfile as sf

    with sf.SoundFile(io.BytesIO(data)) as handle:
        # the stated length in one read: libsndfile's MP3 decoder loses the bit reservoir between partial
        # reads and garbles frames there; then block-wise, as a streamed file may state too little
        stated = handle.frames if 0 < handle.frames < _MAX_STATED_FRAMES else 0
        blocks = [handle.read(stated, dtype="int16").reshape(-1)] if stated else []
        while len(block := handle.read(65536, dtype="int16")):
            blocks.append(block.reshape(-1))
    return np.concatenate(blocks) if blocks else np.zeros(0, np.int16)


_MP3_BITRATES = {3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
                 2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame_length(header: bytes) -> int:
    """Byte length of the Layer III frame starting with ``header`` (libsndfile's first, info frame)."""
    version = (header[1] >> 3) & 3
    bitrate = _MP3_BITRATES[3 if version == 3 else 2][header[2] >> 4] * 1000
    rate = _MP3_RATES[version][(header[2] >> 2) & 3]
    padding = (header[2] >> 1) & 1
    return (144 if version == 3 else 72) * bitrate // rate + padding
