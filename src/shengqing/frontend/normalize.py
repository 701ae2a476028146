"""Text normalization for TTS: digits, symbols and odd characters → speakable Chinese.

Our own rule layer handles the TTS conventions (years and phone numbers digit by digit, scores, ranges,
money, units, …) and claims almost every digit; ``wetext``'s FSTs are the fallback for digits the rules
leave alone and do the traditional → simplified conversion. Both FST sets are loaded lazily and only when
the text needs them, because loading them costs ~0.4 s and most TTS input has neither.

The output is a list of :class:`Piece` so later stages know which stretches are digit strings (phone
numbers, codes: 1 is read 幺) or spelled-out URLs; :func:`normalize` joins them into plain text.
Normalization is idempotent: the output contains no digits and no symbols the rules react to.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from shengqing.frontend import numbers as num

TEXT: Final = "text"
PHONE: Final = "phone"  # digit string read with 幺 for 1
SPELL: Final = "spell"  # letters read one by one (URLs, e-mails)


@dataclass(frozen=True)
class Piece:
    """A stretch of normalized text and how it must be read."""

    text: str
    kind: str = TEXT


# --- character-level cleanup ---------------------------------------------------------------------------

_KEEP_FULLWIDTH: Final = set("，！？：；（）")  # Chinese punctuation that carries pause information


def _fold_char(ch: str) -> str:
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E and ch not in _KEEP_FULLWIDTH:
        return chr(o - 0xFEE0)
    if ch == "\u3000":
        return " "
    return ch


def clean(text: str) -> str:
    """Fold full-width ASCII to half-width, unify odd forms, drop control and format characters."""
    out: list[str] = []
    for ch in text:
        if ch in "\n\r\t":
            out.append("\n" if ch != "\t" else " ")
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # control, format (zero-width), surrogates, private use, unassigned: unspeakable
        if cat == "Zs":
            out.append(" ")
            continue
        out.append(_fold_char(ch))
    s = "".join(out)
    return s.replace("﹪", "%").replace("％", "%").replace("℉", "°F").replace("．", ".")


_lock = threading.Lock()
_t2s: Any = None
_wetext: Any = None


def _needs_t2s(text: str) -> bool:
    # Traditional characters are (almost) all outside GB2312; checking that is free, loading the FST not.
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff":
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                return True
    return False


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with wetext's FST (loaded on first need)."""
    global _t2s
    if not _needs_t2s(text):
        return text
    with _lock:
        if _t2s is None:
            from wetext.constants import load_fst

            _t2s = load_fst("traditional_to_simple.fst")
    return str(_t2s(text))


def _wetext_tn(text: str) -> str:
    global _wetext
    with _lock:
        if _wetext is None:
            from wetext import Normalizer

            _wetext = Normalizer(lang="zh", operator="tn")
    return str(_wetext.normalize(text))


# --- rule layer ----------------------------------------------------------------------------------------

Rule = tuple["re.Pattern[str]", Callable[["re.Match[str]"], list[Piece] | str]]

# Characters after a number that make it a quantity (cardinal reading) rather than a code (digit string).
_MEASURE: Final = set(
    "个位名人次件条张本只头匹棵座栋层间家口岁年月日天周号时分秒点度元块角毛美欧英镑万亿千百十米克斤两吨升"
    "里公寸尺码亩倍成台辆架艘部份种项批所门首篇章节页行段句字词票场届期级等排列路班组队套双对副瓶杯碗盒包袋"
    "箱桶车趟遍回番轮声下步集幅把支根颗粒片滴朵余多来几加减乘除比到至万米斤帧核线款代届楼户股手枚株元毫厘平立海微纳摄华兆瓦"
    "伏焦卡季辈期轮拨波圈"
)
_DIGIT_CONTEXT: Final = re.compile(
    r"(按|拨打?|致电|电话|号码|编号|尾号|代码|房间|分辨率|热线|工号|学号|账号|卡号|密码|邮编|客服|呼叫|来电|短信|"
    r"短信到|发送到|发到|发至)$")
#: Emergency, government and carrier/bank service numbers: read digit by digit (1 as 幺) unless a measure
#: word follows (我有10086元).
_SERVICE_NUMBERS: Final = frozenset(
    "110 112 114 119 120 121 122 12110 12121 12306 12315 12318 12319 12320 12333 12345 12348 12358 12365 "
    "12366 12369 12377 12380 12381 12385 12388 12395 12580 10000 10001 10010 10011 10050 10060 10086 10088 "
    "95105 95118 95188 95501 95508 95511 95512 95516 95518 95519 95522 95528 95533 95555 95558 95559 95561 "
    "95566 95568 95577 95580 95588 95595 95599".split())
_SCORE_CONTEXT: Final = re.compile(r"(比分|比赛|战胜|击败|打败|赢|输|胜|负|平|以|大比分|总比分|比)")

_UNITS: Final[dict[str, str]] = {
    "km/h": "千米每小时", "m/s": "米每秒", "kg": "千克", "mg": "毫克", "g": "克", "km": "千米", "cm²": "平方厘米",
    "m²": "平方米", "km²": "平方千米", "m³": "立方米", "cm³": "立方厘米", "cm": "厘米", "mm": "毫米", "m": "米",
    "ml": "毫升", "mL": "毫升", "L": "升", "l": "升", "GB": "GB", "MB": "MB", "KB": "KB", "TB": "TB",
    "kWh": "千瓦时", "kW": "千瓦", "W": "瓦", "Hz": "赫兹", "GHz": "吉赫兹", "MHz": "兆赫兹", "kb": "kb",
    "h": "小时", "min": "分钟", "s": "秒", "ms": "毫秒", "nm": "纳米", "μm": "微米", "t": "吨", "mAh": "毫安时",
    "V": "伏", "A": "安", "dB": "分贝", "Pa": "帕", "kPa": "千帕", "cal": "卡", "kcal": "千卡",
}
_UNIT_RE: Final = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUM: Final = r"\d+(?:,\d{3})*(?:\.\d+)?"


def _cardinal_or_decimal(s: str, strip: bool = False) -> str:
    s = s.replace(",", "")
    if "." in s:
        a, _, b = s.partition(".")
        if strip:
            b = num.strip_zeros(b)
        return num.decimal(a, b)
    return num.cardinal(s)


def _date_ymd(m: re.Match[str]) -> str:
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return m.group(0)  # not a date: later rules (ranges, fractions) get their turn
    return f"{num.digits(y)}年{num.cardinal(str(mo))}月{num.cardinal(str(d))}日"


def _time(m: re.Match[str]) -> str:
    h, mi, sec = int(m.group(1)), int(m.group(2)), m.group(3)
    before = m.string[max(0, m.start() - 8):m.start()]
    if h > 24 or mi > 59 or _SCORE_CONTEXT.search(before) or len(m.group(2)) != 2:
        return f"{num.cardinal(m.group(1), False)}比{num.cardinal(m.group(2), False)}"
    out = f"{num.cardinal(str(h), False)}点"
    if mi:
        out += ("零" if mi < 10 else "") + num.cardinal(str(mi), False) + "分"
    if sec is not None and int(sec):
        out += num.cardinal(str(int(sec)), False) + "秒"
    return out


def _temperature(m: re.Match[str]) -> str:
    sign, value, unit = m.group(1), m.group(2), m.group(3)
    head = "零下" if sign in ("-", "−") else ""
    word = "华氏度" if "F" in unit else "度"
    return f"{head}{_cardinal_or_decimal(value)}{word}"


def _percent(m: re.Match[str]) -> str:
    sign = "负" if m.group(1) else ""
    word = "千分之" if m.group(3) == "‰" else "百分之"
    return f"{sign}{word}{_cardinal_or_decimal(m.group(2), strip=True)}"


def _percent_range(m: re.Match[str]) -> str:
    word = "千分之" if m.group(3) == "‰" else "百分之"
    a, b = _cardinal_or_decimal(m.group(1), True), _cardinal_or_decimal(m.group(2), True)
    return f"{word}{a}到{word}{b}"


_CURRENCY: Final[dict[str, str]] = {"¥": "元", "￥": "元", "$": "美元", "€": "欧元", "£": "英镑", "₩": "韩元",
                                    "HK$": "港元", "US$": "美元"}


def _yuan(value: str) -> str:
    # ¥12.50 → 十二元五角: the explicit currency sign reads best as 元角分.
    a, _, b = value.replace(",", "").partition(".")
    out = num.cardinal(a) + "元" if a.lstrip("0") or not b.strip("0") else ""
    b = (b + "00")[:2]
    if b[0] != "0":
        out += num.DIGITS[int(b[0])] + "角"
    if b[1] != "0":
        out += ("零" if b[0] == "0" and out else "") + num.DIGITS[int(b[1])] + "分"
    return out


def _money(m: re.Match[str]) -> str:
    sym, value = m.group(1), m.group(2)
    if _CURRENCY[sym] == "元":
        return _yuan(value)
    return _cardinal_or_decimal(value, strip=True) + _CURRENCY[sym]


def _money_suffix(m: re.Match[str]) -> str:
    return _cardinal_or_decimal(m.group(1), strip=True) + m.group(2)


def _unit(m: re.Match[str]) -> str:
    return _cardinal_or_decimal(m.group(1)) + _UNITS[m.group(2)]


def _phone(m: re.Match[str]) -> list[Piece]:
    return [Piece(num.digits(m.group(0)), PHONE)]


_SPELL_SYMBOLS: Final[dict[str, str]] = {".": "点", "/": "斜杠", ":": "冒号", "@": "艾特", "-": "杠",
                                         "_": "下划线", "?": "问号", "=": "等于", "&": "和", "#": "井号",
                                         "%": "百分号", "~": "波浪号", "+": "加"}


def _spell(m: re.Match[str]) -> list[Piece]:
    text = m.group(0)
    text = re.sub(r"^https?://", lambda x: x.group(0)[:-3], text)
    out: list[Piece] = []
    buf = ""
    for ch in text:
        if ch.isdigit():
            buf += num.DIGITS[int(ch)]
        elif ch in _SPELL_SYMBOLS:
            buf += _SPELL_SYMBOLS[ch]
        elif ch.isascii() and ch.isalpha():
            buf += ch
    out.append(Piece(buf, SPELL))
    return out


def _fraction(m: re.Match[str]) -> str:
    return f"{_cardinal_or_decimal(m.group(2))}分之{_cardinal_or_decimal(m.group(1))}"


def _range(m: re.Match[str]) -> str:
    return f"{_cardinal_or_decimal(m.group(1))}到{_cardinal_or_decimal(m.group(2))}"


def _integer(m: re.Match[str]) -> list[Piece] | str:
    s = m.group(0).replace(",", "")
    after = m.string[m.end():m.end() + 1]
    before = m.string[max(0, m.start() - 4):m.start()]
    if "," in m.group(0):
        return num.cardinal(s)
    if _DIGIT_CONTEXT.search(before) or (s.startswith("0") and len(s) > 1):
        return [Piece(num.digits(s), PHONE)]
    if s in _SERVICE_NUMBERS and not (after and after in _MEASURE) and not before.endswith("第"):
        return [Piece(num.digits(s), PHONE)]
    if after and after in _MEASURE:
        if after == "年" and len(s) == 4:
            return num.digits(s)  # years digit by digit
        if s == "2" and after in "个位名只件条张本头次天种" and not before.endswith("第"):
            return "两"
        return num.cardinal(s)
    if before.endswith("第") or (before and before[-1] in "加减乘除比到至和与或"):
        return num.cardinal(s, liang=False)
    if len(s) >= 3:
        return [Piece(num.digits(s), PHONE if len(s) >= 5 else TEXT)]
    return num.cardinal(s, liang=False)


def _decimal(m: re.Match[str]) -> str:
    a, _, b = m.group(0).replace(",", "").partition(".")
    return num.decimal(a, b)


_RULES: Final[list[Rule]] = [
    (re.compile(r"(?:https?://|www\.)[A-Za-z0-9./?=&%#:~+_-]+[A-Za-z0-9/]"), _spell),
    (re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), _spell),
    (re.compile(r"\+86[ -]?(?=1[3-9]\d{9})|(?<!\d)(?:\+?86[ -]?)?1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"
                r"|(?<!\d)400-?\d{3}-?\d{4}(?!\d)|(?<!\d)\d{3}-\d{3,4}-\d{4}(?!\d)"), _phone),
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.])"), _date_ymd),
    (re.compile(r"(?<!\d)(\d{4}|\d{2})(?=年\d{1,2}月)"), lambda m: num.digits(m.group(1))),
    (re.compile(r"(?<!\d)(\d{1,2}):(\d{1,2})(?::(\d{2}))?(?![\d:])"), _time),
    (re.compile(r"(?<![\d.])([-−]?)(" + _NUM + r")\s*(°C|℃|°F|°)"), _temperature),
    (re.compile(r"(?<![\d.])(" + _NUM + r")[%‰]?\s*[-~～]\s*(" + _NUM + r")\s*(%|‰)"), _percent_range),
    (re.compile(r"(?<![\d.])(-)?(" + _NUM + r")\s*(%|‰)"), _percent),
    (re.compile(r"(HK\$|US\$|[¥￥$€£₩])\s*(" + _NUM + r")"), _money),
    (re.compile(r"(?<![\d.])(" + _NUM + r")\s*(元|块|美元|欧元|英镑|日元|港元|港币|人民币)"), _money_suffix),
    (re.compile(r"(?<![\d./])(\d+)/(\d+)(?![\d/])"), _fraction),
    (re.compile(r"(?<![\d.A-Za-z-])(" + _NUM + r")\s*(?:~|～|-|—|–|至)\s*(" + _NUM + r")(?![\d.])"), _range),
    (re.compile(r"(?<![\d.])(" + _NUM + r")\s*(" + _UNIT_RE + r")(?![A-Za-z²³])"), _unit),
    (re.compile(r"(?<![\dA-Za-z.])[-−](?=\d)"), lambda m: "负"),
    (re.compile(r"(?<!\d)\.(\d+)"), lambda m: "零点" + num.digits(m.group(1))),
    (re.compile(r"\d+\.\d+"), _decimal),
    (re.compile(r"\d+(?:,\d{3})+(?!\d)|\d+"), _integer),
]

# Symbols read as words once the number rules have had their turn.
_SYMBOL_WORDS: Final[dict[str, str]] = {
    "%": "百分号", "‰": "千分号", "℃": "摄氏度", "°": "度", "+": "加", "=": "等于", "@": "艾特", "&": "和",
    "×": "乘", "÷": "除以", "≈": "约等于", "≠": "不等于", "≤": "小于等于", "≥": "大于等于", "<": "小于",
    ">": "大于", "￥": "元", "¥": "元", "$": "美元", "€": "欧元", "£": "英镑", "№": "号", "±": "正负",
}


def _apply(pieces: list[Piece], pattern: re.Pattern[str],
           fn: Callable[[re.Match[str]], list[Piece] | str]) -> list[Piece]:
    out: list[Piece] = []
    for piece in pieces:
        if piece.kind != TEXT:
            out.append(piece)
            continue
        pos = 0
        s = piece.text
        for m in pattern.finditer(s):
            if m.start() > pos:
                out.append(Piece(s[pos:m.start()]))
            res = fn(m)
            out.extend([Piece(res)] if isinstance(res, str) else res)
            pos = m.end()
        if pos < len(s):
            out.append(Piece(s[pos:]))
    return _merge(out)


def _merge(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in pieces:
        if not p.text:
            continue
        if out and out[-1].kind == p.kind == TEXT:
            out[-1] = Piece(out[-1].text + p.text)
        else:
            out.append(p)
    return out


def normalize_pieces(text: str) -> list[Piece]:
    """Normalize ``text`` into typed pieces (see module docstring). Never raises on any string."""
    s = to_simplified(clean(text))
    pieces = [Piece(s)]
    if any(c.isdigit() or c in "@:/." for c in s):
        for pattern, fn in _RULES:
            pieces = _apply(pieces, pattern, fn)
        if any(p.kind == TEXT and any(c.isdigit() for c in p.text) for p in pieces):
            # Digits our rules did not claim (exotic scripts' digits): let wetext try.
            pieces = [Piece(_wetext_tn(p.text)) if p.kind == TEXT else p for p in pieces]
    pieces = [Piece("".join(_SYMBOL_WORDS.get(c, c) for c in p.text), p.kind) if p.kind == TEXT else p
              for p in pieces]
    return _merge(pieces)


def normalize(text: str) -> str:
    """Plain normalized text (digits, dates, money… written out in Chinese characters)."""
    return "".join(p.text for p in normalize_pieces(text))
