"""The lexicon and punctuation evidence for ``emotion="auto"`` (the hand-built part).

A sentence's score per emotion is the sum of the weights of the lexicon words it contains
(``data/emotion_lexicon.tsv``: the project's own list of ~900 words and phrases, longest match first; a word
negated by 不/没/别/未 just before it is not counted, a negated happy/gentle word counts half towards sad),
plus punctuation cues: ？！ or a leading 什么？ is surprise, ！ strengthens an excited emotion (happy, angry,
surprise, fear), …… is a weak sad cue. These scores are features of the learned classifier
(:mod:`._emotion_features`) and, alone, the lexicon-only rule :func:`lexicon_choice` it is compared with.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from .options import EMOTIONS

#: fixed order used to break ties (calmer choices first)
TIE_ORDER = ("gentle", "sad", "happy", "surprise", "fear", "hate", "angry")
CLOSERS = frozenset("”’」』\"')）")
_NEGATIONS = ("没有", "并不", "毫不", "从不", "不", "没", "别", "未", "无")
_EXCITED = frozenset({"happy", "angry", "surprise", "fear"})
_POSITIVE = frozenset({"happy", "gentle"})
#: the lexicon-only rule: one weak word (weight 0.5) is enough, most emotion is carried by one cue
LEXICON_THRESHOLD = 0.5


@dataclass(frozen=True)
class Evidence:
    """Lexicon words and punctuation cues found in one sentence, and the scores they add up to."""

    scores: dict[str, float]
    words: tuple[tuple[str, str, float], ...]  # (word, emotion, weight counted)
    cues: tuple[str, ...]

    def best(self) -> str | None:
        """The emotion with the highest score (ties to the calmer one), None without evidence."""
        if not self.scores:
            return None
        return max(self.scores, key=lambda n: (self.scores[n], -TIE_ORDER.index(n)))

    def pick(self) -> str:
        """The lexicon-only decision: the best emotion if its score reaches the threshold, else neutral."""
        best = self.best()
        return "neutral" if best is None or self.scores[best] < LEXICON_THRESHOLD else best


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[str, float]]:
    """word → (emotion preset, weight)."""
    table: dict[str, tuple[str, float]] = {}
    text = resources.files("shengqing").joinpath("data/emotion_lexicon.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, name, weight = line.split("\t")
        if name not in EMOTIONS:
            raise ValueError(f"emotion lexicon: unknown emotion {name!r} for {word!r}")
        table[word] = (name, float(weight))
    return table


def _match(sentence: str) -> list[tuple[str, str, float]]:
    table = lexicon()
    longest = max(map(len, table))
    found: list[tuple[str, str, float]] = []
    i = 0
    while i < len(sentence):
        for size in range(min(longest, len(sentence) - i), 0, -1):
            word = sentence[i:i + size]
            if word in table:
                name, weight = table[word]
                before = sentence[max(0, i - 2):i]
                if any(before.endswith(n) for n in _NEGATIONS) and not word.startswith(("不", "没", "别")):
                    if name in _POSITIVE:
                        found.append((f"{before[-1]}{word}", "sad", weight / 2))
                else:
                    found.append((word, name, weight))
                i += size
                break
        else:
            i += 1
    return found


def evidence(sentence: str) -> Evidence:
    """The lexicon words and punctuation cues of one sentence."""
    words = _match(sentence)
    scores: dict[str, float] = {}
    for _, name, weight in words:
        scores[name] = scores.get(name, 0.0) + weight
    cues: list[str] = []
    stripped = sentence.rstrip("".join(CLOSERS) + " \n\u3000")
    opening = sentence.lstrip("“「『‘\"' \n\u3000")
    if stripped.endswith(("？！", "?!", "！？", "!?")) or opening.startswith(("什么？", "什么?", "什么！")):
        scores["surprise"] = scores.get("surprise", 0.0) + 1.0
        cues.append("？！ / 什么？ → surprise +1")
    elif stripped.endswith(("！", "!")) and scores:
        top = max(scores, key=lambda n: (scores[n], -TIE_ORDER.index(n)))
        if top in _EXCITED:
            scores[top] *= 1.5
            cues.append(f"！ → {top} ×1.5")
    if stripped.endswith(("……", "…")) or "……" in sentence:
        scores["sad"] = scores.get("sad", 0.0) + 0.5
        cues.append("…… → sad +0.5")
    return Evidence({n: round(s, 3) for n, s in sorted(scores.items())}, tuple(words), tuple(cues))


def lexicon_choice(sentence: str) -> str:
    """The lexicon-only decision (the chooser before the learned model; kept as its baseline)."""
    return evidence(sentence).pick()
