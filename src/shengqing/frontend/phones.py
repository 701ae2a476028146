"""The acoustic model's phone set and the pinyin → phone mapping.

The model (FastSpeech2 trained on the Baker corpus) knows a fixed symbol set: initials, finals carrying a
tone digit 1–5, prosody marks ``#0``–``#3`` and ``sil``. A syllable becomes ``[initial, final+tone]``; a
syllable without initial uses the pseudo-initial ``^``. The table of valid syllables is derived here by
rule from the standard initial/final combinations, so a new spelling variant only needs one rule.
"""

from __future__ import annotations

from typing import Final

from shengqing.errors import LexiconError

INITIALS: Final = ("b", "c", "ch", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "q", "r", "s", "sh",
                   "t", "x", "z", "zh")
FINALS: Final = ("a", "ai", "an", "ang", "ao", "e", "ei", "en", "eng", "er", "i", "ia", "ian", "iang", "iao",
                 "ie", "ii", "iii", "in", "ing", "iong", "iou", "o", "ong", "ou", "u", "ua", "uai", "uan",
                 "uang", "uei", "uen", "ueng", "uo", "v", "van", "ve", "vn")
PROSODY_MARKS: Final = ("#0", "#1", "#2", "#3")

#: Every symbol the model accepts (Baker mapper), in the mapper's spirit: pad, sil, marks, ^, initials,
#: toned finals, eos.
SYMBOLS: Final[frozenset[str]] = frozenset(
    ["pad", "sil", *PROSODY_MARKS, "^", *INITIALS, "eos"]
    + [f"{f}{t}" for f in FINALS for t in range(1, 6)]
)

# Toneless syllables of standard Mandarin, grouped by initial. Written out (not derived from a
# dictionary) so that validation does not need pypinyin loaded.
_SYLLABLES_BY_INITIAL: Final[dict[str, str]] = {
    "": "a ai an ang ao e ei en eng er o ou yi ya yan yang yao ye yin ying yo yong you yu yuan yue yun "
        "wu wa wai wan wang wei wen weng wo",
    "b": "ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu",
    "p": "pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu",
    "m": "ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu",
    "f": "fa fan fang fei fen feng fiao fo fou fu",
    "d": "da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo",
    "t": "ta tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo",
    "n": "na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nun nuo "
         "nv nve",
    "l": "la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo "
         "lv lve",
    "g": "ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo",
    "k": "ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo",
    "h": "ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo",
    "j": "ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun",
    "q": "qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun",
    "x": "xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun",
    "zh": "zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun "
          "zhuo",
    "ch": "cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo",
    "sh": "sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo",
    "r": "ra ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo",
    "z": "za zai zan zang zao ze zei zen zeng zi zong zou zu zuan zui zun zuo",
    "c": "ca cai can cang cao ce cen ceng ci cong cou cu cuan cui cun cuo",
    "s": "sa sai san sang sao se sen seng si song sou su suan sui sun suo",
}

# Zero-initial spellings: the written y/w are not phones, the model expects the underlying final.
_ZERO_INITIAL: Final[dict[str, str]] = {
    "yi": "i", "ya": "ia", "yan": "ian", "yang": "iang", "yao": "iao", "ye": "ie", "yin": "in",
    "ying": "ing", "yo": "iou", "yong": "iong", "you": "iou", "yu": "v", "yuan": "van", "yue": "ve",
    "yun": "vn", "wu": "u", "wa": "ua", "wai": "uai", "wan": "uan", "wang": "uang", "wei": "uei",
    "wen": "uen", "weng": "ueng", "wo": "uo",
}
# Interjection syllables outside the regular table (嗯 n/ng, 呣 m, 哼 hm/hng, 欸 ê): closest model phones.
_SPECIAL: Final[dict[str, tuple[str, str]]] = {
    "n": ("^", "en"), "ng": ("^", "en"), "m": ("^", "en"), "hm": ("h", "en"), "hng": ("h", "en"),
    "ê": ("^", "ei"), "ea": ("^", "ei"),
}


def _split(syllable: str) -> tuple[str, str]:
    """Split a valid toneless syllable into model initial and final (rules of the Baker phone set)."""
    if syllable in _SPECIAL:
        return _SPECIAL[syllable]
    if syllable in _ZERO_INITIAL:
        return "^", _ZERO_INITIAL[syllable]
    initial = ""
    for cand in ("zh", "ch", "sh"):
        if syllable.startswith(cand):
            initial = cand
            break
    else:
        if syllable[0] in "bpmfdtnlgkhjqxrzcs":
            initial = syllable[0]
    final = syllable[len(initial):]
    if not initial:
        return "^", final
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "v" + final[1:]  # ju qu xu are written with u but pronounced ü
    if initial in ("z", "c", "s") and final == "i":
        final = "ii"
    elif initial in ("zh", "ch", "sh", "r") and final == "i":
        final = "iii"
    final = {"iu": "iou", "ui": "uei", "un": "uen", "ue": "ve"}.get(final, final)
    return initial, final


def _build_table() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for group in _SYLLABLES_BY_INITIAL.values():
        for syl in group.split():
            table[syl] = _split(syl)
    for syl, pair in _SPECIAL.items():
        table[syl] = pair
    return table


#: Every valid toneless pinyin syllable (ü written ``v``) → (model initial, model final).
SYLLABLE_TABLE: Final[dict[str, tuple[str, str]]] = _build_table()



def canonical(syllable: str) -> str:
    """Bring a user-written pinyin syllable to the internal spelling: lower case, ü/u: → v, tone digit."""
    s = syllable.strip().lower().replace("u:", "v").replace("ü", "v")
    if s and not s[-1].isdigit():
        s += "5"
    return s


def split_erhua(syllable: str) -> tuple[str, bool]:
    """Return (syllable without the r-suffix, whether it was r-coloured), e.g. ``huar1`` → (``hua1``, True)."""
    base, tone = syllable[:-1], syllable[-1]
    if base.endswith("r") and base != "er" and base[:-1] in SYLLABLE_TABLE:
        return base[:-1] + tone, True
    return syllable, False


def is_valid(syllable: str) -> bool:
    """True if ``syllable`` (canonical, with tone digit; erhua ``huar1`` allowed) maps to model phones."""
    if len(syllable) < 2 or syllable[-1] not in "12345":
        return False
    base, _ = split_erhua(syllable)
    return base[:-1] in SYLLABLE_TABLE


def syllable_phones(syllable: str) -> tuple[str, ...]:
    """Phones of one canonical toned syllable: ``zhong1`` → (``zh``, ``ong1``); erhua adds ``er5``.

    Raises :class:`LexiconError` for anything that is not a Mandarin syllable.
    """
    if not is_valid(syllable):
        raise LexiconError(f"not a valid pinyin syllable: {syllable!r}", field="pinyin", value=syllable,
                           hint="write pinyin with a tone digit 1-5, e.g. 'zhong4'")
    base, erhua = split_erhua(syllable)
    initial, final = SYLLABLE_TABLE[base[:-1]]
    tone = base[-1]
    if final == "er" and erhua:
        erhua = False
    out = (initial, f"{final}{tone}")
    return (*out, "er5") if erhua else out


def parse_pinyin(text: str) -> list[str]:
    """Parse a space-separated pinyin string (``"yin2 hang2"``) into canonical syllables, validating each."""
    out: list[str] = []
    for raw in text.replace(",", " ").split():
        syl = canonical(raw)
        if not is_valid(syl):
            raise LexiconError(f"not a valid pinyin syllable: {raw!r}", field="pinyin", value=raw,
                               hint="write pinyin with a tone digit 1-5, e.g. 'zhong4'")
        out.append(syl)
    return out
