"""How well the timestamps' phrase boundaries agree with the silences measured on the audio.

For every pause between two phrases: the longest run of 10 ms frames below -50 dBFS around the predicted gap,
and how far its start lies from the predicted end of the first phrase and its end from the predicted start
of the next one (ms; positive = the silence starts/ends later than predicted). Run with and without the
audible edge placement (``--model-edges``: the model's durations alone).

    PYTHONPATH=src python benchmarks/timestamps_accuracy.py [--model-edges]
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np

from shengqing import Synthesizer, timestamps

TEXTS = [
    "今天天气很好，我们去公园散步吧。然后回家吃饭；晚上还有一个会议！你去不去？",
    "他说：“你好”，然后走了。我们都很高兴，因为明天放假。",
    "我在2024年3月5日花了12.5元，银行行长说ABC公司的电话是13800138000。",
    "春天来了，小草从地下探出头来，桃花、杏花、梨花都开了。孩子们在田野里奔跑，放风筝，笑声传得很远。",
    "请注意，本次列车即将到达终点站。下车时请带好您的随身物品，欢迎您再次乘坐！",
    "一二三四五，上山打老虎。老虎没打到，打到小松鼠。松鼠有几只？我来数一数。",
]
OPTIONS = [{}, {"speed": 0.5}, {"speed": 2.0}, {"emotion": "sad"}, {"emotion": "happy"}, {"emotion": "angry"}]


def silences(samples: np.ndarray) -> list[tuple[float, float]]:
    hop = 240
    n = len(samples) // hop
    frames = samples[:n * hop].astype(np.float64).reshape(n, hop) / 32768.0
    quiet = 20 * np.log10(np.sqrt(np.mean(frames ** 2, axis=1)) + 1e-12) < -50
    runs, start = [], None
    for i, q in enumerate([*quiet, False]):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if i - start >= 6:
                runs.append((start / 100, i / 100))
            start = None
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-edges", action="store_true", help="turn the audible edge placement off")
    args = parser.parse_args()
    if args.model_edges:
        timestamps.audible_edges = lambda frames, loud: frames  # type: ignore[assignment]
    starts, ends = [], []
    with Synthesizer(kernels="portable", threads=2) as tts:
        for options in OPTIONS:
            for text in TEXTS:
                audio = tts.synthesize(text, timestamps=True, **options)
                found = silences(audio.samples)
                phrases = audio.timestamps.phrases
                for a, b in itertools.pairwise(phrases):
                    near = [s for s in found if s[0] < b.start_time + 0.1 and s[1] > a.end_time - 0.1]
                    if not near:
                        continue
                    s = max(near, key=lambda r: r[1] - r[0])
                    starts.append((s[0] - a.end_time) * 1000)
                    ends.append((s[1] - b.start_time) * 1000)
    both = np.array([max(-x, 0) for x in starts] + [max(y, 0) for y in ends])
    print(f"{len(starts)} pauses; silence start - predicted end (ms): min {min(starts):.0f}, "
          f"median {np.median(starts):.0f}, max {max(starts):.0f}")
    print(f"silence end - predicted next start (ms): min {min(ends):.0f}, median {np.median(ends):.0f}, "
          f"max {max(ends):.0f}")
    print(f"edges where the silence reaches more than 30 ms into predicted speech: {int((both > 30).sum())} "
          f"of {len(both)}; worst {both.max():.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
