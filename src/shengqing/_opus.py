"""Ogg Opus that is the same bytes on every CPU: libopus, fixed point, compiled to WebAssembly.

A native libopus picks SIMD code by CPU (its float build's PVQ search uses the approximate ``rcpps`` and
``rsqrtps``, which round differently on Intel, AMD and under emulation), so its bytes follow the machine.
This one is libopus 1.3.1 built for ``wasm32`` in fixed point without intrinsics
(``scripts/opus_wasm/build.sh``): integer arithmetic only, run by wasmtime, whose semantics are the same on
every host. The Ogg container around it is written here, so nothing else varies either.
"""

from __future__ import annotations

import atexit
import functools
import struct
import weakref
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np

from .errors import EncoderUnavailableError

SAMPLE_RATE = 24000
BITRATE = 36000  # VBR target, bits/s: the size and log-mel error libsndfile's native opus had on our speech
COMPLEXITY = 10
FRAME_SAMPLES = SAMPLE_RATE // 50  # 20 ms
PACKETS_PER_PAGE = 10  # one Ogg page per 200 ms: how long a streamed packet may wait for its page
MAX_PACKET_BYTES = 1500  # libopus's own recommendation for a packet buffer
_GRANULE_PER_SAMPLE = 48000 // SAMPLE_RATE  # Ogg Opus counts positions at 48 kHz (RFC 7845 §4)
_SERIAL = 0x5348_4E47  # "SHNG": a fixed stream serial keeps the container reproducible
_WASM = "opus.wasm"
LIBOPUS_VERSION = "libopus 1.3.1-shengqing-fixed"  # what the module's opus_get_version_string() says


@dataclass(frozen=True)
class _Runtime:
    api: Any  # the wasmtime package
    engine: Any
    module: Any


@functools.cache
def _runtime() -> _Runtime:
    """wasmtime and the compiled libopus module, shared by every encoder (compiled once, ~0.15 s)."""
    try:
        import wasmtime
    except ImportError as exc:  # a declared dependency, but an install can still lack it
        raise EncoderUnavailableError(f"opus needs the wasmtime package: {exc}",
                                      hint="pip install wasmtime, or choose wav, flac or mp3") from exc
    config = wasmtime.Config()
    config.cranelift_nan_canonicalization = True  # NaN bits too are then the same everywhere
    engine = wasmtime.Engine(config)
    module = wasmtime.Module(engine, files("shengqing").joinpath("data", _WASM).read_bytes())
    atexit.register(_close, engine, module)
    return _Runtime(wasmtime, engine, module)


_live_stores: weakref.WeakSet[Any] = weakref.WeakSet()


def _close(engine: Any, module: Any) -> None:
    # wasmtime frees its objects in __del__, which fails noisily once interpreter shutdown has torn down
    # its bindings: free them while the interpreter is still whole
    for store in list(_live_stores):
        store.close()
    module.close()
    engine.close()


def prepare() -> None:
    """Compile the module now rather than on the first opus request."""
    _runtime()


@functools.cache
def build_id() -> str:
    """What encodes opus here, for the environment fingerprint: the libopus build and the module's sha256."""
    import hashlib

    digest = hashlib.sha256(files("shengqing").joinpath("data", _WASM).read_bytes()).hexdigest()
    return f"{LIBOPUS_VERSION} wasm:{digest[:16]}"


class OpusEncoder:
    """One libopus encoder (24 kHz mono, VBR) in its own WebAssembly instance; not thread-safe."""

    def __init__(self) -> None:
        runtime = _runtime()
        self._store = runtime.api.Store(runtime.engine)
        _live_stores.add(self._store)
        instance = runtime.api.Instance(self._store, runtime.module, [])  # the module is shared; stores are not
        exports = instance.exports(self._store)
        self._memory = exports["memory"]
        self._exports = {name: exports[name] for name in _FUNCTIONS}
        self._encode = self._exports["sq_encode"]
        error = self._call("sq_alloc", 4)
        self._state = self._call("sq_encoder_new", SAMPLE_RATE, BITRATE, COMPLEXITY, error)
        if not self._state:
            code = struct.unpack("<i", self._memory.read(self._store, error, error + 4))[0]
            raise EncoderUnavailableError(f"libopus refused the encoder settings (error {code})")
        #: samples of delay the decoder skips (the encoder's lookahead), at 24 kHz
        self.lookahead = self._call("sq_encoder_lookahead", self._state)
        self._pcm = self._call("sq_alloc", FRAME_SAMPLES * 2)
        self._packet = self._call("sq_alloc", MAX_PACKET_BYTES)
        self.version = self._c_string(self._call("sq_version"))

    def encode(self, frame: np.ndarray) -> bytes:
        """One 20 ms frame (480 int16 samples) → one Opus packet."""
        self._memory.write(self._store, frame.astype("<i2").tobytes(), self._pcm)
        size = self._encode(self._store, self._state, self._pcm, FRAME_SAMPLES, self._packet, MAX_PACKET_BYTES)
        assert isinstance(size, int)
        if size < 0:  # only a bug here can make libopus fail on a valid frame
            raise EncoderUnavailableError(f"libopus failed to encode a frame (error {size})")
        return bytes(self._memory.read(self._store, self._packet, self._packet + size))

    def _call(self, name: str, *args: int) -> int:
        result = self._exports[name](self._store, *args)
        assert isinstance(result, int)
        return result

    def _c_string(self, address: int) -> str:
        raw = bytes(self._memory.read(self._store, address, address + 256))
        return raw.split(b"\0", 1)[0].decode("ascii", "replace")


_FUNCTIONS = ("sq_encoder_new", "sq_encoder_lookahead", "sq_encode", "sq_version", "sq_alloc")


class OggOpusStream:
    """Incremental Ogg Opus writer: ``feed`` int16 PCM, get the complete pages so far; ``finish`` ends it.

    Frames start every 480 samples from the beginning of the stream and a page holds 10 packets, so how the
    PCM is split between calls never changes the bytes. The last page's granule position trims the padding
    (RFC 7845 §4.5): a decoder returns exactly the samples fed in.
    """

    def __init__(self) -> None:
        self._encoder = OpusEncoder()
        self._pending = np.zeros(0, np.int16)
        self._packets: list[bytes] = []
        self._fed = 0
        self._paged_frames = 0
        self._sequence = 0
        self._started = False

    def feed(self, samples: np.ndarray) -> bytes:
        out = [self._headers()] if not self._started else []
        pcm = np.concatenate([self._pending, np.asarray(samples, np.int16)])
        self._fed += len(samples)
        whole = len(pcm) // FRAME_SAMPLES * FRAME_SAMPLES
        for start in range(0, whole, FRAME_SAMPLES):
            self._packets.append(self._encoder.encode(pcm[start:start + FRAME_SAMPLES]))
            if len(self._packets) == PACKETS_PER_PAGE:
                out.append(self._page(PACKETS_PER_PAGE))
        self._pending = pcm[whole:]
        return b"".join(out)

    def finish(self) -> bytes:
        out = [self._headers()] if not self._started else []
        # zeros up to a whole frame past the lookahead, so the decoder's output reaches the last real sample
        needed = len(self._pending) + self._encoder.lookahead
        padded = np.zeros(-(-needed // FRAME_SAMPLES) * FRAME_SAMPLES, np.int16)
        padded[:len(self._pending)] = self._pending
        self._pending = np.zeros(0, np.int16)
        for start in range(0, len(padded), FRAME_SAMPLES):
            self._packets.append(self._encoder.encode(padded[start:start + FRAME_SAMPLES]))
        while len(self._packets) > PACKETS_PER_PAGE:  # the last page keeps 1 to 10 packets
            out.append(self._page(PACKETS_PER_PAGE))
        # the last position counts real samples only: decoders drop the padding after it (RFC 7845 §4.5)
        out.append(self._page(len(self._packets), end=self._encoder.lookahead + self._fed))
        return b"".join(out)

    def _headers(self) -> bytes:
        self._started = True
        pre_skip = self._encoder.lookahead * _GRANULE_PER_SAMPLE
        head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, pre_skip, SAMPLE_RATE, 0, 0)
        vendor = self._encoder.version.encode("utf-8")
        tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
        return self._raw_page([head], 0, beginning_of_stream=True) + self._raw_page([tags], 0)

    def _page(self, count: int, *, end: int | None = None) -> bytes:
        """A page of the first ``count`` pending packets; ``end``: the stream's last position, at 24 kHz."""
        packets, self._packets = self._packets[:count], self._packets[count:]
        self._paged_frames += count
        # a page's granule position: 48 kHz samples decoded through its last packet, pre-skip included
        position = self._paged_frames * FRAME_SAMPLES if end is None else end
        return self._raw_page(packets, position * _GRANULE_PER_SAMPLE, end_of_stream=end is not None)

    def _raw_page(self, packets: list[bytes], granule: int, *, beginning_of_stream: bool = False,
                  end_of_stream: bool = False) -> bytes:
        lacing = bytearray()
        for packet in packets:
            lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
        if len(lacing) > 255:  # 10 packets of ≤ 1500 bytes never get here at 32 kbit/s; refuse loudly if so
            raise EncoderUnavailableError("an Ogg page would need more than 255 lacing values")
        flags = (2 if beginning_of_stream else 0) | (4 if end_of_stream else 0)
        header = (b"OggS" + struct.pack("<BBqIII", 0, flags, granule, _SERIAL, self._sequence, 0)
                  + bytes([len(lacing)]) + bytes(lacing))
        self._sequence += 1
        page = bytearray(header + b"".join(packets))
        page[22:26] = struct.pack("<I", ogg_crc(bytes(page)))
        return bytes(page)


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
        table.append(crc)
    return table


_CRC = _crc_table()


def ogg_crc(page: bytes) -> int:
    """Ogg's page checksum (CRC-32, polynomial 0x04C11DB7, not reflected), with the CRC field zeroed."""
    crc = 0
    table = _CRC
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ table[((crc >> 24) ^ byte) & 0xFF]
    return crc
