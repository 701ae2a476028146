"""The polyphone decision as a pure function of recorded evidence, so every component can be ablated.

For one polyphonic character, :mod:`g2p` records a :class:`Trace`: the dictionary reading, curated word
readings covering it, the context rules that match, and the :class:`Evidence` (BiLSTM probabilities,
phrase-dictionary reading, n-gram votes). :func:`decide` turns a trace into a reading; with a
:class:`Components` other than :data:`ALL` it answers "what if this part were missing", which is how the
tests show on held-out data that each part pays for itself (docs/frontend.md, "Polyphones"). The records
are named tuples rather than dataclasses: they are created at import on the cold-start path, and a frozen
dataclass costs ~3 ms to build there.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

#: Phrase-dictionary bonus and per-n-gram bonus (max 2 counted), tuned on the tuning half of dev.
DICT_WEIGHT: Final = 5.0
NGRAM_WEIGHT: Final = 2.0
#: Tie-breaker for the character's default reading when nothing else decides (only matters without the model).
_DEFAULT_EPS: Final = 1e-3


class Components(NamedTuple):
    """Which parts of the decision are used; everything by default."""

    curated: bool = True      # rules.WORD_READINGS
    rules: bool = True        # rules.CONTEXT_RULES
    dictionary: bool = True   # phrase-dictionary reading of the segmented word
    ngrams: bool = True       # phrase-dictionary n-grams around the character
    model: bool = True        # g2pM's BiLSTM probabilities
    dropped_rules: frozenset[tuple[str, int]] = frozenset()  # (character, rule index)
    dropped_words: frozenset[str] = frozenset()              # curated words left out


ALL: Final = Components()


class Evidence(NamedTuple):
    """Everything known about one polyphone occurrence when neither curated words nor rules decide it."""

    sentence: str
    position: int             # index of the character in ``sentence``
    word: str                 # segmented word containing the character
    probs: dict[str, float]   # BiLSTM probability per candidate reading
    dict_reading: str         # phrase-dictionary reading of the character inside ``word`` ("" if none)
    ngrams: dict[str, int]    # reading → number of phrase-dictionary n-grams around the character agreeing
    default: str              # the dictionary's default reading of the character

    def scores(self, parts: Components = ALL) -> dict[str, float]:
        """Evidence score of every candidate: model log-probability + dictionary and n-gram bonuses."""
        scores = {c: (math.log(p + 1e-9) if parts.model else 0.0) + (_DEFAULT_EPS if c == self.default else 0.0)
                  for c, p in self.probs.items()}
        if parts.dictionary and self.dict_reading in scores:
            scores[self.dict_reading] += DICT_WEIGHT
        if parts.ngrams:
            for reading, n in self.ngrams.items():
                if reading in scores:
                    scores[reading] += NGRAM_WEIGHT * min(n, 2)
        return scores

    def best(self, parts: Components = ALL) -> str:
        """The highest-scoring candidate."""
        scores = self.scores(parts)
        return max(scores, key=lambda c: scores[c])


class Trace(NamedTuple):
    """What the frontend knew about one character of a Chinese word when it chose its reading."""

    char: str
    base: str                                   # dictionary reading (phrase or character default)
    covering: tuple[tuple[str, str], ...] = ()  # curated words covering the character and its syllable there
    curated_words: tuple[str, ...] = ()         # every curated word applied to the segmented word
    rules: tuple[tuple[int, str], ...] = ()     # matching context rules (index, reading), first one wins
    evidence: Evidence | None = None            # None: the model does not treat the character as polyphonic


def decide(trace: Trace, parts: Components = ALL) -> str:
    """The reading of a traced character: curated word → context rule → evidence score → dictionary."""
    if parts.curated:
        cover = [syl for word, syl in trace.covering if word not in parts.dropped_words]
        if cover:
            return cover[-1]  # the last (shortest, rightmost) curated span wins, as they are applied in order
        if any(word not in parts.dropped_words for word in trace.curated_words):
            return trace.base  # a curated sub-word elsewhere in the word: the rest keeps the dictionary reading
    if trace.evidence is None:
        return trace.base
    if parts.rules:
        for k, reading in trace.rules:
            if (trace.char, k) not in parts.dropped_rules:
                return reading
    return trace.evidence.best(parts)
