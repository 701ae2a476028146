"""Verification suites: the requests a snapshot renders.

A suite is a list of :class:`SuiteItem` — text plus every option that decides the output bytes. The
``default`` suite is built from the seed's three sentences (with their emotions) and the utterances of
``standard.txt`` (shipped with the package) with a rotation of emotions, speeds, pitches and formats. A
suite FILE is either JSON (``{"name": ..., "items": [{"text": ..., "emotion": ..., ...}]}`` or a bare list)
or plain text: one utterance per line, ``#`` starts a comment, each rendered neutral as wav.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..audio import normalize_format
from ..errors import InvalidOptionError
from ..options import SynthesisOptions

SEED_ITEMS: tuple[tuple[str, str], ...] = (
    ("你好，欢迎使用语音合成服务。", "neutral"),
    ("今天的阳光真灿烂，心情特别愉快！", "happy"),
    ("我一个人走在雨夜里，感觉有点孤单。", "sad"),
)
#: (line index in standard.txt, options) of the variations rendered on top of "every line, neutral, wav";
#: short lines only, so a reference-kernel snapshot stays within a few minutes on two cores
VARIATIONS: tuple[tuple[int, dict[str, Any]], ...] = (
    (0, {"format": "mp3"}),
    (0, {"format": "opus"}),
    (0, {"format": "flac"}),
    (0, {"pitch": 3.0}),
    (0, {"speed": 1.25, "format": "pcm"}),
    (1, {"emotion": "happy", "intensity": 1.5, "format": "mp3"}),
    (2, {"emotion": "sad", "speed": 0.8}),
    (7, {"emotion": "angry", "format": "opus"}),
    (8, {"emotion": "surprise", "pitch": -2.0}),
    (9, {"emotion": "fear", "format": "flac"}),
    (12, {"emotion": "gentle", "speed": 0.9}),
    (13, {"emotion": "serious", "volume": 0.5}),
    (14, {"emotion": "hate", "pitch": 2.0, "format": "mp3"}),
    (15, {"speed": 1.5, "volume": 1.5}),
)


@dataclass(frozen=True)
class SuiteItem:
    """One request of a suite: the text and every option that decides the audio and its encoding."""

    text: str
    emotion: str = "neutral"
    speed: float = 1.0
    intensity: float = 1.0
    pitch: float = 0.0
    volume: float = 1.0
    format: str = "wav"
    ssml: bool = False
    id: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise InvalidOptionError("a suite item needs a non-empty text", field="text")
        options = SynthesisOptions.from_kwargs(**self.options())  # validates ranges and the emotion name
        object.__setattr__(self, "emotion", options.emotion)  # 开心 → happy: one id per request
        object.__setattr__(self, "format", normalize_format(self.format))
        if not self.id:
            object.__setattr__(self, "id", self.default_id())

    def options(self) -> dict[str, Any]:
        """Synthesis options as keyword arguments of :meth:`shengqing.Synthesizer.synthesize`."""
        return {"emotion": self.emotion, "speed": self.speed, "intensity": self.intensity, "pitch": self.pitch,
                "volume": self.volume}

    def request(self) -> dict[str, Any]:
        """The request as recorded in a manifest (everything but the id)."""
        data = asdict(self)
        del data["id"]
        return data

    def default_id(self) -> str:
        """A stable id: short hash of the request, plus a readable summary."""
        digest = hashlib.sha256(json.dumps(self.request(), ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        extras = [f"{k}={v:g}" for k, v in (("speed", self.speed), ("pitch", self.pitch), ("volume", self.volume),
                                             ("intensity", self.intensity)) if v != SuiteItem.__dataclass_fields__[
                                                 k].default]
        return "-".join([digest[:8], self.emotion, self.format, *extras])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SuiteItem:
        allowed = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise InvalidOptionError(f"unknown suite item field {unknown[0]!r}", field=unknown[0],
                                     hint=f"allowed: {', '.join(sorted(allowed))}")
        return cls(**data)


@dataclass(frozen=True)
class Suite:
    """A named list of items with unique ids."""

    name: str
    items: tuple[SuiteItem, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise InvalidOptionError(f"suite {self.name!r} has two items with id {item.id!r}", field="id")
            seen.add(item.id)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "items": [{"id": i.id, **i.request()} for i in self.items]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Suite:
        return cls(str(data.get("name", "custom")), tuple(SuiteItem.from_dict(dict(i)) for i in data["items"]))


def standard_texts() -> list[str]:
    """The utterances of the packaged ``standard.txt`` (comments and blank lines dropped)."""
    text = resources.files(__package__).joinpath("standard.txt").read_text(encoding="utf-8")
    return parse_lines(text)


def parse_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def default_suite() -> Suite:
    """Every standard line neutral wav, the seed sentences with their emotions, and :data:`VARIATIONS`."""
    lines = standard_texts()
    items: list[SuiteItem] = [SuiteItem(text=line) for line in lines]
    items += [SuiteItem(text=text, emotion=emotion) for text, emotion in SEED_ITEMS if emotion != "neutral"]
    items += [SuiteItem(text=lines[index], **options) for index, options in VARIATIONS if index < len(lines)]
    unique: dict[str, SuiteItem] = {}
    for item in items:
        unique.setdefault(item.id, item)
    return Suite("default", tuple(unique.values()))


def load_suite(spec: str) -> Suite:
    """``default`` or a suite file (JSON, or text with one utterance per line)."""
    if spec == "default":
        return default_suite()
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidOptionError(f"suite file {spec} does not exist", field="suite",
                                 hint="use --suite default or a JSON/text suite file") from None
    except UnicodeDecodeError:
        raise InvalidOptionError(f"suite file {spec} is not UTF-8", field="suite") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidOptionError(f"suite file {spec} is not valid JSON: {exc}", field="suite") from None
        if isinstance(data, list):
            data = {"name": path.stem, "items": data}
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise InvalidOptionError(f"suite file {spec} must hold a list of items or {{\"items\": [...]}}",
                                     field="suite")
        data.setdefault("name", path.stem)
        try:
            return Suite.from_dict(data)
        except TypeError as exc:
            raise InvalidOptionError(f"suite file {spec}: {exc}", field="suite") from None
    lines = parse_lines(text)
    if not lines:
        raise InvalidOptionError(f"suite file {spec} has no utterances", field="suite")
    return Suite(path.stem, tuple(SuiteItem(text=line) for line in lines))
