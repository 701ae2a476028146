"""Mandarin text frontend: text → phrases of model phones with prosody marks and pauses.

Stages: normalization (:mod:`.normalize`), segmentation and pinyin (:mod:`.g2p`, :mod:`.polyphone`),
tone sandhi / neutral tone / erhua (:mod:`.sandhi`), prosody and phrase splitting (:mod:`.prosody`), phone
mapping (:mod:`.phones`). Heavy resources (jieba dictionary, pypinyin, the polyphone model, wetext FSTs)
load lazily, once, under locks, so :class:`Frontend` is cheap to build and safe to share between threads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from shengqing.errors import LexiconError, NothingToSayError
from shengqing.frontend import align, pipeline, prosody
from shengqing.frontend.align import SyllableSource
from shengqing.frontend.evaluate import EvalResult, eval_polyphone
from shengqing.frontend.lexicon import Lexicon
from shengqing.frontend.normalize import normalize, normalize_pieces
from shengqing.frontend.phones import SYLLABLE_TABLE, SYMBOLS, parse_pinyin, syllable_phones
from shengqing.frontend.prosody import FORCED_SPLIT_PAUSE_MS, MAX_PHRASE_SYLLABLES, PARAGRAPH_PAUSE_MS, PAUSE_MS


def preload(background: bool = False) -> threading.Thread | None:
    """Load the frontend's resources (~0.4 s) ahead of the first text, optionally in a daemon thread so it
    overlaps with model loading. Safe to call any number of times."""
    if not background:
        pipeline.preload()
        return None
    thread = threading.Thread(target=pipeline.preload, name="shengqing-frontend-preload", daemon=True)
    thread.start()
    return thread


__all__ = [
    "FORCED_SPLIT_PAUSE_MS", "MAX_PHRASE_SYLLABLES", "PARAGRAPH_PAUSE_MS", "PAUSE_MS", "SYLLABLE_TABLE", "SYMBOLS",
    "EvalResult", "Frontend", "FrontendTrace", "Lexicon", "Phrase", "SentenceTrace", "eval_polyphone", "normalize",
    "preload",
]


@dataclass(frozen=True)
class Phrase:
    """One model call's worth of speech."""

    text: str                  # normalized text spoken in this phrase
    phones: tuple[str, ...]    # model symbols; starts and ends with "sil"; no "eos" (the engine appends it)
    pause_ms: int              # silence to insert after this phrase (depends on punctuation)
    syllables: int             # number of syllables in the phrase
    sentence_end: bool         # True if the phrase ends a sentence (。！？ or end of text/paragraph)
    final_punct: str           # punctuation that closed the phrase ("" if none), e.g. "？"
    #: one per spoken syllable, in phone order: its reading and where it is in the frontend's input text
    sources: tuple[SyllableSource, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class SentenceTrace:
    """Debug view of one sentence: words with POS, pinyin before and after sandhi (one entry per word)."""

    words: tuple[tuple[str, str], ...]
    pinyin_before: tuple[str, ...]
    pinyin_after: tuple[str, ...]


@dataclass(frozen=True)
class FrontendTrace:
    """Every stage of the frontend for one text (``shengqing phonemize``)."""

    text: str
    normalized: str
    sentences: tuple[SentenceTrace, ...]
    phrases: tuple[Phrase, ...]
    error: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def format(self) -> str:
        """Readable multi-line rendering of all stages."""
        lines = [f"text:       {self.text}", f"normalized: {self.normalized}"]
        for i, s in enumerate(self.sentences, 1):
            lines.append(f"sentence {i}:")
            lines.append("  words:   " + " ".join(f"{w}/{p}" for w, p in s.words))
            lines.append("  pinyin:  " + " | ".join(s.pinyin_before))
            lines.append("  sandhi:  " + " | ".join(s.pinyin_after))
        for i, ph in enumerate(self.phrases, 1):
            end = " (sentence end)" if ph.sentence_end else ""
            lines.append(f"phrase {i}: {ph.text}{ph.final_punct}  [{ph.syllables} syl, pause {ph.pause_ms} ms{end}]")
            lines.append("  phones:  " + " ".join(ph.phones))
        if self.error:
            lines.append(f"error: {self.error}")
        return "\n".join(lines)


class Frontend:
    """Text → :class:`Phrase` list. Construction is cheap; all methods are thread-safe."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon

    def phrases(self, text: str) -> list[Phrase]:
        """Phrases to synthesize; raises :class:`NothingToSayError` if nothing in ``text`` is speakable."""
        result, _ = self._run(text, None)
        return result

    def analyze(self, text: str) -> FrontendTrace:
        """All intermediate stages for ``text``; never raises (an unspeakable text gives ``error``)."""
        traces: list[pipeline.SentenceTrace] = []
        try:
            result, normalized = self._run(text, traces)
            error = ""
        except NothingToSayError as exc:
            result, normalized, error = [], normalize(text) if isinstance(text, str) else "", exc.message
        sentences = tuple(SentenceTrace(tuple(t.words), tuple(t.pinyin_before), tuple(t.pinyin_after))
                          for t in traces)
        return FrontendTrace(text if isinstance(text, str) else "", normalized, sentences, tuple(result), error)

    def phones_for_pinyin(self, syllables: Sequence[str]) -> tuple[str, ...]:
        """Phones for explicit pinyin (``["zhong4", "yao4"]`` or ``["zhong4 yao4"]``), syllables joined by
        ``#0``, without ``sil``; :class:`LexiconError` on anything that is not toned pinyin."""
        syls = [s for item in syllables for s in parse_pinyin(item)]
        if not syls:
            raise LexiconError("no pinyin given", field="pinyin")
        out: list[str] = []
        for i, s in enumerate(syls):
            if i:
                out.append("#0")
            out.extend(syllable_phones(s))
        return tuple(out)

    def _run(self, text: str, traces: list[pipeline.SentenceTrace] | None) -> tuple[list[Phrase], str]:
        if not isinstance(text, str):
            raise NothingToSayError("text must be a string", field="text")
        if not pipeline.has_hanzi_or_latin(text):
            raise NothingToSayError("the text contains nothing to say (no Chinese, letters or digits)",
                                    field="text", hint="give some Chinese text")
        out: list[Phrase] = []
        normalized: list[str] = []
        for offset, para in align.paragraphs(text):
            pieces = normalize_pieces(para)
            normalized.append("".join(p.text for p in pieces))
            tokens = pipeline.tokenize(pieces, self.lexicon)
            align.locate(tokens, normalized[-1])
            spans = align.source_spans(pieces, offset)
            start = len(out)
            for sent in pipeline._sentences(tokens):
                trace = pipeline.SentenceTrace() if traces is not None else None
                for raw in pipeline.analyze_sentence(sent, trace):
                    pipeline.valid_pinyin(raw.tokens)
                    self._emit(raw, out, spans)
                if trace is not None and traces is not None:
                    traces.append(trace)
            if len(out) > start:
                last = out[-1]
                out[-1] = replace(last, pause_ms=max(last.pause_ms, PARAGRAPH_PAUSE_MS), sentence_end=True)
        if not out:
            raise NothingToSayError("the text contains nothing to say (only punctuation, symbols or emoji)",
                                    field="text", hint="give some Chinese text")
        last = out[-1]
        out[-1] = replace(last, pause_ms=0, sentence_end=True)
        return out, "\n".join(normalized)

    @staticmethod
    def _emit(raw: pipeline.RawPhrase, out: list[Phrase], spans: align.Spans) -> None:
        units = prosody.units(raw.tokens)
        if not units:
            # Punctuation with nothing before it: it still tells how the previous phrase ends.
            if out and raw.punct and not out[-1].final_punct:
                p = out[-1]
                out[-1] = replace(p, pause_ms=max(p.pause_ms, PAUSE_MS[raw.punct]),
                                  sentence_end=p.sentence_end or raw.punct in prosody.SENTENCE_END,
                                  final_punct=raw.punct)
            return
        pieces = prosody.split_long(units)
        for k, piece in enumerate(pieces):
            last = k == len(pieces) - 1
            punct = raw.punct if last else ""
            out.append(Phrase(
                text=pipeline.unit_text(piece),
                phones=pipeline.phones_of_units(piece),
                pause_ms=PAUSE_MS[punct] if last else FORCED_SPLIT_PAUSE_MS,
                syllables=sum(u.syllables for u in piece),
                sentence_end=last and punct in prosody.SENTENCE_END,
                final_punct=punct,
                sources=align.syllable_sources([t for u in piece for t in u.tokens], spans),
            ))
