"""``<say-as interpret-as=…>``: rewrite the content into text the frontend reads the intended way.

* ``digits`` (``number_digit``): digit by digit, 1 as 一 (``123`` → 一二三).
* ``telephone``: digit by digit with 1 as 幺, groups (``-``, spaces, brackets) separated by a short pause,
  a leading ``+`` read 加 (``+86 400-820-8820`` → 加八六、四零零、八二零、八八二零).
* ``cardinal`` (``number``): the number in Chinese (``-12.5`` → 负十二点五, ``10086`` → 一万零八十六).
* ``ordinal``: 第 + cardinal (``3`` → 第三; a leading 第 is kept, not doubled).
* ``date``: ``2026-03-15``, ``2026/3/15``, ``2026.3.15``, ``2026年3月15日`` → 二零二六年三月十五日; the
  ``format`` attribute (``ymd`` default, ``dmy``, ``mdy``, ``ym``, ``md``) orders numeric parts.
* ``characters`` (``spell-out``, ``letters``, ``characters``): one by one (``ABC`` → A B C, ``2B`` → 二 B).

Anything else (or content that does not fit) is returned unchanged for the normal frontend.
"""

from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"
_UNITS = ("", "十", "百", "千")
_GROUPS = ("", "万", "亿", "万亿")


def digits(text: str, *, one: str = "一") -> str:
    return "".join((one if c == "1" else DIGITS[int(c)]) if c.isdigit() else c for c in text)


def _group(n: int) -> str:
    """0 < n < 10000 → Chinese, with 零 for inner gaps (1005 → 一千零五)."""
    out: list[str] = []
    zero = False
    for power in range(3, -1, -1):
        d = n // 10 ** power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[d] + _UNITS[power])
    return "".join(out)


def cardinal_int(n: int) -> str:
    """Non-negative integer → Chinese reading (10 → 十, 12 → 十二, 110 → 一百一十, 10086 → 一万零八十六)."""
    if n == 0:
        return "零"
    if n >= 10 ** 16:
        return digits(str(n))
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    need_zero = False
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or g < 1000):
            out += "零"
        out += _group(g) + _GROUPS[i]
        need_zero = False
    if out.startswith("一十"):
        out = out[1:]
    return out


def cardinal(text: str) -> str:
    match = re.fullmatch(r"\s*([+-]?)(\d[\d,]*)(?:\.(\d+))?\s*", text)
    if not match:
        return text
    sign, whole, frac = match.groups()
    out = ("负" if sign == "-" else "") + cardinal_int(int(whole.replace(",", "")))
    if frac:
        out += "点" + digits(frac)
    return out


def ordinal(text: str) -> str:
    body = text.strip()
    prefix = "第"
    if body.startswith("第"):
        body = body[1:]
    spoken = cardinal(body)
    return prefix + spoken if spoken != body or not body.isdigit() else text


def date(text: str, fmt: str = "") -> str:
    body = text.strip()
    match = re.fullmatch(r"(\d{2,4})年(?:(\d{1,2})月(?:(\d{1,2})[日号])?)?", body)
    if match:
        year, month, day = match.groups()
    else:
        parts = re.split(r"[-/.]", body)
        if not all(p.isdigit() for p in parts) or not 1 <= len(parts) <= 3:
            return text
        order = (fmt or {3: "ymd", 2: "ym", 1: "y"}[len(parts)]).lower()
        if len(order) != len(parts) or set(order) - set("ymd"):
            return text
        found = dict(zip(order, parts, strict=True))
        year, month, day = found.get("y"), found.get("m"), found.get("d")
    out = ""
    if year:
        out += digits(year) + "年"
    if month:
        if not 1 <= int(month) <= 12:
            return text
        out += cardinal_int(int(month)) + "月"
    if day:
        if not 1 <= int(day) <= 31:
            return text
        out += cardinal_int(int(day)) + "日"
    return out or text


def telephone(text: str) -> str:
    body = text.strip()
    out = "加" if body.startswith("+") else ""
    groups = [g for g in re.split(r"[\s\-()（）+.]+", body) if g]
    if not groups or not all(g.isdigit() for g in groups):
        return text
    return out + "、".join(digits(g, one="幺") for g in groups)


def characters(text: str) -> str:
    return " ".join(DIGITS[int(c)] if c.isdigit() else c for c in text if not c.isspace())


def say_as(text: str, interpret_as: str, fmt: str = "") -> str:
    """The text to give the frontend for ``<say-as interpret-as=…>text</say-as>``."""
    kind = interpret_as.strip().lower()
    if kind in ("digits", "number_digit", "digit"):
        return digits(text.strip()) if re.fullmatch(r"\s*[\d\s]+\s*", text) else text
    if kind in ("telephone", "phone", "telephone_number"):
        return telephone(text)
    if kind in ("cardinal", "number"):
        return cardinal(text)
    if kind == "ordinal":
        return ordinal(text)
    if kind == "date":
        return date(text, fmt)
    if kind in ("characters", "spell-out", "letters", "chars"):
        return characters(text)
    return text
