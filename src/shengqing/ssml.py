"""SSML: parse a ``<speak>`` document into phrases, each with its own synthesis options.

Supported (see ``docs/ssml.md``): ``<speak>``, ``<p>``, ``<s>``, ``<break time|strength>``,
``<prosody rate pitch volume>`` (W3C units), ``<emotion category intensity>`` (Sambert), ``<say-as
interpret-as>`` (:mod:`.ssml_sayas`), ``<phoneme alphabet="pinyin" ph>``, ``<sub alias>``. Unknown elements
are ignored and their text kept. Parsing is safe: no DTD, no entity declarations (refused with an error),
no external resources, and a size limit. Errors are :class:`~shengqing.errors.SSMLError` naming the line
and column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from xml.parsers import expat

from ._ssml_spans import SourceMap, covering, pinyin_sources, spans_of
from .errors import InvalidOptionError, LexiconError, NothingToSayError, SSMLError
from .frontend.pieces import Spans
from .options import PITCH_RANGE, SPEED_RANGE, VOLUME_RANGE, SynthesisOptions
from .portable import numerics as nm
from .ssml_sayas import say_as

if TYPE_CHECKING:
    from .frontend import Frontend, Phrase

MAX_SSML_BYTES = 100_000
MAX_DEPTH = 64
MAX_BREAK_MS = 10_000
#: Reference voice F0 (Hz) for pitch given in Hz: the bundled voice's median is ≈ 240 Hz.
REFERENCE_F0_HZ = 240.0
BREAK_STRENGTH_MS = {"none": 0, "x-weak": 100, "weak": 200, "medium": 350, "strong": 600, "x-strong": 1000}
RATE_WORDS = {"x-slow": 0.6, "slow": 0.8, "medium": 1.0, "default": 1.0, "fast": 1.25, "x-fast": 1.6}
PITCH_WORDS = {"x-low": -4.0, "low": -2.0, "medium": 0.0, "default": 0.0, "high": 2.0, "x-high": 4.0}
VOLUME_WORDS = {"silent": 0.0, "x-soft": 0.35, "soft": 0.6, "medium": 1.0, "default": 1.0, "loud": 1.4,
                "x-loud": 1.8}
SENTENCE_PAUSE_MS = 350
PARAGRAPH_PAUSE_MS = 600
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    children: list[Node | str] = field(default_factory=list)
    start: int = 0  # character offset of the element in the document


def _error(message: str, line: int, column: int) -> SSMLError:
    return SSMLError(f"invalid SSML at line {line}, column {column}: {message}", field="text",
                     hint="see docs/ssml.md for the supported tags")


def parse(text: str) -> Node:
    """Parse ``text`` into a tree of :class:`Node` (root ``speak``), refusing DTDs and entities."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: expat takes UTF-8 only
        raise SSMLError(f"the SSML document is not valid Unicode text: a lone surrogate "
                        f"{text[exc.start]!r} at character {exc.start + 1}", field="text",
                        hint="send UTF-8 text; surrogates must come in pairs") from None
    if len(data) > MAX_SSML_BYTES:
        raise SSMLError(f"SSML document is {len(data)} bytes, the limit is {MAX_SSML_BYTES}", field="text",
                        hint="split the document into several requests")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Node] = []
    roots: list[Node] = []
    source = SourceMap(text)

    def here() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def refuse(*_: object) -> int:
        raise _error("DTDs and entity declarations are not allowed", *here())

    def start(tag: str, attrs: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise _error(f"elements nested deeper than {MAX_DEPTH}", *here())
        node = Node(tag.rsplit(":", 1)[-1].lower(), {k.rsplit(":", 1)[-1]: v for k, v in attrs.items()},
                    *here(), start=source.char_at(parser.CurrentByteIndex))
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1].children.append(source.sourced(data, parser.CurrentByteIndex))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise _error(expat.ErrorString(exc.code), exc.lineno, exc.offset + 1) from None
    root = roots[0]
    if root.tag != "speak":
        raise _error(f"the root element must be <speak>, not <{root.tag}>", root.line, root.column)
    return root


# -- attribute values ---------------------------------------------------------------------------------
_LN2 = float(nm.log(2.0))


def _log2(value: float) -> float:
    """log2 from the portable log: libm's may differ in the last bit between CPUs, and it decides a pitch."""
    return float(nm.log(value)) / _LN2


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def parse_time_ms(value: str) -> int:
    """``500ms``, ``1.5s`` → milliseconds (ValueError if malformed or negative)."""
    match = re.fullmatch(rf"\s*({_NUMBER})\s*(ms|s)\s*", value)
    if not match or float(match.group(1)) < 0:
        raise ValueError(f"break time {_brief(value)!r} is not like '500ms' or '1.5s'")
    ms = float(match.group(1)) * (1000.0 if match.group(2) == "s" else 1.0)
    if not ms <= MAX_BREAK_MS:  # also inf, from a number too long for a float
        raise ValueError(f"break time {_brief(value)!r} is longer than {MAX_BREAK_MS // 1000} s")
    return round(ms)


def _brief(value: str) -> str:
    return value if len(value) <= 24 else value[:20] + "…"


def parse_rate(value: str, current: float) -> float:
    """``x-slow…x-fast``, ``+10%``, ``80%``, ``1.2`` (a factor) → new speed."""
    value = value.strip().lower()
    if value in RATE_WORDS:
        return _clamp(current * RATE_WORDS[value], SPEED_RANGE)
    match = re.fullmatch(rf"({_NUMBER})(%?)", value)
    if not match:
        raise ValueError(f"rate {value!r} is not a word (x-slow…x-fast), a percentage or a factor")
    number = float(match.group(1))
    factor = (1 + number / 100 if value[0] in "+-" else number / 100) if match.group(2) else number
    if factor <= 0:
        raise ValueError(f"rate {value!r} must be positive")
    return _clamp(current * factor, SPEED_RANGE)


def parse_pitch(value: str, current: float) -> float:
    """``x-low…x-high``, ``+2st``, ``-20Hz``, ``+10%``, ``200Hz`` → new pitch (semitones)."""
    value = value.strip().lower()
    if value in PITCH_WORDS:
        return _clamp(current + PITCH_WORDS[value], PITCH_RANGE)
    match = re.fullmatch(rf"({_NUMBER})\s*(st|hz|%)", value)
    if not match:
        raise ValueError(f"pitch {value!r} is not a word (x-low…x-high) or a number with st, Hz or %")
    number, unit = float(match.group(1)), match.group(2)
    if not math.isfinite(number):  # hundreds of digits: log2(inf) would make the pitch NaN
        raise ValueError(f"pitch {_brief(value)!r} is far out of range")
    relative = value[0] in "+-"
    if unit == "st":
        delta = number if relative else number - current
    elif unit == "%":
        if 1 + number / 100 <= 0:
            raise ValueError(f"pitch {value!r} is below -100%")
        delta = 12 * _log2(1 + number / 100) if relative else 12 * _log2(max(number, 1e-9) / 100)
    else:
        target = REFERENCE_F0_HZ + number if relative else number
        if target <= 0:
            raise ValueError(f"pitch {value!r} gives a frequency below 0 Hz")
        delta = 12 * _log2(target / REFERENCE_F0_HZ)
    return _clamp(current + delta, PITCH_RANGE)


def parse_volume(value: str, current: float) -> float:
    """``silent, x-soft…x-loud``, ``+6dB``, ``+10%``, a bare 0–100 (50 = normal) → new volume."""
    value = value.strip().lower()
    if value in VOLUME_WORDS:
        return _clamp(current * VOLUME_WORDS[value] if value != "silent" else 0.0, VOLUME_RANGE)
    match = re.fullmatch(rf"({_NUMBER})\s*(db|%)?", value)
    if not match:
        raise ValueError(f"volume {value!r} is not a word (x-soft…x-loud), dB, a percentage or 0–100")
    number, unit = float(match.group(1)), match.group(2)
    if unit == "db":
        return _clamp(current * float(nm.power(10.0, number / 20)), VOLUME_RANGE)
    if unit == "%":
        return _clamp(current * (1 + number / 100) if value[0] in "+-" else current * number / 100,
                      VOLUME_RANGE)
    if not 0 <= number <= 100:
        raise ValueError(f"volume {value!r} must be from 0 to 100")
    return _clamp(number / 50, VOLUME_RANGE)


# -- document → items -----------------------------------------------------------------------------------
@dataclass
class _Text:
    text: str
    options: SynthesisOptions
    spans: Spans = ()  # each character's place in the document




@dataclass
class _Phones:
    text: str
    phones: tuple[str, ...]
    options: SynthesisOptions
    spans: Spans = ()
    readings: tuple[str, ...] = ()


@dataclass
class _Break:
    ms: int
    minimum: bool = False  # a sentence/paragraph boundary: at least ``ms``, not added


_Item = _Text | _Phones | _Break


class _Walker:
    def __init__(self, frontend: Frontend) -> None:
        self.frontend = frontend
        self.items: list[_Item] = []

    def text(self, text: str, options: SynthesisOptions, spans: Spans) -> None:
        last = self.items[-1] if self.items else None
        if isinstance(last, _Text) and last.options == options:
            last.text += text
            last.spans += spans
        else:
            self.items.append(_Text(text, options, spans))

    def walk(self, node: Node, options: SynthesisOptions) -> None:
        try:
            options = self._options(node, options)
            self._element(node, options)
        except (ValueError, InvalidOptionError, LexiconError) as exc:
            if isinstance(exc, SSMLError):
                raise
            message = exc.message if isinstance(exc, InvalidOptionError | LexiconError) else str(exc)
            raise _error(f"<{node.tag}>: {message}", node.line, node.column) from None

    def _options(self, node: Node, options: SynthesisOptions) -> SynthesisOptions:
        a = node.attrs
        if node.tag == "prosody":
            changes: dict[str, float] = {}
            if "rate" in a:
                changes["speed"] = parse_rate(a["rate"], options.speed)
            if "pitch" in a:
                changes["pitch"] = parse_pitch(a["pitch"], options.pitch)
            if "volume" in a:
                changes["volume"] = parse_volume(a["volume"], options.volume)
            return options.replace(**changes)
        if node.tag == "emotion":
            category = a.get("category", a.get("name"))
            if category is None:
                raise ValueError("missing attribute 'category'")
            intensity = float(a["intensity"]) if "intensity" in a else None
            return options.replace(emotion=category, intensity=intensity)
        return options

    def _element(self, node: Node, options: SynthesisOptions) -> None:
        a = node.attrs
        if node.tag == "break":
            self.items.append(_Break(break_ms(node)))
            return
        inner = "".join(c if isinstance(c, str) else _plain(c) for c in node.children)
        where = spans_of(_strings(node), node.start)
        if node.tag == "say-as":
            reading = say_as(inner, a.get("interpret-as", ""), a.get("format", ""))
            self.text(reading, options, covering(where, node.start, len(reading)))
            return
        if node.tag == "sub" and "alias" in a:
            self.text(a["alias"], options, covering(where, node.start, len(a["alias"])))
            return
        if node.tag == "phoneme":
            alphabet = a.get("alphabet", "pinyin").strip().lower()
            if alphabet not in ("pinyin", "py"):
                raise ValueError(f"phoneme alphabet {alphabet!r} is not supported (use 'pinyin')")
            if "ph" not in a:
                raise ValueError("missing attribute 'ph'")
            phones = self.frontend.phones_for_pinyin([a["ph"]])
            from .frontend.phones import parse_pinyin

            self.items.append(_Phones(inner.strip() or a["ph"], phones, options, where, tuple(parse_pinyin(a["ph"]))))
            return
        for child in node.children:
            if isinstance(child, str):
                self.text(child, options, spans_of([child], node.start))
            else:
                self.walk(child, options)
        if node.tag in ("s", "p"):
            ms = PARAGRAPH_PAUSE_MS if node.tag == "p" else SENTENCE_PAUSE_MS
            self.items.append(_Break(ms, minimum=True))


def break_ms(node: Node) -> int:
    """The silence one ``<break>`` element asks for (ValueError when its attributes are not allowed)."""
    if "time" in node.attrs:
        return parse_time_ms(node.attrs["time"])
    strength = node.attrs.get("strength", "medium").strip().lower()
    if strength not in BREAK_STRENGTH_MS:
        raise ValueError(f"break strength {_brief(strength)!r} is not one of {', '.join(BREAK_STRENGTH_MS)}")
    return BREAK_STRENGTH_MS[strength]


def silence_ms(text: str) -> int:
    """Total silence the ``<break>`` elements of an SSML document ask for, without synthesizing anything.

    Servers check it against their budget before any work (a 20 KB document of 10 s breaks is 3 hours of
    audio). Malformed documents raise :class:`~shengqing.errors.SSMLError` as :func:`plan_ssml` would.
    """
    total = 0
    pending = [parse(text)]
    while pending:
        node = pending.pop()
        if node.tag == "break":
            try:
                total += break_ms(node)
            except ValueError as exc:
                raise _error(f"<break>: {exc}", node.line, node.column) from None
        pending.extend(child for child in node.children if isinstance(child, Node))
    return total


def _plain(node: Node) -> str:
    return "".join(c if isinstance(c, str) else _plain(c) for c in node.children)


def _strings(node: Node) -> list[str]:
    return [s for c in node.children for s in ([c] if isinstance(c, str) else _strings(c))]


def plan_ssml(text: str, base: SynthesisOptions,
              frontend: Frontend) -> Iterator[tuple[Phrase, SynthesisOptions]]:
    """Phrases of the SSML document ``text``, each with its options (``base`` changed by the markup)."""
    from .frontend import PAUSE_MS, Phrase
    from .frontend.prosody import PUNCT_CLASS

    walker = _Walker(frontend)
    walker.walk(parse(text), base)
    pending: tuple[Phrase, SynthesisOptions] | None = None
    spoken = False
    for index, item in enumerate(walker.items):
        if isinstance(item, _Break):
            if pending is None:
                if not item.minimum and item.ms:
                    pending = (Phrase("", (), item.ms, 0, False, ""), base)
            else:
                phrase = pending[0]
                ms = max(phrase.pause_ms, item.ms) if item.minimum else phrase.pause_ms + item.ms
                pending = (replace(phrase, pause_ms=ms, sentence_end=phrase.sentence_end or item.minimum),
                           pending[1])
            continue
        if isinstance(item, _Phones):
            phrases = [Phrase(item.text, ("sil", *item.phones, "sil"), 0, sum(p[-1].isdigit() for p in item.phones),
                              False, "", pinyin_sources(item.readings, item.spans))]
        else:
            try:
                phrases = frontend.phrases(item.text)
            except NothingToSayError:
                ms = max((PAUSE_MS.get(PUNCT_CLASS.get(c, ""), 0) for c in item.text
                          if c in PUNCT_CLASS and not c.isspace()),
                         default=0)
                if pending is not None and pending[0].phones and ms > pending[0].pause_ms:
                    pending = (replace(pending[0], pause_ms=ms), pending[1])
                continue
            phrases = [replace(p, sources=tuple(s.mapped(item.spans) for s in p.sources)) for p in phrases]
            last = phrases[-1]
            ends = _ends_sentence(walker.items, index)
            phrases[-1] = replace(last, pause_ms=PAUSE_MS.get(last.final_punct, 0) if last.final_punct else 0,
                                  sentence_end=ends or last.final_punct in ("。", "！", "？"))
        for phrase in phrases:
            if pending is not None:
                yield pending
            pending = (phrase, item.options)
            spoken = spoken or bool(phrase.phones)
    if not spoken:
        raise NothingToSayError("the SSML document contains nothing to say", field="text",
                                hint="put some Chinese text inside <speak>")
    if pending is not None:
        yield pending


def _ends_sentence(items: list[_Item], index: int) -> bool:
    """True if the text item at ``index`` is followed by a sentence boundary or the end of the document."""
    for item in items[index + 1:]:
        if isinstance(item, _Break):
            if item.minimum:
                return True
            continue
        return False
    return True

