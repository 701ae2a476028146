"""Progress of a long synthesis on standard error: characters, characters/s, audio seconds per second, ETA.

Drawn by tqdm; automatic mode shows it only when standard error is a terminal, so pipes, logs and CI output
stay clean.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Iterator

from ..audio import AudioChunk

#: texts at least this long show progress on a terminal in automatic mode (a book chapter takes minutes)
PROGRESS_CHARS = 300


def wanted(setting: bool | None, quiet: bool, text_chars: int) -> bool:
    """``--progress`` forces the bar, ``--no-progress`` and ``--quiet`` hide it, otherwise a long text on a
    terminal shows it."""
    if setting is not None:
        return setting
    return not quiet and text_chars >= PROGRESS_CHARS and sys.stderr.isatty()


def with_progress(chunks: Iterator[AudioChunk], total_chars: int) -> Iterator[AudioChunk]:
    """Yield ``chunks`` unchanged while a bar on standard error counts the characters they cover."""
    from tqdm import tqdm  # only imported when a bar is drawn

    start = time.perf_counter()
    audio_seconds = 0.0
    # a terminal that reports no size (0 columns) would get an empty line: assume a usual width then
    width = shutil.get_terminal_size(fallback=(100, 24)).columns or 100
    with tqdm(total=total_chars, unit="char", desc="shengqing", file=sys.stderr, ncols=width,
              smoothing=0.1, bar_format="{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} chars "
                                        "[{elapsed}<{remaining}, {rate_fmt}{postfix}]") as bar:
        for chunk in chunks:
            audio_seconds += chunk.duration
            # phrases omit punctuation and SSML tags, so the count is capped and completed at the end
            bar.update(min(len(chunk.text), total_chars - bar.n))
            elapsed = max(time.perf_counter() - start, 1e-9)
            bar.set_postfix_str(f"{audio_seconds:.0f}s audio, {audio_seconds / elapsed:.1f} audio-s/s",
                                refresh=False)
            if chunk.is_last:
                bar.update(total_chars - bar.n)
            yield chunk
