"""``emotion="auto"``: per sentence, pick an emotion preset and a moderate intensity from the text itself.

Deterministic and explainable: a sentence's score per emotion is the sum of the weights of the lexicon
words it contains (``data/emotion_lexicon.tsv``: the project's own list of ~900 words and phrases, longest
match first; a word negated by 不/没/别/未 just before it is not counted, a negated happy/gentle word
counts half towards sad), plus punctuation cues: ？！ or a leading 什么？ is surprise, ！ strengthens an
excited emotion (happy, angry, surprise, fear), …… is a weak sad cue. The best emotion wins if its score
reaches the threshold, else the sentence stays neutral; ties go to the calmer emotion. Dialogue (mostly
inside “”, 「」 or quotes) is voiced at the full chosen intensity, narration at 0.8 of it. The same text
always gives the same choices; :func:`explain` says which words and cues decided.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources

from .options import AUTO_EMOTION, EMOTIONS, SynthesisOptions

#: fixed order used to break ties (calmer choices first)
_TIE_ORDER = ("gentle", "sad", "happy", "surprise", "fear", "hate", "angry")
_ENDS = frozenset("。！？!?；;…\n")
_CLOSERS = frozenset("”’」』\"')）")
_OPENERS = {"“": "”", "「": "」", "『": "』", "‘": "’"}
_NEGATIONS = ("没有", "并不", "毫不", "从不", "不", "没", "别", "未", "无")
_EXCITED = frozenset({"happy", "angry", "surprise", "fear"})
_POSITIVE = frozenset({"happy", "gentle"})
DIALOGUE_THRESHOLD = 0.5  # one weak word (weight 0.5) is enough: most emotion is carried by one cue
NARRATION_THRESHOLD = 0.5  # the same for narration (1.0 lost 6 points on dev.tsv); it is voiced softer
NARRATION_INTENSITY = 0.8
MAX_INTENSITY = 1.0  # "moderate": auto never goes past the preset's own strength


@dataclass(frozen=True)
class Choice:
    """The decision for one sentence and why."""

    sentence: str
    emotion: str
    intensity: float
    dialogue: bool
    scores: dict[str, float] = field(default_factory=dict)
    words: tuple[tuple[str, str, float], ...] = ()  # (word, emotion, weight counted)
    cues: tuple[str, ...] = ()

    def reason(self) -> str:
        found = ", ".join(f"{w}→{e}{'' if wt == 1 else f' ×{wt:g}'}" for w, e, wt in self.words) or "no lexicon word"
        cues = "; ".join(self.cues)
        where = "dialogue" if self.dialogue else "narration"
        return f"{found}{'; ' + cues if cues else ''} ({where})"


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


def sentences(text: str) -> list[str]:
    """Split after 。！？!?；; (with any closing quotes) and newlines; the pieces join back to ``text``."""
    out: list[str] = []
    start = 0
    i = 0
    while i < len(text):
        if text[i] in _ENDS:
            end = i + 1
            while end < len(text) and (text[end] in _ENDS or text[end] in _CLOSERS):  # keeps "\n": paragraph pause
                end += 1
            out.append(text[start:end])
            start = i = end
            continue
        i += 1
    if start < len(text):
        out.append(text[start:])
    return [s for s in out if s]


def _dialogue_flags(parts: list[str]) -> list[bool]:
    """Whether most of each sentence's characters are inside quotation marks (quotes may span sentences)."""
    flags = []
    closing: str | None = None
    for part in parts:
        inside = total = 0
        for ch in part:
            if closing is None and ch in _OPENERS:
                closing = _OPENERS[ch]
                continue
            if closing is not None and ch == closing:
                closing = None
                continue
            if ch.isalnum():
                total += 1
                inside += closing is not None
        flags.append(total > 0 and inside * 2 >= total)
        if "\n" in part:
            closing = None  # a paragraph ends an unclosed quote
    return flags


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


def choose(sentence: str, *, dialogue: bool) -> Choice:
    """The emotion and intensity of one sentence, with the evidence."""
    words = _match(sentence)
    scores: dict[str, float] = {}
    for _, name, weight in words:
        scores[name] = scores.get(name, 0.0) + weight
    cues: list[str] = []
    stripped = sentence.rstrip("".join(_CLOSERS) + " \n\u3000")
    opening = sentence.lstrip("“「『‘\"' \n\u3000")
    if stripped.endswith(("？！", "?!", "！？", "!?")) or opening.startswith(("什么？", "什么?", "什么！")):
        scores["surprise"] = scores.get("surprise", 0.0) + 1.0
        cues.append("？！ / 什么？ → surprise +1")
    elif stripped.endswith(("！", "!")) and scores:
        top = max(scores, key=lambda n: (scores[n], -_TIE_ORDER.index(n)))
        if top in _EXCITED:
            scores[top] *= 1.5
            cues.append(f"！ → {top} ×1.5")
    if stripped.endswith(("……", "…")) or "……" in sentence:
        scores["sad"] = scores.get("sad", 0.0) + 0.5
        cues.append("…… → sad +0.5")
    threshold = DIALOGUE_THRESHOLD if dialogue else NARRATION_THRESHOLD
    rounded = {n: round(s, 3) for n, s in sorted(scores.items())}
    if not scores or max(scores.values()) < threshold:
        cues.append(f"best score below {threshold:g}: neutral")
        return Choice(sentence, "neutral", 1.0, dialogue, rounded, tuple(words), tuple(cues))
    best = max(scores, key=lambda n: (scores[n], -_TIE_ORDER.index(n)))
    intensity = min(MAX_INTENSITY, 0.5 + 0.15 * scores[best]) * (1.0 if dialogue else NARRATION_INTENSITY)
    return Choice(sentence, best, round(intensity, 2), dialogue, rounded, tuple(words), tuple(cues))


def explain(text: str) -> list[Choice]:
    """One :class:`Choice` per sentence of ``text``."""
    parts = sentences(text)
    return [choose(part, dialogue=flag) for part, flag in zip(parts, _dialogue_flags(parts), strict=True)]


def resolve(text: str, options: SynthesisOptions) -> SynthesisOptions:
    """``options`` with ``auto`` decided from ``text`` taken as one spoken sentence (SSML phrases)."""
    return _applied(choose(text, dialogue=True), options)


def _applied(choice: Choice, options: SynthesisOptions) -> SynthesisOptions:
    return options.replace(emotion=choice.emotion, intensity=round(choice.intensity * options.intensity, 3))


def plan(text: str, options: SynthesisOptions) -> list[tuple[str, SynthesisOptions]]:
    """``text`` cut into sentences, each with ``options`` whose ``auto`` is resolved (its ``intensity``
    scales the chosen one)."""
    assert options.emotion == AUTO_EMOTION
    return [(c.sentence, _applied(c, options)) for c in explain(text)]
