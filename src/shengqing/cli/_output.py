"""Where ``shengqing say`` puts its audio: a file written whole (:class:`AtomicOutput`) or standard output
as the audio is produced (:class:`StdoutStream`)."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..audio import StreamEncoder, normalize_format, wav_header
from ..errors import InvalidOptionError

#: formats whose encoder only produces bytes at the end (the FLAC header holds the length and MD5)
WHOLE_ONLY_FORMATS = ("flac",)


def output_format(explicit: str | None, output: Path | None) -> str:
    """``--format`` if given, else the output's suffix, else wav."""
    if explicit:
        return normalize_format(explicit)
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    if output is not None and str(output) != "-" and suffix:
        return normalize_format(suffix)
    return "wav"


class AtomicOutput:
    """The output file, written whole or not at all: a temporary file beside it, then a rename.

    Created before synthesis, so an unwritable path is reported at once; a failed write (a full disk)
    leaves the previous file as it was and no partial file behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        os.close(handle)
        self.temp: Path | None = Path(temp)

    def commit(self, data: bytes) -> None:
        assert self.temp is not None
        try:
            with self.temp.open("wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            if self.path.exists():  # keep the permissions of the file it replaces
                shutil.copymode(self.path, self.temp)
            else:
                self.temp.chmod(0o666 & ~_umask())
            os.replace(self.temp, self.path)
        except OSError as exc:
            raise _cannot_write(self.path, exc) from None
        self.temp = None

    def discard(self) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None


class StdoutStream:
    """``-o -``: each phrase's bytes go to standard output as soon as it is synthesized.

    wav starts with a header whose sizes say "unknown length" (0xFFFFFFFF, as streamed WAV does); when
    standard output is a regular file (``> out.wav``) the header is rewritten with the real sizes at the
    end, so the file equals ``-o out.wav`` byte for byte. pcm, mp3 and opus stream as they are; flac cannot
    (see :data:`WHOLE_ONLY_FORMATS`) and is written at the end.
    """

    def __init__(self, fmt: str) -> None:
        self.format = fmt
        self._encoder = StreamEncoder(fmt)
        self._out = sys.stdout.buffer
        self._samples = 0
        self._start = _rewritable_position(self._out.fileno()) if fmt == "wav" else None

    def write(self, samples: np.ndarray) -> None:
        self._samples += len(samples)
        self._emit(self._encoder.feed(samples))

    def finish(self) -> None:
        self._emit(self._encoder.finish())
        if self._start is not None:
            self._out.seek(self._start)
            self._out.write(wav_header(self._samples))
            self._out.seek(0, os.SEEK_END)
            self._out.flush()

    def _emit(self, data: bytes) -> None:
        if data:
            self._out.write(data)
            self._out.flush()


def _rewritable_position(fd: int) -> int | None:
    """Where the output starts, if standard output is a regular file we may seek back into."""
    try:
        import fcntl  # POSIX only: elsewhere the streamed header is kept
    except ImportError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND:
            return None  # a pipe, or ``>>`` where every write (a header rewrite too) lands at the end
        return os.lseek(fd, 0, os.SEEK_CUR)
    except OSError:
        return None


def _cannot_write(path: Path, exc: OSError) -> InvalidOptionError:
    return InvalidOptionError(f"cannot write {path}: {exc.strerror or exc}", field="output",
                              hint="choose a writable --output path (nothing was written)")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
