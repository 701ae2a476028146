"""Spectrogram + F0 (pYIN) plots per emotion, and the measured table, for ``docs/emotions.md``.

Usage: ``python scripts/plot_emotions.py [--out docs/emotions] [--text 今天的阳光真灿烂，心情特别愉快！]``
Writes ``<out>/<emotion>.png`` (each emotion over neutral, same text) and ``<out>/f0_overview.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import librosa
import librosa.display
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from shengqing import Synthesizer
from shengqing.emotion import EMOTIONS

SR = 24000
FONT = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "SimHei", "DejaVu Sans"]


def f0_track(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = librosa.resample(samples.astype(np.float32) / 32768, orig_sr=SR, target_sr=16000)
    f0, _, _ = librosa.pyin(y, fmin=60, fmax=600, sr=16000, frame_length=1024, hop_length=160)
    return np.arange(len(f0)) * 0.01, f0


def panel(ax: plt.Axes, samples: np.ndarray, title: str) -> None:
    y = samples.astype(np.float32) / 32768
    spec = librosa.amplitude_to_db(np.abs(librosa.stft(y, n_fft=1024, hop_length=240)), ref=np.max)
    librosa.display.specshow(spec, sr=SR, hop_length=240, x_axis="time", y_axis="linear", ax=ax,
                             vmin=-75, vmax=0, cmap="magma")
    ax.set_ylim(0, 4000)
    t, f0 = f0_track(samples)
    ax.plot(t, f0, color="cyan", linewidth=2.0, label="F0 (pYIN)")
    ax.set_title(title, fontsize=10)
    ax.set_ylabel("Hz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/emotions")
    parser.add_argument("--text", default="今天的阳光真灿烂，心情特别愉快！")
    parser.add_argument("--intensity", type=float, default=1.0)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with Synthesizer(threads=2) as tts:
        audio = {e: tts.synthesize(args.text, emotion=e, intensity=args.intensity).samples for e in EMOTIONS}
    for emotion in EMOTIONS[1:]:
        fig, axes = plt.subplots(3, 1, figsize=(10, 8.5), sharex=True,
                                 gridspec_kw={"height_ratios": [2, 2, 1.4]})
        panel(axes[0], audio["neutral"], "neutral")
        panel(axes[1], audio[emotion], f"{emotion} (intensity {args.intensity:g})")
        axes[1].legend(loc="upper right")
        for name, colour in (("neutral", "grey"), (emotion, "crimson")):
            t, f0 = f0_track(audio[name])
            axes[2].plot(t, 12 * np.log2(f0 / 100.0), color=colour, linewidth=1.8, label=name)
        axes[2].set_ylabel("F0, st re 100 Hz")
        axes[2].set_xlabel("s")
        axes[2].grid(alpha=0.3)
        axes[2].legend(loc="upper right", fontsize=8)
        fig.tight_layout()
        fig.savefig(out / f"{emotion}.png", dpi=80)
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(10, 5))
    for emotion in EMOTIONS:
        t, f0 = f0_track(audio[emotion])
        ax.plot(t, 12 * np.log2(f0 / 100.0), label=emotion, linewidth=1.6)
    ax.set_xlabel("s")
    ax.set_ylabel("F0, semitones re 100 Hz")
    ax.set_title("F0 contours (pYIN) per emotion, same text")
    ax.legend(ncol=3, fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "f0_overview.png", dpi=80)
    plt.close(fig)
    print(f"wrote {len(EMOTIONS)} plots to {out}")


if __name__ == "__main__":
    main()
