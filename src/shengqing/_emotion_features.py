"""What the learned emotion classifier sees of a sentence: a sparse feature → value map.

Character 1–3-grams of the sentence (whitespace removed, ASCII ! ? mapped to ！？, ``^``/``$`` marking its
start and end so that 结尾的 ！ or …… is its own feature), each counted once; the lexicon evidence of
:mod:`._emotion_lexicon` (``lex:<emotion>`` = that emotion's score, ``lexpick:<emotion>`` = the lexicon-only
decision); and ``cue:dialogue`` when the sentence is mostly quoted speech. Names of the non-n-gram features
are longer than 3 characters, so they never collide with an n-gram.
"""

from __future__ import annotations

from ._emotion_lexicon import Evidence, evidence

NGRAM_SIZES = (1, 2, 3)
_ASCII = str.maketrans({"!": "！", "?": "？", ",": "，", ";": "；", ":": "："})
#: a lexicon score past this adds nothing more (a long sentence of strong words is not "more" angry)
LEX_CAP = 3.0


def ngrams(sentence: str) -> list[str]:
    """The distinct character n-grams of ``sentence``, in order of first appearance."""
    text = "^" + "".join(sentence.split()).translate(_ASCII) + "$"
    seen: dict[str, None] = {}
    for size in NGRAM_SIZES:
        for i in range(len(text) - size + 1):
            seen.setdefault(text[i:i + size], None)
    seen.pop("^", None)
    seen.pop("$", None)
    return list(seen)


def features(sentence: str, *, dialogue: bool, found: Evidence | None = None) -> dict[str, float]:
    """feature name → value for one sentence (``found``: its lexicon evidence, if already computed)."""
    found = evidence(sentence) if found is None else found
    out = dict.fromkeys(ngrams(sentence), 1.0)
    for name, score in found.scores.items():
        out[f"lex:{name}"] = min(score, LEX_CAP)
    out[f"lexpick:{found.pick()}"] = 1.0
    if dialogue:
        out["cue:dialogue"] = 1.0
    return out
