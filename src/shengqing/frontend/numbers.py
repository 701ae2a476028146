"""Reading numbers aloud in Mandarin: cardinals, digit strings, decimals, fractions.

Kept free of regular expressions over whole sentences; :mod:`normalize` decides *which* reading applies,
this module only spells a number once the reading is chosen.
"""

from __future__ import annotations

from typing import Final

DIGITS: Final = "零一二三四五六七八九"
_SMALL_UNITS: Final = ("", "十", "百", "千")
_BIG_UNITS: Final = ("", "万", "亿", "万亿")


def digits(s: str) -> str:
    """Digit by digit: ``"2024"`` → 二零二四 (years, phone numbers, codes)."""
    return "".join(DIGITS[int(c)] for c in s if c.isdigit())


def _four(n: int, leading: bool, liang: bool = False) -> str:
    """Read 0 < n < 10000 within a 万-group; ``leading`` is True for the first group of the number.

    With ``liang`` 2 is read 两 before 千 (一万两千) and, at the very start, before 百 (两百).
    """
    out: list[str] = []
    zero = False
    for i, ch in enumerate(str(n).rjust(4, "0")):
        d = int(ch)
        if d == 0:
            zero = bool(out)  # only a zero *between* digits is read; the group-level zero is the caller's
            continue
        if zero:
            out.append("零")
            zero = False
        word = DIGITS[d]
        if liang and d == 2 and (i == 0 or (i == 1 and leading and not out)):
            word = "两"
        out.append(word + _SMALL_UNITS[3 - i])
    text = "".join(out)
    # 十 alone at the very start is read 十, not 一十 (十五, but 一百一十五).
    if leading and text.startswith("一十"):
        text = text[1:]
    return text


def cardinal(s: str, liang: bool = True) -> str:
    """Integer in Chinese: ``"1234"`` → 一千二百三十四, ``"30029"`` → 三万零二十九.

    With ``liang`` 2 is read 两 before 千 (一万两千), a leading 2 before 百/万/亿 too (两百, 两万), the usual
    spoken form.
    """
    s = s.lstrip("0")
    if not s:
        return "零"
    if len(s) > 16:
        return digits(s)
    n = int(s)
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out: list[str] = []
    need_zero = False
    for idx in range(len(groups) - 1, -1, -1):
        g = groups[idx]
        leading = not out
        if g == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or g < 1000):
            out.append("零")
        out.append(_four(g, leading, liang) + _BIG_UNITS[idx])
        need_zero = False
    text = "".join(out)
    if liang and len(text) >= 2 and text[0] == "二" and text[1] in "千万亿":
        text = "两" + text[1:]
    return text


def decimal(int_part: str, frac_part: str) -> str:
    """``"12", "9"`` → 十二点九; fraction digits read one by one (点一四一五)."""
    head = cardinal(int_part, liang=False) if int_part else "零"
    return f"{head}点{digits(frac_part)}" if frac_part else head


def number(s: str) -> str:
    """A decimal or integer literal such as ``"3.1415"``, ``"-2"``, ``"1,234"``."""
    s = s.replace(",", "")
    neg = s.startswith("-")
    s = s.lstrip("+-")
    if "." in s:
        a, _, b = s.partition(".")
        body = decimal(a, b)
    else:
        body = cardinal(s)
    return ("负" if neg else "") + body


def strip_zeros(frac: str) -> str:
    """Trailing zeros of a decimal fraction are not read (36.00 元 → 三十六元, 0.70% → 零点七)."""
    return frac.rstrip("0")
