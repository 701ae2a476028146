"""Number-reading policy: for every number, which reading applies and how it is spelled out.

Readings: cardinal (一万两千五百), digit string (幺零零八六, a :data:`PHONE` piece), year (二零二三年), date,
time, decimal, fraction, ratio, score, range, version (二点一点三), code after letters (G一二三四), money,
percent, measure. The choice uses the number's form (separators, leading zeros, length, sign) and the words
around it (电话/编号/房间… → digits; 总价/余额/人口/达到… → cardinal). A bare integer with no cue is a
cardinal; only phone-like forms (7–8 digit landlines, ≥ 12 digit IDs, service numbers, leading zeros) are
digit strings. :func:`rules` run in order over the text, the first rule to claim a stretch wins; the
rule → examples table is in docs/frontend.md ("Number-reading policy").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from shengqing.frontend import numbers as num
from shengqing.frontend.cache import once
from shengqing.frontend.pieces import PHONE, TEXT, Piece
from shengqing.frontend.units import CURRENCY, UNIT_RE, UNITS

Rule = tuple["re.Pattern[str]", Callable[["re.Match[str]"], list[Piece] | str]]

#: Characters after a number that make it a quantity (cardinal reading) rather than a code.
MEASURE: Final = frozenset(
    "个位名人次件条张本只头匹棵座栋层间家口岁年月日天周号时分秒点度元块角毛美欧英镑万亿千百十米克斤两吨升"
    "里公寸尺码亩倍成台辆架艘部份种项批所门首篇章节页行段句字词票场届期级等排列路班组队套双对副瓶杯碗盒包袋"
    "箱桶车趟遍回番轮声下步集幅把支根颗粒片滴朵余多来几加减乘除比到至米斤帧核线款代楼户股手枚株毫厘平立海微纳摄华兆瓦"
    "伏焦卡季辈拨波圈")
#: Words just before a number that make it a code read digit by digit (optionally + 号/号码 + 是/为/：).
_CODE_BEFORE: Final = (
    r"(按|拨打?|致电|电话|手机|号码|编号|尾号|代码|房间|分辨率|热线|工号|学号|账号|卡号|密码|验证码|邮编|邮政编码|客服|波音|空客|机型|"
    r"呼叫|来电|短信到?|发送到|发到|发至|单号|分机|车次|航班|车牌|型号|身份证|证件|批号|回复)(?:号码|号)?(?:是|为|：|:)?\s*$")
#: Words just after a number of ≥ 3 digits that make it a room, train or flight code.
_CODE_AFTER: Final = ("室", "房间", "号房", "次列车", "次动车", "次航班")
#: Words just before a number that make it a quantity even when its form looks like a code.
_QUANTITY_BEFORE: Final = (
    r"(总价|总分|总数|总计|合计|共计|共有|一共|余额|人口|数量|数字|数目|金额|价格|售价|收入|分数|得分|增长到|增加到|"
    r"下降到|减少到|达到|超过|突破|大约|约|近|逾|仅|共)(?:是|为|了|：|:)?\s*(?:负|-)?$")
#: Emergency, government and carrier/bank service numbers (digit by digit unless a measure word follows).
_SERVICE_NUMBERS: Final = frozenset(
    "110 112 114 119 120 121 122 12110 12121 12306 12315 12318 12319 12320 12333 12345 12348 12358 12365 "
    "12366 12369 12377 12380 12381 12385 12388 12395 12580 10000 10001 10010 10011 10050 10060 10086 10088 "
    "95105 95118 95188 95501 95508 95511 95512 95516 95518 95519 95522 95528 95533 95555 95558 95559 95561 "
    "95566 95568 95577 95580 95588 95595 95599".split())
#: Words after a 4-digit year-like number (19xx/20xx) that make it a year: 2020届, 2024款, 2024赛季.
_YEAR_AFTER: Final = ("届", "级", "版", "款", "赛季", "财年", "年度", "学年")
#: Model designations written with a hyphen that is not a minus sign: 歼-20, 东风-41.
_MODEL_PREFIXES: Final = "歼|运|轰|直|东风|红旗|长征|鹰击|巨浪|武直|枭龙|霹雳|翼龙|彩虹|神舟|天宫|嫦娥"
_WIN_AFTER: Final = (
    r"\s*(?:获胜|取胜|胜出|战胜|击败|打败|赢|输|落败|惜败|不敌|横扫|大胜|险胜|完胜|力克|拿下|告负|告捷|结束|的比分|胜|负|平)")
NUM: Final = r"\d+(?:,\d{3})*(?:\.\d+)?"


def cardinal_or_decimal(s: str, strip: bool = False) -> str:
    """An integer or decimal literal (thousands separators allowed); ``strip`` drops trailing zeros."""
    s = s.replace(",", "")
    if "." in s:
        a, _, b = s.partition(".")
        return num.decimal(a, num.strip_zeros(b) if strip else b)
    return num.cardinal(s)


def _digits(s: str) -> list[Piece]:
    return [Piece(num.digits(s), PHONE)]


def _latin_before(before: str) -> bool:
    tail = before[-2:].rstrip(" ") if before.endswith(" ") else before[-1:]
    return bool(tail) and tail[-1].isascii() and tail[-1].isalpha()


def read_integer(s: str, before: str, after: str) -> list[Piece] | str:
    """The policy for one integer ``s`` (no sign, separators removed) given the text around it."""
    head = after[:1]
    quantity = bool(re.search(_QUANTITY_BEFORE, before))
    if before.endswith("第"):
        return num.cardinal(s, liang=False)
    if re.search(_CODE_BEFORE, before) and not (head and head in MEASURE and head != "号"):
        return _digits(s)
    if _latin_before(before) and not (head and head in MEASURE and head != "次"):
        # codes and models after letters: G1234次, CA1831, A320; short ones: iPhone 15
        if len(s) >= 3 or head == "次":
            return _digits(s)
        return num.cardinal(s, liang=False)
    if s.startswith("0") and len(s) > 1:
        if len(s) == 2 and head and head in "月日号时点":
            return num.cardinal(s)  # zero-padded month, day, hour: 07月 → 七月
        if len(s) == 2 and head and head in "分秒":
            return "零" + num.cardinal(s)  # 5点08分 → 五点零八分
        return _digits(s)
    if (len(s) >= 3 and after.startswith(_CODE_AFTER)) or (len(s) >= 4 and head == "号"):
        return _digits(s)
    if re.search(r"公元前?\s*$", before) and head == "年":
        return num.digits(s)
    if len(s) == 4 and s[:2] in ("19", "20") and after.startswith(_YEAR_AFTER):
        return num.digits(s)
    if head and head in MEASURE:
        return _before_measure(s, before, after)
    if not quantity and _code_like(s):
        return _digits(s)
    if len(s) == 2 and head == "后" and s[1] in "05":
        return num.digits(s)  # generations: 90后, 85后
    if before[-1:] and before[-1] in "加减乘除比到至和与或":
        return num.cardinal(s, liang=False)
    return num.cardinal(s)


def _code_like(s: str) -> bool:
    """Forms that are codes even without a cue: service numbers, landlines, mobiles, long IDs."""
    if s in _SERVICE_NUMBERS or (len(s) == 5 and (s.startswith(("100", "123", "95")))):
        return True
    if len(s) == 11 and s[0] == "1" and s[1] in "3456789":
        return True
    return (len(s) in (7, 8) and not s.endswith("000")) or len(s) >= 12


def _before_measure(s: str, before: str, after: str) -> list[Piece] | str:
    if after.startswith("年") and len(s) == 4:
        return num.digits(s)  # years digit by digit (1998年, 1990年代 too)
    if s == "2" and after[:1] in "个位名只件条张本头次天种" and not before.endswith("第"):
        return "两"
    return num.cardinal(s)


def _integer(m: re.Match[str]) -> list[Piece] | str:
    s = m.group(0).replace(",", "")
    if "," in m.group(0):
        return num.cardinal(s)
    return read_integer(s, m.string[max(0, m.start() - 8):m.start()], m.string[m.end():m.end() + 4])


def _date_ymd(m: re.Match[str]) -> str:
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return m.group(0)  # not a date: later rules (ranges, fractions) get their turn
    return f"{num.digits(y)}年{num.cardinal(str(mo))}月{num.cardinal(str(d))}日"


def _era(m: re.Match[str]) -> str:
    bc = m.group(2) is not None
    return ("公元前" if bc else "公元") + num.digits(m.group(1) or m.group(3)) + "年"


def _version(m: re.Match[str]) -> str:
    parts = m.group(0).split(".")
    return "点".join(num.cardinal(p) if len(p) < 3 and not (p.startswith("0") and len(p) > 1) else num.digits(p)
                     for p in parts)


def _score(m: re.Match[str]) -> str:
    before, after = m.string[max(0, m.start() - 8):m.start()], m.string[m.end():m.end() + 4]
    valid_time = m.group(2) in ":：" and int(m.group(1)) <= 24 and len(m.group(3)) == 2
    score = "比分" in before or bool(re.match(_WIN_AFTER, after))
    if not score and not valid_time and before.endswith(("以", "战成")):
        score = not (after[:1] and after[:1] in MEASURE)
    if not score:
        return m.group(0)
    return f"{num.cardinal(m.group(1), False)}比{num.cardinal(m.group(3), False)}"


def _time(m: re.Match[str]) -> str:
    h, mi, sec = int(m.group(1)), int(m.group(2)), m.group(3)
    before = m.string[max(0, m.start() - 6):m.start()]
    if h > 24 or mi > 59 or len(m.group(2)) != 2 or re.search(r"比(?!赛)|浓度|稀释", before):
        return m.group(0)  # a ratio (see _ratio)
    out = f"{num.cardinal(str(h), False)}点"
    if mi:
        out += ("零" if mi < 10 else "") + num.cardinal(str(mi), False) + "分"
    if sec is not None and int(sec):
        out += num.cardinal(str(int(sec)), False) + "秒"
    return out


def _ratio(m: re.Match[str]) -> str:
    return "比".join(cardinal_or_decimal(p) for p in re.split(r"\s*[:：∶]\s*", m.group(0)))


def _temperature(m: re.Match[str]) -> str:
    sign, value, unit = m.group(1), m.group(2), m.group(3)
    head = "零下" if sign in ("-", "−") else ""
    word = "华氏度" if "F" in unit else "度"
    return f"{head}{cardinal_or_decimal(value)}{word}"


def _percent(m: re.Match[str]) -> str:
    sign = "负" if m.group(1) else ""
    word = "千分之" if m.group(3) == "‰" else "百分之"
    return f"{sign}{word}{cardinal_or_decimal(m.group(2), strip=True)}"


def _percent_range(m: re.Match[str]) -> str:
    word = "千分之" if m.group(3) == "‰" else "百分之"
    a, b = cardinal_or_decimal(m.group(1), True), cardinal_or_decimal(m.group(2), True)
    return f"{word}{a}到{word}{b}"


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
    sym, value, scale = m.group(1), m.group(2), m.group(3) or ""
    if CURRENCY[sym] == "元" and not scale:
        return _yuan(value)
    return cardinal_or_decimal(value, strip=True) + scale + CURRENCY[sym]  # $2.3万 → 二点三万美元


def _year_range(m: re.Match[str]) -> str:
    return f"{num.digits(m.group(1))}到{num.digits(m.group(2))}"


def _compile() -> list[Rule]:
    return [
        (re.compile(r"\+86[ -]?(?=1[3-9]\d{9})|(?<!\d)(?:\+?86[ -]?)?1[3-9]\d{9}(?!\d)|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"
                    r"|(?<!\d)400-?\d{3}-?\d{4}(?!\d)|(?<!\d)\d{3}-\d{3,4}-\d{4}(?!\d)"),
         lambda m: _digits(m.group(0))),
        (re.compile(r"(?<!\d)(\d{4})[-/.·](\d{1,2})[-/.·](\d{1,2})(?![\d.])"), _date_ymd),
        (re.compile(r"(?<![\d.])\d+(?:\.\d+){2,}(?![\d.])"), _version),
        (re.compile(r"(?<!\d)(\d{4}|\d{2})(?=年\d{1,2}月)"), lambda m: num.digits(m.group(1))),
        (re.compile(r"(?<![\d.])(\d{1,4})\s*(?:年\s*)?(?:(BC|B\.C\.)|AD|A\.D\.)(?![A-Za-z])"
                    r"|(?<![A-Za-z])(?:AD|A\.D\.)\s*(\d{1,4})(?![\d.])"), _era),
        (re.compile(f"({_MODEL_PREFIXES})[-－–](?=\\d)"), lambda m: m.group(1)),
        (re.compile(r"(?<![\d.:])(\d{1,3})\s*([-:：∶])\s*(\d{1,3})(?![\d.:%])"), _score),
        (re.compile(r"(?<![\d.])(" + NUM + r")[%‰]?\s*[-~～]\s*(" + NUM + r")\s*(%|‰)"), _percent_range),
        (re.compile(r"(?<!\d)(\d{4})\s*[-~～—–至到]\s*(\d{4})(?=\s*年)"), _year_range),
        (re.compile(r"(?<=[\d日号月点分秒℃%‰])\s*[-~～—–]\s*(?=\d)"), lambda m: "到"),
        (re.compile(r"(?<!\d)(\d{1,2}):(\d{1,2})(?::(\d{2}))?(?![\d:])"), _time),
        (re.compile(r"(?<![\d.])" + NUM + r"(?:\s*[:：∶]\s*" + NUM + ")+"), _ratio),
        (re.compile(r"(?<![\d.])([-−]?)(" + NUM + r")\s*(°C|℃|°F|°)"), _temperature),
        (re.compile(r"(?<![\dA-Za-z.)）\]])[-−](?=\.?\d)"), lambda m: "负"),
        (re.compile(r"(?<![\dA-Za-z.)）\]+])\+(?=\d)"), lambda m: "正"),
        (re.compile(r"(?<![\d.])(-)?(" + NUM + r")\s*(%|‰)"), _percent),
        (re.compile(r"(HK\$|US\$|[¥￥$€£₩])\s*(" + NUM + r")\s*(万亿|万|亿)?"), _money),
        (re.compile(r"(?<![\d.])(" + NUM + r")\s*(元|块|美元|欧元|英镑|日元|港元|港币|人民币)"),
         lambda m: cardinal_or_decimal(m.group(1), strip=True) + m.group(2)),
        (re.compile(r"(?<![\d./])(\d+)/(\d+)(?![\d/])"),
         lambda m: f"{cardinal_or_decimal(m.group(2))}分之{cardinal_or_decimal(m.group(1))}"),
        (re.compile(r"(?<![\d.])(" + NUM + r")\s*(" + UNIT_RE + r")(?![A-Za-z²³])"),
         lambda m: cardinal_or_decimal(m.group(1)) + UNITS[m.group(2)]),
        (re.compile(r"(?<!\d)\.(\d+)"), lambda m: "零点" + num.digits(m.group(1))),
        (re.compile(r"\d+(?:,\d{3})*\.\d+"), lambda m: cardinal_or_decimal(m.group(0))),
        (re.compile(r"\d+(?:,\d{3})+(?!\d)|\d+"), _integer),
    ]


rules: Callable[[], list[Rule]] = once(_compile)
"""The rules in order, compiled on the first text with a digit (compiling costs ~25 ms of cold start)."""

__all__ = ["MEASURE", "NUM", "PHONE", "TEXT", "Piece", "cardinal_or_decimal", "read_integer", "rules"]
