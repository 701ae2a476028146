"""``--play``: speak through the default audio output (PortAudio via the ``sounddevice`` package).

Opened before synthesis starts, so a machine without a usable output device fails at once with one line.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import numpy as np

from ..audio import SAMPLE_RATE
from ..errors import ShengqingError


class AudioOutputError(ShengqingError, RuntimeError):
    """No audio output can be opened (no package, no PortAudio library, or no output device)."""

    code = "no_audio_output"


class Player:
    """A PortAudio output stream; ``write`` blocks while the device's buffer is full, so playback paces the
    loop and memory stays bounded."""

    def __init__(self, device: str | None = None) -> None:
        sd = _sounddevice()
        try:
            info: Any = sd.query_devices(device, kind="output")
            self._stream: Any = sd.OutputStream(samplerate=SAMPLE_RATE, channels=1, dtype="int16",
                                                device=device)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioOutputError(f"no audio output device found (PortAudio: {exc})", field="play",
                                   hint="write a file with -o instead, or connect/enable a sound device") from None
        self.device_name = str(info.get("name", device or "default")) if isinstance(info, dict) else "default"

    def write(self, samples: np.ndarray) -> None:
        if len(samples):
            self._stream.write(np.ascontiguousarray(samples, dtype=np.int16).reshape(-1, 1))

    def close(self) -> None:
        self._stream.stop()  # waits until the buffered audio has been played
        self._stream.close()

    def abort(self) -> None:
        self._stream.abort()
        self._stream.close()

    def __enter__(self) -> Player:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def _sounddevice() -> Any:
    try:
        import sounddevice
    except ImportError:
        raise AudioOutputError("--play needs the sounddevice package", field="play",
                               hint="pip install 'shengqing[play]'") from None
    except OSError:  # sounddevice imports, then cannot load the PortAudio library
        raise AudioOutputError("--play needs the PortAudio library", field="play",
                               hint="install it (Debian/Ubuntu: apt-get install libportaudio2)") from None
    return sounddevice
