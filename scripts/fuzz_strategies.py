"""Hypothesis strategies for ``scripts/fuzz.py``: strings aimed at the frontend, the SSML parser and the
HTTP request models — Chinese text, numbers of every shape (huge, negative, decimals, dates, phone
numbers, full-width digits), punctuation, SSML fragments (valid and broken), lone surrogates, control and
format characters, emoji and arbitrary Unicode, mixed in short runs."""

from __future__ import annotations

from hypothesis import strategies as st

_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_RARE_HAN = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF)  # CJK extension B (outside the BMP)
_PUNCT = st.sampled_from(list("，。！？、；：“”‘’（）《》【】…—～·,.!?;:'\"()[]{}<>/\\|-_+=*&^%$#@~` \n\t\r　"))
_CONTROL = st.characters(codec=None, categories=["Cc", "Cf", "Zl", "Zp", "Co"])
_SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
_DIGIT_CHARS = st.sampled_from(list("0123456789０１２３４５６７８９〇一二三四五六七八九十百千万亿两零点负"))
_UNITS = st.sampled_from(["", "%", "％", "‰", "℃", "°C", "km", "kg", "米", "元", "¥", "$", "€", "个", "年", "月",
                          "日", "号", "点", "分", "秒", "岁", "倍", "e", "E", "x", "×", "/", ":", "-", "."])

_SMALL = st.integers(-10**6, 10**6)
# huge numbers (up to 400 digits) are one integer in eight: reading them dominates the run's cost
_INTEGER = st.one_of(_SMALL, _SMALL, _SMALL, _SMALL, _SMALL, _SMALL, st.integers(0, 10**30),
                     st.integers(0, 10**400)).map(str)
_DECIMAL = st.builds(lambda whole, frac: f"{whole}.{frac}", st.integers(0, 10**12), st.integers(0, 10**40))
_FLOAT = st.floats(allow_nan=True, allow_infinity=True).map(repr)
_DATE = st.builds(lambda y, m, d, sep: f"{y}{sep}{m}{sep}{d}", st.integers(0, 99999), st.integers(0, 99),
                  st.integers(0, 99), st.sampled_from(["-", "/", ".", "年"]))
_TIME = st.builds(lambda h, m, s: f"{h}:{m:02d}:{s:02d}", st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
_PHONE = st.builds(lambda p, n: f"{p}{n}", st.sampled_from(["", "+86 ", "+86-", "0", "400-", "1"]),
                   st.integers(0, 10**12))
_FRACTION = st.builds(lambda a, b: f"{a}/{b}", st.integers(-999, 10**9), st.integers(0, 10**9))
_DIGIT_RUN = st.lists(_DIGIT_CHARS, min_size=1, max_size=24).map("".join)
NUMBER = st.one_of(_INTEGER, _DECIMAL, _FLOAT, _DATE, _TIME, _PHONE, _FRACTION, _DIGIT_RUN,
                   st.builds(lambda n, u: n + u, st.one_of(_INTEGER, _DECIMAL), _UNITS))

_ATTR_VALUE = st.one_of(NUMBER, st.builds(lambda n, u: n + u, NUMBER, st.sampled_from(
    ["s", "ms", "S", "MS", "%", "Hz", "st", "dB", "", "x", "m"])), st.sampled_from(
    ["x-slow", "slow", "medium", "fast", "x-fast", "default", "x-low", "low", "high", "x-high", "silent",
     "soft", "loud", "none", "x-weak", "weak", "strong", "x-strong", "+", "-", "+-1", "1e999", "NaN", "inf",
     "-inf", "", " ", "&amp;", "&#0;", "&#xD800;"]), st.text(max_size=8))
_SAY_AS = st.sampled_from(["cardinal", "number", "ordinal", "digits", "telephone", "date", "characters",
                           "spell-out", "currency", "time", "bogus", ""])
_TAG = st.sampled_from(["speak", "p", "s", "prosody", "emotion", "say-as", "phoneme", "sub", "break", "voice",
                        "audio", "mark", "unknown", "w"])
_ATTR_NAME = st.sampled_from(["time", "strength", "rate", "pitch", "volume", "category", "intensity",
                              "interpret-as", "format", "alphabet", "ph", "alias", "name", "xml:lang", "x"])
_PINYIN = st.lists(st.sampled_from(["ni3", "hao3", "zhong1", "guo2", "a", "lv4", "nü3", "xx9", "er2", "r5",
                                    "hng", "m2", "", " ", "5"]), max_size=6).map(" ".join)


def _element(tag: str, attrs: list[tuple[str, str]], inner: str, closed: bool) -> str:
    shown = "".join(f' {name}="{value.replace(chr(34), "&quot;")}"' for name, value in attrs)
    return f"<{tag}{shown}>{inner}</{tag}>" if closed else f"<{tag}{shown}/>"


_PLAIN_INNER = st.lists(st.one_of(_HAN, _PUNCT, NUMBER), max_size=6).map("".join)
SSML_FRAGMENT = st.one_of(
    st.builds(lambda v, u: f'<break time="{v}{u}"/>', NUMBER, st.sampled_from(["s", "ms", "", "min", "S"])),
    st.builds(lambda v: f'<break strength="{v}"/>', _ATTR_VALUE),
    st.builds(lambda a, v, inner: _element("prosody", [(a, v)], inner, True),
              st.sampled_from(["rate", "pitch", "volume"]), _ATTR_VALUE, _PLAIN_INNER),
    st.builds(lambda c, i, inner: _element("emotion", [("category", c), ("intensity", i)], inner, True),
              st.sampled_from(["happy", "sad", "angry", "开心", "bogus", ""]), _ATTR_VALUE, _PLAIN_INNER),
    st.builds(lambda kind, fmt, inner: _element("say-as", [("interpret-as", kind), ("format", fmt)], inner, True),
              _SAY_AS, st.sampled_from(["", "ymd", "mdy", "dmy", "ym", "md", "y", "bogus"]), NUMBER),
    st.builds(lambda ph, inner: _element("phoneme", [("alphabet", "pinyin"), ("ph", ph)], inner, True),
              _PINYIN, _PLAIN_INNER),
    st.builds(lambda alias, inner: _element("sub", [("alias", alias)], inner, True), _PLAIN_INNER, _PLAIN_INNER),
    st.builds(lambda tag, attrs, inner, closed: _element(tag, attrs, inner, closed), _TAG,
              st.lists(st.tuples(_ATTR_NAME, _ATTR_VALUE), max_size=3), _PLAIN_INNER, st.booleans()),
    st.sampled_from(["<speak>", "</speak>", "<p>", "</p>", "<s>", "</s>", "</prosody>", "<prosody>", "<", ">",
                     "&", "&amp;", "&lt;", "&#65;", "&#x4F60;", "&#0;", "&#xD800;", "&bogus;", "<!-- c -->",
                     "<![CDATA[你好]]>", "<?xml version='1.0'?>", '<!DOCTYPE speak [<!ENTITY a "b">]>',
                     '<!ENTITY x SYSTEM "file:///etc/passwd">', "&x;", "<speak xmlns='http://www.w3.org/2001/10/"
                     "synthesis' version='1.1'>", "<break/>", "<break time=''/>", "</>", "<a b>", "<a b='1' b='2'/>"]),
)

_PIECE = st.one_of(
    st.lists(_HAN, min_size=1, max_size=12).map("".join),
    _PUNCT, NUMBER, SSML_FRAGMENT, _CONTROL, _SURROGATE, _RARE_HAN,
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=10),  # ASCII words and symbols
    st.text(max_size=6),  # any Unicode (emoji, combining marks, other scripts)
    st.sampled_from(["\u200b", "\u200d", "\ufeff", "\u202e", "\u0301", "️", "👍🏽", "🇨🇳", "ㄅㄆ", "ﾊﾝｶｸ", "Ⅻ",
                     "①", "½", "²", "ℌ", "ﬁ", "\x00", "\x1b[31m", "\\u4f60", "%s", "{0}", "$(x)", "\r\n", "ǚ"]),
)


def fuzz_text(max_pieces: int = 8) -> st.SearchStrategy[str]:
    """One fuzz string: up to ``max_pieces`` pieces, sometimes wrapped in ``<speak>``."""
    body = st.lists(_PIECE, max_size=max_pieces).map("".join)
    return st.one_of(body, body.map(lambda text: f"<speak>{text}</speak>"))
