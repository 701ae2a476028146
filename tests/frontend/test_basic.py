"""Basic interface of the frontend: phrases, phones, pauses, errors."""

from __future__ import annotations

import pytest

from shengqing.errors import LexiconError, NothingToSayError
from shengqing.frontend import MAX_PHRASE_SYLLABLES, PAUSE_MS, SYMBOLS, Frontend, Lexicon

FE = Frontend()


def test_example_sentence() -> None:
    (ph,) = FE.phrases("中文语音合成")
    assert ph.phones == ("sil", "zh", "ong1", "#0", "^", "uen2", "#1", "^", "v3", "#0", "^", "in1", "#1", "h",
                         "e2", "#0", "ch", "eng2", "sil")
    assert ph.syllables == 6 and ph.sentence_end and ph.pause_ms == 0 and ph.final_punct == ""


def test_phrases_and_pauses() -> None:
    out = FE.phrases("你好，欢迎使用语音合成服务。请问有什么可以帮您？")
    assert [p.final_punct for p in out] == ["，", "。", "？"]
    assert out[0].pause_ms == PAUSE_MS["，"] and out[1].pause_ms == PAUSE_MS["。"] and out[-1].pause_ms == 0
    assert [p.sentence_end for p in out] == [False, True, True]
    for p in out:
        assert p.phones[0] == "sil" and p.phones[-1] == "sil" and "eos" not in p.phones
        assert set(p.phones) <= SYMBOLS


def test_pause_order() -> None:
    assert PAUSE_MS["、"] < PAUSE_MS["，"] < PAUSE_MS["；"] == PAUSE_MS["："] < PAUSE_MS["。"] < PAUSE_MS["\n"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "，。！？", "😀😀", "\x00\x01", "…", "🇨🇳", "♥★"])
def test_nothing_to_say(text: str) -> None:
    with pytest.raises(NothingToSayError):
        FE.phrases(text)


def test_long_text_is_bounded() -> None:
    text = "我们今天在这里讨论人工智能技术在语音合成领域中的最新进展以及未来的发展方向和可能遇到的各种挑战" * 3
    out = FE.phrases(text)
    assert len(out) >= 3
    assert all(p.syllables <= MAX_PHRASE_SYLLABLES for p in out)
    assert sum(p.syllables for p in out) == len(text)


def test_phones_for_pinyin() -> None:
    assert FE.phones_for_pinyin(["zhong4", "yao4"]) == ("zh", "ong4", "#0", "^", "iao4")
    assert FE.phones_for_pinyin(["lv4 nv3"]) == ("l", "v4", "#0", "n", "v3")
    with pytest.raises(LexiconError):
        FE.phones_for_pinyin(["zhang9"])


def test_lexicon_overrides() -> None:
    fe = Frontend(Lexicon({"重庆": "chong2 qing4", "曾": "zeng1"}))
    (ph,) = fe.phrases("重庆曾")
    assert ph.phones[1:-1] == ("ch", "ong2", "#0", "q", "ing4", "#1", "z", "eng1")
