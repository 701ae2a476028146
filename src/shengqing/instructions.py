"""Free-text voice instructions ("用开心的语气", "speak sadly and slowly") → synthesis options.

OpenAI's ``gpt-4o-mini-tts`` takes a prose ``instructions`` field. shengqing has no language model, so this
module maps such prose to its own options with a small, documented, deterministic keyword parser
(docs/server.md, "Instructions"):

1. The text is NFKC-normalised and lower-cased, then cut into clauses at punctuation and at "and", "but",
   "并且", "而且", "然后"… Each clause is searched for cue words of four kinds: an **emotion**
   (开心, sad, angrily…), a **speed** (慢, slowly, faster…), a **pitch** (音调高, deep voice…) and a
   **volume** (大声, whisper…). "不要/别/not/don't/no" right before a cue cancels it.
2. A degree word in the same clause scales the cue: weak (有点, 稍微, 一点, a bit, slightly…), strong
   (很, 非常, 特别, very, really…) or extreme (极其, 超级, extremely…). An explicit number wins for speed
   ("1.2倍速", "speed 0.8", "1.5x") and pitch ("+2 semitones", "升高3个半音").
3. The first cue of each kind in reading order wins; later ones of the same kind are ignored.
4. Anything unrecognised changes nothing (the default voice), never an error.

The result only fills options the request did not set: explicit fields win over instructions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidOptionError
from .options import PITCH_RANGE, SPEED_RANGE

#: longest ``instructions`` accepted (OpenAI's own limit for the field)
MAX_INSTRUCTIONS = 4096

# cue words per emotion; English adverbs and adjectives both listed (no stemming: explicit and testable)
_EMOTION_CUES: dict[str, tuple[str, ...]] = {
    "happy": ("开心", "高兴", "快乐", "愉快", "欢快", "兴奋", "喜悦", "欢乐", "雀跃", "happy", "happily", "cheerful",
              "cheerfully", "joyful", "joyfully", "excited", "excitedly", "glad", "gladly", "upbeat", "delighted",
              "enthusiastic", "enthusiastically", "bright", "brightly"),
    "sad": ("悲伤", "难过", "伤心", "忧伤", "哀伤", "沮丧", "失落", "悲痛", "低落", "sad", "sadly", "sorrowful",
            "sorrowfully", "melancholy", "melancholic", "unhappy", "depressed", "gloomy", "gloomily", "mournful",
            "mournfully", "heartbroken", "tearful", "tearfully"),
    "angry": ("生气", "愤怒", "恼火", "气愤", "发火", "暴怒", "恼怒", "angry", "angrily", "furious", "furiously",
              "mad", "annoyed", "irritated", "irritably", "enraged", "rage", "outraged"),
    "fear": ("害怕", "恐惧", "惊恐", "胆怯", "恐慌", "惶恐", "scared", "afraid", "fearful", "fearfully",
             "frightened", "terrified", "nervous", "nervously", "anxious", "anxiously", "fear"),
    "hate": ("厌恶", "讨厌", "嫌弃", "反感", "鄙视", "憎恨", "disgust", "disgusted", "disgustedly", "hateful",
             "contempt", "contemptuous", "contemptuously", "loathing", "scornful", "scornfully"),
    "surprise": ("惊讶", "吃惊", "惊奇", "震惊", "诧异", "意外", "surprised", "surprise", "amazed", "astonished",
                 "shocked", "in disbelief"),
    "gentle": ("温柔", "轻柔", "柔和", "温和", "亲切", "温暖", "gentle", "gently", "tender", "tenderly", "warm",
               "warmly", "soothing", "soothingly", "kindly", "sweet", "sweetly", "whisper", "whispering",
               "耳语", "悄悄"),
    "serious": ("严肃", "庄重", "正式", "郑重", "严厉", "认真", "serious", "seriously", "formal", "formally",
                "solemn", "solemnly", "stern", "sternly", "authoritative", "authoritatively"),
    "neutral": ("平静", "中性", "平淡", "冷静", "neutral", "neutrally", "calm", "calmly", "flat", "plain",
                "matter-of-fact", "monotone"),
}
_SLOW = ("慢", "缓慢", "放慢", "减速", "慢慢", "slow", "slowly", "slower", "unhurried", "leisurely")
_FAST = ("快", "加快", "急促", "加速", "fast", "faster", "quick", "quickly", "quicker", "rapid", "rapidly",
         "hurried", "hurriedly", "briskly")
_HIGH = ("音调高", "音调提高", "声调高", "高音", "尖", "高一点", "高一些", "音调升高", "higher pitch", "high pitch",
         "high-pitched", "pitch up", "raise the pitch", "higher voice", "higher tone")
_LOW = ("低沉", "音调低", "音调降低", "声调低", "低音", "深沉", "低一点", "低一些", "lower pitch", "low pitch",
        "low-pitched", "pitch down", "lower the pitch", "deep voice", "deeper", "deep")
_LOUD = ("大声", "响亮", "洪亮", "大点声", "大一点声", "音量大", "loud", "loudly", "louder", "shout", "shouting",
         "booming")
_QUIET = ("小声", "轻声", "低声", "悄悄", "耳语", "音量小", "轻轻", "quiet", "quietly", "quieter", "softly",
          "soft", "whisper", "whispering", "hushed", "murmur", "murmuring")

_WEAK = ("有点", "有些", "稍微", "稍", "略微", "略", "一点", "一些", "些许", "a bit", "a little", "slightly",
         "somewhat", "mildly", "a touch", "kind of", "a tad")
_STRONG = ("很", "非常", "特别", "十分", "相当", "好", "太", "very", "really", "so", "quite", "truly", "deeply",
           "highly")
_EXTREME = ("极其", "极度", "超级", "无比", "极", "extremely", "incredibly", "super", "terribly", "utterly",
            "insanely", "absolutely")
_NEGATIONS = ("不要", "别", "不", "not", "don't", "dont", "never", "no", "without", "isn't", "aren't")
#: the intensity of an emotion by degree (none = the preset's natural strength)
INTENSITY = {"weak": 0.6, None: 1.0, "strong": 1.5, "extreme": 1.9}
#: speed factors: slow / fast by degree
SPEED = {"slow": {"weak": 0.9, None: 0.8, "strong": 0.7, "extreme": 0.6},
         "fast": {"weak": 1.1, None: 1.2, "strong": 1.35, "extreme": 1.5}}
#: pitch in semitones: up / down by degree
PITCH = {"weak": 1.0, None: 2.0, "strong": 3.0, "extreme": 4.0}
#: volume gain: loud / quiet by degree
VOLUME = {"loud": {"weak": 1.2, None: 1.4, "strong": 1.6, "extreme": 1.8},
          "quiet": {"weak": 0.8, None: 0.6, "strong": 0.45, "extreme": 0.35}}

_CLAUSE_SPLIT = re.compile(r"[，。,;；!！?？、\n:：]+|\.(?!\d)|\s+(?:and|but|then|while|with)\s+"
                           r"|并且|而且|然后|同时|但是|但")
_SPEED_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:倍速|倍|x\b|×)|(?:speed|rate|语速)\s*(?:of|to|=|:|为|是)?\s*"
                           r"(\d+(?:\.\d+)?)")
_PITCH_NUMBER = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(?:semitones?|st\b|个半音|半音)")
# Chinese words that contain a cue character without meaning it (快乐 is happy, not fast)
_FALSE_FRIENDS = ("快乐", "愉快", "欢快", "痛快", "凉快", "爽快", "赶快", "尖叫", "尖锐", "好的", "好像")
_ASCII_WORD = re.compile(r"[a-z]")


@dataclass(frozen=True)
class Style:
    """What an instruction text asks for; ``None`` where it says nothing. ``cues`` lists the words used."""

    emotion: str | None = None
    intensity: float | None = None
    speed: float | None = None
    pitch: float | None = None
    volume: float | None = None
    cues: tuple[str, ...] = field(default=())

    def options(self) -> dict[str, Any]:
        """The options set, as keyword arguments for :class:`~shengqing.options.SynthesisOptions`."""
        return {name: value for name in ("emotion", "intensity", "speed", "pitch", "volume")
                if (value := getattr(self, name)) is not None}

    def describe(self) -> str:
        """``emotion=sad;intensity=1;speed=0.8`` (ASCII, for a response header), or ``none``."""
        parts = [f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
                 for name, value in self.options().items()]
        return ";".join(parts) or "none"


def parse_instructions(text: str | None) -> Style:
    """The :class:`Style` that ``text`` asks for (see the module docstring for the rules)."""
    if text is None:
        return Style()
    if not isinstance(text, str):
        raise InvalidOptionError("instructions must be a string", field="instructions", value=repr(text)[:80])
    if len(text) > MAX_INSTRUCTIONS:
        raise InvalidOptionError(f"instructions has {len(text)} characters; the limit is {MAX_INSTRUCTIONS}",
                                 field="instructions", value=len(text),
                                 hint="describe the tone in a sentence or two (emotion, speed, pitch, volume)")
    found: dict[str, Any] = {}
    cues: list[str] = []
    for clause in _CLAUSE_SPLIT.split(unicodedata.normalize("NFKC", text).lower()):
        if clause.strip():
            _read_clause(clause, found, cues)
    return Style(cues=tuple(cues), **found)


def _read_clause(clause: str, found: dict[str, Any], cues: list[str]) -> None:
    if "emotion" not in found:
        hit = _first_cue(clause, [(name, words) for name, words in _EMOTION_CUES.items()])
        if hit is not None:
            found["emotion"] = hit[0]
            cues.append(hit[1])
            if hit[0] != "neutral":
                found["intensity"] = INTENSITY[_degree(clause, hit[2], hit[1])]
    if "speed" not in found:
        number = _SPEED_NUMBER.search(clause)
        if number is not None:
            value = float(number.group(1) or number.group(2))
            if SPEED_RANGE[0] <= value <= SPEED_RANGE[1]:
                found["speed"] = value
                cues.append(number.group(0).strip())
        if "speed" not in found:
            hit = _first_cue(clause, [("slow", _SLOW), ("fast", _FAST)])
            if hit is not None:
                found["speed"] = SPEED[hit[0]][_degree(clause, hit[2], hit[1])]
                cues.append(hit[1])
    if "pitch" not in found:
        number = _PITCH_NUMBER.search(clause)
        if number is not None:
            value = float(number.group(1))
            if ("降" in clause or "lower" in clause or "down" in clause) and value > 0:
                value = -value
            found["pitch"] = min(max(value, PITCH_RANGE[0]), PITCH_RANGE[1])
            cues.append(number.group(0).strip())
        else:
            hit = _first_cue(clause, [("high", _HIGH), ("low", _LOW)])
            if hit is not None:
                found["pitch"] = PITCH[_degree(clause, hit[2], hit[1])] * (1 if hit[0] == "high" else -1)
                cues.append(hit[1])
    if "volume" not in found:
        hit = _first_cue(clause, [("loud", _LOUD), ("quiet", _QUIET)])
        if hit is not None:
            found["volume"] = VOLUME[hit[0]][_degree(clause, hit[2], hit[1])]
            cues.append(hit[1])


def _degree(clause: str, at: int, word: str) -> str | None:
    """The degree word next to the cue at ``at``: up to 3 words (6 Han characters) before it, or a weak
    suffix right after it ("慢一点", "slower a bit"); extreme > weak > strong when several appear."""
    before = clause[max(0, at - 24):at]
    before = before[-6:] if not _ASCII_WORD.search(before[-1:] or " ") and not before.endswith(" ") else \
        " ".join(before.split()[-3:])
    after = clause[at + len(word):at + len(word) + 10]
    for name, words in (("extreme", _EXTREME), ("weak", _WEAK), ("strong", _STRONG)):
        if any(_find(before, w) >= 0 for w in words):
            return name
        if name == "weak" and any(_find(after, w) == _find(after, after.lstrip()[:1] or " ") for w in words
                                  if _find(after, w) >= 0):
            return name
    return None


def _first_cue(clause: str, kinds: list[tuple[str, tuple[str, ...]]]) -> tuple[str, str, int] | None:
    """(kind, word, position) of the cue word that comes first in the clause, negated cues skipped."""
    best: tuple[int, int, str, str] | None = None
    for name, words in kinds:
        for word in words:
            at = _find(clause, word)
            if at < 0 or _negated(clause, at):
                continue
            key = (at, -len(word), name, word)  # earliest, then the longest word at that place
            if best is None or key < best:
                best = key
    return None if best is None else (best[2], best[3], best[0])


def _find(clause: str, word: str) -> int:
    """Where ``word`` occurs in ``clause`` (-1 if nowhere): English on word boundaries, Chinese anywhere
    except inside a word that merely contains it (快 in 快乐)."""
    if _ASCII_WORD.match(word):
        match = re.search(rf"(?<![a-z'-]){re.escape(word)}(?![a-z'-])", clause)
        return match.start() if match else -1
    start = 0
    while (at := clause.find(word, start)) >= 0:
        if not any(_covers(clause, at, len(word), friend) for friend in _FALSE_FRIENDS
                   if word in friend and word != friend):
            return at
        start = at + 1
    return -1


def _covers(clause: str, at: int, size: int, friend: str) -> bool:
    """True when the occurrence of a cue at ``at`` lies inside an occurrence of ``friend``."""
    begin = max(0, at - len(friend) + size)
    return any(clause.startswith(friend, i) and i <= at and at + size <= i + len(friend)
               for i in range(begin, at + 1))


def _negated(clause: str, at: int) -> bool:
    before = clause[max(0, at - 12):at].rstrip()
    words = re.findall(r"[a-z']+", clause[max(0, at - 30):at])
    if any(word in _NEGATIONS for word in words[-3:]):  # "not angry", "don't sound angry", "not too fast"
        return True
    return any(neg in before[-3:] for neg in _NEGATIONS if not _ASCII_WORD.match(neg))
