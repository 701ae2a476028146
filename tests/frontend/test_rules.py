"""Tables of cases per rule: sandhi, neutral tone, erhua, letters, phones, lexicon."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shengqing.errors import LexiconError, NothingToSayError
from shengqing.frontend import SYLLABLE_TABLE, SYMBOLS, Frontend, Lexicon
from shengqing.frontend.phones import FINALS, syllable_phones

FE = Frontend()


def after(text: str) -> str:
    return " ".join(s for sent in FE.analyze(text).sentences for s in sent.pinyin_after)


@pytest.mark.parametrize(("text", "expected"), [
    ("你好", "ni2 hao3"),
    ("展览馆", "zhan2 lan2 guan3"),
    ("小老虎", "xiao3 lao2 hu3"),
    ("永远友好", "yong2 yuan3 you2 hao3"),
    ("我很好", "wo3 hen2 hao3"),
    ("一个", "yi2 ge4"), ("一天", "yi4 tian1"), ("一年", "yi4 nian2"), ("一起", "yi4 qi3"),
    ("第一", "di4 yi1"), ("统一", "tong3 yi1"), ("看一看", "kan4 yi5 kan4"),
    ("不是", "bu2 shi4"), ("不好", "bu4 hao3"), ("好不好", "hao3 bu5 hao3"),
    ("一一对应", "yi1 yi1 dui4 ying4"), ("不对", "bu2 dui4"), ("对不起", "dui4 bu5 qi3"), ("了不起", "liao3 bu5 qi3"),
    ("看不见", "kan4 bu5 jian4"), ("第一个", "di4 yi1 ge4"), ("一个人", "yi2 ge4 ren2"),
])
def test_tone_sandhi(text: str, expected: str) -> None:
    assert after(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("我想买五把伞", "wo3 xiang2 mai3 wu2 ba2 san3"),   # 想买 | 五把伞: 买 stays 3 before wu2
    ("我也很好", "wo2 ye3 hen2 hao3"),                 # cyclic, right to left: 很好 → 也 stays 3 → 我 rises
    ("他也很好", "ta1 ye3 hen2 hao3"),
    ("老师你好", "lao3 shi1 ni2 hao3"),
    ("我有五百美元", "wo2 you3 wu2 bai2 mei3 yuan2"),
    ("请你给我打水", "qing2 ni3 gei2 wo3 da2 shui3"),  # 请你 | 给我 | 打水
    ("买水果", "mai3 shui2 guo3"),                     # 1+2: only the middle rises
])
def test_third_tone_across_words(text: str, expected: str) -> None:
    assert " ".join(after(text).split()) == expected


def test_no_sandhi_across_punctuation() -> None:
    assert after("我，好") == "wo3 hao3"


def test_yi_in_digit_strings() -> None:
    assert after("一九四五年").startswith("yi1 jiu3")
    (ph,) = FE.phrases("电话110")
    assert ph.phones[7:9] == ("^", "iao1")  # 幺 in digit strings


@pytest.mark.parametrize(("text", "expected"), [
    ("妈妈", "ma1 ma5"), ("看看", "kan4 kan5"), ("桌子", "zhuo1 zi5"), ("我们", "wo3 men5"),
    ("东西", "dong1 xi5"), ("他走进来了", "ta1 zou3 jin4 lai5 le5"), ("好吗", "hao3 ma5"),
    ("事情", "shi4 qing5"), ("朋友", "peng2 you5"), ("时候", "shi2 hou5"), ("意思", "yi4 si5"), ("知道", "zhi1 dao5"),
    ("告诉", "gao4 su5"), ("喜欢", "xi3 huan5"), ("明白", "ming2 bai5"), ("清楚", "qing1 chu5"), ("衣服", "yi1 fu5"),
    ("先生", "xian1 sheng5"), ("漂亮", "piao4 liang5"), ("舒服", "shu1 fu5"), ("豆腐", "dou4 fu5"),
    ("消息", "xiao1 xi5"), ("窗户", "chuang1 hu5"), ("眼睛", "yan3 jing5"), ("耳朵", "er3 duo5"),
    ("头发", "tou2 fa5"), ("故事", "gu4 shi5"), ("钥匙", "yao4 shi5"), ("东西方向", "dong1 xi1 fang1 xiang4"),
])
def test_neutral_tone(text: str, expected: str) -> None:
    assert after(text) == expected


@pytest.mark.parametrize(("text", "phones"), [
    ("花儿", ("h", "ua1", "er5")),
    ("女儿", ("n", "v3", "#0", "^", "er2")),
    ("儿子", ("^", "er2", "#0", "z", "ii5")),
    ("幼儿园", ("^", "iou4", "#0", "^", "er2", "#0", "^", "van2")),
])
def test_erhua(text: str, phones: tuple[str, ...]) -> None:
    (ph,) = FE.phrases(text)
    assert ph.phones[1:-1] == phones


@pytest.mark.parametrize(("text", "syllables"), [("GDP", 3), ("5G", 2), ("iPhone", 2), ("ABC", 3)])
def test_letters_are_read(text: str, syllables: int) -> None:
    (ph,) = FE.phrases(text)
    assert ph.syllables == syllables


@pytest.mark.parametrize(("text", "expected"), [
    ("银行", "yin2 hang2"), ("行长", "hang2 zhang3"), ("长发", "chang2 fa4"), ("重要", "zhong4 yao4"),
    ("音乐", "yin1 yue4"), ("他死得较为突然", "ta1 si3 de5 jiao4 wei2 tu1 ran2"), ("出差", "chu1 chai1"),
    ("预见性地警告", "yu4 jian4 xing4 de5 jing3 gao4"),
])
def test_polyphone_words(text: str, expected: str) -> None:
    assert after(text) == expected


def test_syllable_table_maps_into_symbols() -> None:
    assert len(SYLLABLE_TABLE) > 400
    for syl in SYLLABLE_TABLE:
        for t in "12345":
            assert set(syllable_phones(syl + t)) <= SYMBOLS
    assert {f for _, f in SYLLABLE_TABLE.values()} <= set(FINALS)


@pytest.mark.parametrize(("syl", "phones"), [
    ("wen2", ("^", "uen2")), ("yi1", ("^", "i1")), ("yu2", ("^", "v2")), ("ya5", ("^", "ia5")),
    ("you3", ("^", "iou3")), ("wo3", ("^", "uo3")), ("e4", ("^", "e4")), ("zi3", ("z", "ii3")),
    ("shi4", ("sh", "iii4")), ("ju4", ("j", "v4")), ("lv4", ("l", "v4")), ("xue2", ("x", "ve2")),
    ("jun1", ("j", "vn1")), ("yuan2", ("^", "van2")), ("liu2", ("l", "iou2")), ("gui4", ("g", "uei4")),
    ("dun4", ("d", "uen4")), ("n2", ("^", "en2")), ("huar1", ("h", "ua1", "er5")), ("er2", ("^", "er2")),
])
def test_syllable_phones(syl: str, phones: tuple[str, ...]) -> None:
    assert syllable_phones(syl) == phones


def test_all_pypinyin_readings_are_mappable() -> None:
    from pypinyin import Style, pinyin

    from shengqing.frontend.phones import canonical, is_valid
    bad = set()
    for cp in range(0x4E00, 0x9FA6, 7):
        for reading in pinyin(chr(cp), style=Style.TONE3, heteronym=True, neutral_tone_with_five=True)[0]:
            if not is_valid(canonical(reading)) and not reading.startswith(chr(cp)):
                bad.add(reading)
    assert not bad - {"ê1", "ê2", "ê3", "ê4", "ê5"}


def test_lexicon_file(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("# my words\n银行 yin2 hang2\n重庆 chong2 qing4  # city\n\n", encoding="utf-8")
    lex = Lexicon.from_file(good)
    assert lex.get("重庆") == ("chong2", "qing4") and len(lex) == 2
    bad = tmp_path / "bad.txt"
    bad.write_text("银行 yin2 hang2\n重庆 chong9 qing4\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"bad.txt:2"):
        Lexicon.from_file(bad)
    with pytest.raises(LexiconError, match="重庆"):
        Lexicon({"重庆": "chongg2 qing4"})
    lex.add("长发", "chang2 fa4")
    assert Frontend(lex).phrases("长发")[0].phones[1:-1] == ("ch", "ang2", "#0", "f", "a4")


def test_trace_format() -> None:
    trace = FE.analyze("银行行长说：2024年增长5%。")
    text = trace.format()
    assert "二零二四年" in trace.normalized and "hang2" in text and "sil" in text
    assert FE.analyze("😀").error


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_and_phones_valid(text: str) -> None:
    try:
        out = FE.phrases(text)
    except NothingToSayError:
        return
    for ph in out:
        assert set(ph.phones) <= SYMBOLS and "eos" not in ph.phones
        assert ph.phones[0] == "sil" and ph.phones[-1] == "sil" and 0 < ph.syllables <= 40


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会"
                                        "0123456789，。？！、ABCxyz%℃￥$+=@ \n😀"), max_size=200))
def test_chinese_like_text(text: str) -> None:
    test_never_raises_and_phones_valid.hypothesis.inner_test(text)  # type: ignore[attr-defined]
