"""Latin letters inside Chinese text: curated readings of common words, otherwise letter names.

Letter names are approximated with Mandarin syllables the model can say (the model only knows Mandarin
phones), the way Chinese speakers commonly pronounce them (A → ei1, G → ji1 as in 5G wu3 ji1, W → da2 bu5 liu5).
"""

from __future__ import annotations

from typing import Final

LETTER_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "a": ("ei1",), "b": ("bi4",), "c": ("xi1",), "d": ("di4",), "e": ("yi4",), "f": ("ai2", "fu5"),
    "g": ("ji1",), "h": ("ai2", "qi1"), "i": ("ai4",), "j": ("jie4",), "k": ("kai4",), "l": ("ai2", "lou5"),
    "m": ("ai2", "mu5"), "n": ("en1",), "o": ("ou1",), "p": ("pi4",), "q": ("kou4",), "r": ("a4", "er5"),
    "s": ("ai2", "si5"), "t": ("ti4",), "u": ("you1",), "v": ("wei1",), "w": ("da2", "bu5", "liu5"),
    "x": ("ai2", "ke4", "si5"), "y": ("wai4",), "z": ("zei4",),
}

#: Common words (lower case) with an established Chinese-syllable reading.
WORDS: Final[dict[str, tuple[str, ...]]] = {
    "iphone": ("ai4", "feng1"), "ipad": ("ai4", "pai4"), "wifi": ("wai4", "fai4"), "wi-fi": ("wai4", "fai4"),
    "ok": ("ou1", "kei4"), "app": ("ai4", "pu5"), "pro": ("pu1", "rou4"), "max": ("mai4", "ke4", "si5"),
    "mini": ("mi2", "ni3"), "email": ("yi1", "mei4", "er3"), "google": ("gu3", "ge1"),
    "apple": ("ai4", "pou5"), "android": ("an1", "zhuo2"), "windows": ("wen1", "dou1", "si5"),
    "hello": ("ha1", "lou4"), "hi": ("hai1",), "bye": ("bai1",), "yes": ("ye1", "si5"), "no": ("nou1",),
    "wow": ("wa1", "ou1"), "emoji": ("yi4", "mou2", "ji2"), "app store": ("ai4", "pu5", "si5", "duo1"),
    "vip": ("wei1", "ai4", "pi4"), "ceo": ("xi1", "yi4", "ou1"), "www": ("san1", "da2", "bu5", "liu5"),
    "com": ("kang1", "mu5"), "http": ("ai2", "qi1", "ti4", "ti4", "pi4"),
    "https": ("ai2", "qi1", "ti4", "ti4", "pi4", "ai2", "si5"),
}


def read_latin(word: str, spell: bool = False) -> list[str]:
    """Syllables for a run of Latin letters (``GDP``, ``iPhone``); ``spell`` forces letter by letter."""
    key = word.lower()
    if not spell and key in WORDS:
        return list(WORDS[key])
    out: list[str] = []
    for ch in key:
        out.extend(LETTER_NAMES.get(ch, ()))
    return out
