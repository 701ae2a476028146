"""SSML parsing and planning (frontend only, except one end-to-end synthesis)."""

from __future__ import annotations

import pytest

from shengqing.errors import NothingToSayError, SSMLError
from shengqing.frontend import Frontend
from shengqing.options import SynthesisOptions
from shengqing.ssml import parse, parse_pitch, parse_rate, parse_time_ms, parse_volume, plan_ssml, silence_ms
from shengqing.ssml_sayas import cardinal, cardinal_int, date, ordinal, say_as, telephone

BASE = SynthesisOptions()


@pytest.fixture(scope="module")
def frontend() -> Frontend:
    return Frontend()


def plan(doc: str, frontend: Frontend) -> list[tuple[object, SynthesisOptions]]:
    return list(plan_ssml(doc, BASE, frontend))


def test_units() -> None:
    assert parse_time_ms("500ms") == 500 and parse_time_ms("1.5s") == 1500 and parse_time_ms("10s") == 10000
    assert parse_rate("+10%", 1.0) == pytest.approx(1.1)
    assert parse_rate("80%", 1.0) == pytest.approx(0.8)
    assert parse_rate("x-fast", 1.0) == pytest.approx(1.6)
    assert parse_rate("x-slow", 0.6) == 0.5  # clamped to the allowed speed range
    assert parse_pitch("-2st", 0.0) == -2.0
    assert parse_pitch("+20Hz", 0.0) == pytest.approx(1.38, abs=0.01)
    assert parse_pitch("x-high", 1.0) == 5.0
    assert parse_pitch("+10%", 0.0) == pytest.approx(1.65, abs=0.01)
    assert parse_volume("+6dB", 1.0) == pytest.approx(1.995, abs=0.01)
    assert parse_volume("loud", 1.0) == pytest.approx(1.4)
    assert parse_volume("soft", 1.0) == pytest.approx(0.6)
    assert parse_volume("silent", 1.0) == 0.0
    for bad in ("fastish", "-200%", "0"):
        with pytest.raises(ValueError):
            parse_rate(bad, 1.0)
    with pytest.raises(ValueError):
        parse_time_ms("-1s")
    for too_long in ("10.5s", "99s", "9" * 310 + "s", "9" * 400 + "ms"):  # 310 digits: inf as a float
        with pytest.raises(ValueError, match="longer than 10 s"):
            parse_time_ms(too_long)


def test_silence_is_counted_without_synthesis() -> None:
    doc = "<speak>" + '<break time="10s"/>' * 1050 + "你好<s>再见</s><break strength='strong'/></speak>"
    assert silence_ms(doc) == 1050 * 10_000 + 600
    assert silence_ms("<speak>你好</speak>") == 0
    with pytest.raises(SSMLError, match="line 1"):
        silence_ms('<speak><break time="' + "9" * 310 + 's"/></speak>')


def test_say_as() -> None:
    assert [cardinal_int(n) for n in (0, 10, 12, 101, 110, 1005, 10086, 100010)] == [
        "零", "十", "十二", "一百零一", "一百一十", "一千零五", "一万零八十六", "十万零一十"]
    assert cardinal("-12.5") == "负十二点五"
    assert ordinal("3") == "第三" and ordinal("第20") == "第二十"
    assert date("2026-03-15") == date("2026年3月15日") == date("15/3/2026", "dmy") == "二零二六年三月十五日"
    assert telephone("+86 400-820-8820") == "加八六、四零零、八二零、八八二零"
    assert telephone("110") == "幺幺零"
    assert say_as("2024", "digits") == "二零二四"
    assert say_as("ABC", "characters") == "A B C"
    assert say_as("whatever", "unknown-kind") == "whatever"
    assert date("2026-13-40") == "2026-13-40"  # not a date: left to the frontend


def test_plan_spans_and_options(frontend: Frontend) -> None:
    doc = """<speak xmlns="http://www.w3.org/2001/10/synthesis" version="1.0" xml:lang="zh-CN">
      <p><s>你好，<emotion category="开心" intensity="1.5">今天天气真好！</emotion></s>
      <break time="500ms"/>
      <s><prosody rate="slow" pitch="+3st" volume="+6dB">请拨打<say-as
       interpret-as="telephone">400-820-8820</say-as></prosody>，<phoneme
       alphabet="pinyin" ph="zhong4 yao4">重要</phoneme>。</s></p>
      <unknown>未知标签的文字保留</unknown></speak>"""
    items = plan(doc, frontend)
    texts = [p.text for p, _ in items]
    assert texts[0] == "你好" and texts[1] == "今天天气真好"
    assert items[0][1] == BASE
    assert items[1][1].emotion == "happy" and items[1][1].intensity == 1.5
    assert items[1][0].pause_ms == 350 + 500  # the sentence's own pause plus the break
    slow = [o for p, o in items if "四零零" in p.text or "八二零" in p.text]
    assert slow and all(o.speed == pytest.approx(0.8) and o.pitch == 3.0 and o.volume > 1.9 for o in slow)
    phoneme = next(p for p, _ in items if p.text == "重要")
    assert phoneme.phones == ("sil", "zh", "ong4", "#0", "^", "iao4", "sil")
    assert texts[-1] == "未知标签的文字保留"
    assert items[-1][0].sentence_end


def test_break_at_start_and_strength(frontend: Frontend) -> None:
    items = plan('<speak><break strength="strong"/>好的<break/>再见</speak>', frontend)
    assert items[0][0].phones == () and items[0][0].pause_ms == 600
    assert items[1][0].text == "好的" and items[1][0].pause_ms == 350
    assert items[2][0].text == "再见"


def test_unspeakable_spans_are_skipped_but_empty_document_fails(frontend: Frontend) -> None:
    items = plan("<speak>😀<s>你好</s>……</speak>", frontend)
    assert [p.text for p, _ in items] == ["你好"]
    with pytest.raises(NothingToSayError):
        plan("<speak>😀<break time='1s'/></speak>", frontend)


@pytest.mark.parametrize(("doc", "where"), [
    ("<speak>你好<b></speak>", "line 1, column 15"),
    ("<speak>\n  <prosody rate='zz'>好</prosody></speak>", "line 2, column 3"),
    ("<speak>\n\n<emotion category='joy'>好</emotion></speak>", "line 3, column 1"),
    ("<speak><emotion category='happy' intensity='3'>好</emotion></speak>", "line 1, column 8"),
    ("<speak><break time='soon'/>好</speak>", "line 1, column 8"),
    ("<speak><phoneme ph='zhong9'>中</phoneme></speak>", "line 1, column 8"),
    ("<speak>&unknown;</speak>", "line 1"),
    ('<!DOCTYPE speak [<!ENTITY lol "lol">]><speak>&lol;</speak>', "DTD"),
    ('<!DOCTYPE speak SYSTEM "file:///etc/passwd"><speak>好</speak>', "DTD"),
    ("<p>你好</p>", "<speak>"),
])
def test_errors_name_line_and_column(doc: str, where: str, frontend: Frontend) -> None:
    with pytest.raises(SSMLError) as info:
        plan(doc, frontend)
    assert where in str(info.value)
    assert info.value.field == "text"


def test_size_limit() -> None:
    with pytest.raises(SSMLError, match="limit"):
        parse("<speak>" + "好" * 40_000 + "</speak>")


def test_namespaced_tags() -> None:
    root = parse('<ssml:speak xmlns:ssml="http://www.w3.org/2001/10/synthesis"><ssml:s>好</ssml:s></ssml:speak>')
    assert root.tag == "speak" and root.children[0].tag == "s"  # type: ignore[union-attr]


@pytest.mark.slow
def test_engine_synthesizes_ssml(engine: object) -> None:
    doc = '<speak>你好<break time="300ms"/><emotion category="sad">再见。</emotion></speak>'
    audio = engine.synthesize(doc)  # type: ignore[attr-defined]
    plain = engine.synthesize("你好再见。")  # type: ignore[attr-defined]
    assert audio.duration > plain.duration


@pytest.mark.parametrize("doc", ["\udd2e", "<speak>\ud800你好</speak>", "<speak\udd2e"])
def test_a_lone_surrogate_is_an_ssml_error_not_a_unicode_crash(doc: str, frontend: Frontend) -> None:
    """Found by scripts/fuzz.py: ``parse`` encoded the document to UTF-8 unguarded, so a Python caller (or
    the server's budget check, for any route that lets one through) got a bare UnicodeEncodeError."""
    for step in (parse, silence_ms, lambda d: plan(d, frontend)):
        with pytest.raises(SSMLError) as info:
            step(doc)
        assert info.value.field == "text" and "surrogate" in info.value.message


@pytest.mark.parametrize("pitch", ["1" + "0" * 400 + "Hz", "+1" + "0" * 400 + "%", "1" + "0" * 400 + "%"])
def test_a_pitch_too_large_for_a_float_is_an_ssml_error_not_nan(pitch: str, frontend: Frontend) -> None:
    """Found by scripts/fuzz.py: a 400-digit Hz or % pitch overflowed to inf, log2(inf) gave NaN (a
    RuntimeWarning on the way) and the phrase got a NaN pitch."""
    with pytest.raises(ValueError, match="far out of range"):
        parse_pitch(pitch, 0.0)
    with pytest.raises(SSMLError, match="far out of range"):
        plan(f'<speak><prosody pitch="{pitch}">你好</prosody></speak>', frontend)
    assert parse_pitch("1" + "0" * 300 + "Hz", 0.0) == 6.0  # huge but finite: clamped
