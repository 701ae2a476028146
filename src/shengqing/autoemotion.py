"""``emotion="auto"``: per sentence, pick an emotion preset and a moderate intensity from the text itself.

A small learned classifier decides (:mod:`._emotion_model`, a linear model shipped as
``data/emotion_model.tsv``, trained by ``scripts/train_emotion.py``): its features are the sentence's
character 1–3-grams, the scores of the project's emotion lexicon and punctuation cues
(:mod:`._emotion_lexicon`), and whether the sentence is dialogue (:mod:`._emotion_features`). The most
probable of the 8 classes wins; ``neutral`` is one of them. Dialogue (mostly inside “”, 「」 or quotes) is
voiced at the full chosen intensity, narration at 0.8 of it. Deterministic: the same text always gives the
same choices; :func:`explain` says which n-grams, words and cues decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._emotion_features import features
from ._emotion_lexicon import CLOSERS, evidence
from ._emotion_model import Model, predict
from .options import AUTO_EMOTION, SynthesisOptions

_ENDS = frozenset("。！？!?；;…\n")
_OPENERS = {"“": "”", "「": "」", "『": "』", "‘": "’"}
NARRATION_INTENSITY = 0.8
MAX_INTENSITY = 1.0  # "moderate": auto never goes past the preset's own strength
MIN_INTENSITY = 0.5  # a chosen emotion is voiced at least this strongly (at probability 0)
#: an unsure model (top probability below this) defers to the lexicon when it holds a full-weight word: the
#: training table has almost no explicit emotion words, so the model alone reads 他很伤心。 as neutral
#: (cost measured by 5-fold CV on train.tsv: 1 row of 2,400; see docs/emotions.md)
DEFER_BELOW = 0.4
DEFER_SCORE = 1.0
#: Words that name an emotion outright. Both tables kept them rare on purpose (≤ 5 % of rows), so the model
#: barely knows them and read 他很生气。 as neutral, 我好开心啊。 as sad; a reader takes the named emotion
#: unless the rest of the sentence clearly says otherwise (the model at least this sure of its own pick).
NAMED_EMOTIONS = {
    "开心": "happy", "高兴": "happy", "快乐": "happy", "生气": "angry", "愤怒": "angry", "害怕": "fear",
    "恐惧": "fear", "讨厌": "hate", "厌恶": "hate", "恶心": "hate", "惊讶": "surprise", "吃惊": "surprise",
    "震惊": "surprise", "难过": "sad", "伤心": "sad", "悲伤": "sad",
}
NAMED_OVERRULE_BELOW = 0.8


@dataclass(frozen=True)
class Choice:
    """The decision for one sentence and why."""

    sentence: str
    emotion: str
    intensity: float
    dialogue: bool
    scores: dict[str, float] = field(default_factory=dict)  # lexicon and cue score per emotion
    words: tuple[tuple[str, str, float], ...] = ()  # (word, emotion, weight counted)
    cues: tuple[str, ...] = ()
    probabilities: dict[str, float] = field(default_factory=dict)  # the classifier's, per class
    decisive: tuple[tuple[str, float], ...] = ()  # features that most favoured the choice (feature, pull)

    def reason(self) -> str:
        found = ", ".join(f"{w}→{e}{'' if wt == 1 else f' ×{wt:g}'}" for w, e, wt in self.words) or "no lexicon word"
        cues = "; ".join(self.cues)
        where = "dialogue" if self.dialogue else "narration"
        model = ""  # when the lexicon overruled an unsure model, the cue above says so
        if self.probabilities and max(self.probabilities.values()) == self.probabilities[self.emotion]:
            by = ", ".join(f"{_shown(name)} +{pull:g}" for name, pull in self.decisive) or "class prior"
            model = f"; model {self.emotion} p={self.probabilities[self.emotion]:g} by {by}"
        return f"{found}{'; ' + cues if cues else ''}{model} ({where})"


def _shown(feature: str) -> str:
    """A feature name for people: n-grams quoted with their start/end marks spelled out."""
    kind, _, value = feature.partition(":")
    if len(feature) <= 3:
        return "「" + feature.replace("^", "‹start›").replace("$", "‹end›") + "」"
    return {"lex": f"lexicon {value} score", "lexpick": f"lexicon pick {value}", "cue": value}.get(kind, feature)


def sentences(text: str) -> list[str]:
    """Split after 。！？!?；; (with any closing quotes) and newlines; the pieces join back to ``text``."""
    out: list[str] = []
    start = 0
    i = 0
    while i < len(text):
        if text[i] in _ENDS:
            end = i + 1
            while end < len(text) and (text[end] in _ENDS or text[end] in CLOSERS):  # keeps "\n": paragraph pause
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


def quoted(text: str) -> bool:
    """Whether any sentence of ``text`` is dialogue (how a one-row text counts in training and ``eval``)."""
    return any(_dialogue_flags(sentences(text)))


def choose(sentence: str, *, dialogue: bool, using: Model | None = None) -> Choice:
    """The emotion and intensity of one sentence, with the evidence (``using``: another model, for training)."""
    found = evidence(sentence)
    verdict = predict(features(sentence, dialogue=dialogue, found=found), using)
    emotion, cues = verdict.emotion, found.cues
    best = found.best()
    sure = f"{verdict.emotion} p={verdict.probabilities[verdict.emotion]:g}"
    named = _named(found.words)
    if named is not None and named != emotion and verdict.probabilities[emotion] < NAMED_OVERRULE_BELOW:
        emotion, cues = named, (*cues, f"names the emotion {named} (model {sure}): the named emotion wins")
    elif verdict.probabilities[emotion] < DEFER_BELOW and best is not None and found.scores[best] >= DEFER_SCORE:
        emotion, cues = best, (*cues, f"model unsure ({sure}): lexicon decides")
    intensity = 1.0
    if emotion != "neutral":
        strength = min(MAX_INTENSITY, MIN_INTENSITY + (1 - MIN_INTENSITY) * verdict.probabilities[emotion])
        intensity = round(strength * (1.0 if dialogue else NARRATION_INTENSITY), 2)
    return Choice(sentence, emotion, intensity, dialogue, found.scores, found.words, cues,
                  verdict.probabilities, verdict.decisive if emotion == verdict.emotion else ())


def _named(words: tuple[tuple[str, str, float], ...]) -> str | None:
    """The one emotion the sentence names outright (not negated: a negated word counts for another class)."""
    named = {e for word, counted, _ in words for n, e in NAMED_EMOTIONS.items() if n in word and e == counted}
    return named.pop() if len(named) == 1 else None


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
