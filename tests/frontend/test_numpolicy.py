"""Number-reading policy: the issue #13 table, one row per rule, and the held-out TN cases.

The held-out third of ``tests/data/tn/news_cases.txt`` (chosen by line hash before any rule was written) is
the only part with floors: CER ≤ 2 % and, per category, never worse than ``wetext`` alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_helpers import data_file
from shengqing.frontend import normalize, tneval
from shengqing.frontend.numpolicy import read_integer

#: Issue #13's table: what a Mandarin reader says (exact, no folding).
ISSUE_TABLE = [
    ("总价是12500", "总价是一万两千五百"),
    ("这个数字是2048", "这个数字是两千零四十八"),
    ("账户余额-200", "账户余额负两百"),
    ("人口1400000000", "人口十四亿"),
    ("300", "三百"),
    ("20000", "两万"),
    ("负3000", "负三千"),
    ("2023年07月09号", "二零二三年七月九号"),
    ("05月", "五月"),
    ("2023·7·9", "二零二三年七月九日"),
    ("-2/5", "负五分之二"),
    ("$2.3万", "二点三万美元"),
    ("G1234次列车", "G一二三四次列车"),
]

#: One example per policy rule (docs/frontend.md, "Number-reading policy").
POLICY = [
    ("库存108件", "库存一百零八件"),              # measure word → cardinal
    ("编号0072", "编号零零七二"),                 # code cue → digits
    ("房间号是1508", "房间号是一五零八"),
    ("住在1203室", "住在一二零三室"),              # code word after
    ("总分是110", "总分是一百一十"),              # quantity cue beats the service-number list
    ("报警请拨110", "报警请拨一一零"),
    ("号码62345678", "号码六二三四五六七八"),
    ("62345678", "六二三四五六七八"),              # 7–8 digits: landline
    ("20000000", "两千万"),                      # … unless round
    ("航班CA1831", "航班CA一八三一"),              # letters + ≥ 3 digits → code
    ("iPhone 15", "iPhone 十五"),                # letters + ≤ 2 digits → cardinal
    ("波音737", "波音七三七"),
    ("版本2.1.3", "版本二点一点三"),               # several dots → version
    ("比分为1-0", "比分为一比零"),                 # score
    ("以21-15赢得比赛", "以二十一比十五赢得比赛"),
    ("比例尺1:50000", "比例尺一比五万"),           # ratio
    ("16:9", "十六比九"),
    ("23:59:59", "二十三点五十九分五十九秒"),       # time with seconds
    ("5点08分", "五点零八分"),
    ("1990-2000年", "一九九零到二零零零年"),        # year range
    ("100-200元", "一百到两百元"),                # range
    ("7月1日-7月3日", "七月一日到七月三日"),
    ("公元前221年", "公元前二二一年"),              # era
    ("221 BC", "公元前二二一年"),
    ("80年代", "八十年代"),
    ("1990年代", "一九九零年代"),
    ("2020届", "二零二零届"),
    ("90后", "九零后"),
    ("歼-20", "歼二十"),                        # model hyphen is not a minus
    ("x=-3", "x等于负三"),                      # signs
    ("+5", "正五"),
    ("−12", "负十二"),
    ("气温-15℃", "气温零下十五度"),
    ("€1,200", "一千二百欧元"),                  # thousands separator
    ("融资$1.5亿", "融资一点五亿美元"),            # multiplier after currency
    ("¥300亿", "三百亿元"),
    ("2018.12.01", "二零一八年十二月一日"),         # dotted date
    ("2008年08月08日", "二零零八年八月八日"),        # zero-padded month/day
]


@pytest.mark.parametrize(("raw", "expected"), ISSUE_TABLE)
def test_issue_table(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), POLICY)
def test_policy_rules(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_read_integer_defaults() -> None:
    assert read_integer("12500", "", "") == "一万两千五百"      # bare integer: cardinal
    assert read_integer("2048", "这个数字是", "") == "两千零四十八"
    assert not isinstance(read_integer("13812345678", "", ""), str)  # mobile-like → digit string piece


NEWS = Path(__file__).resolve().parents[1] / "data" / "tn" / "news_cases.txt"


def _held_out() -> list[tneval.Case]:
    return tneval.select(tneval.load(NEWS), "heldout")


def test_split_is_a_third_and_stable() -> None:
    cases = tneval.load(NEWS)
    held = [c for c in cases if c.held_out]
    assert len(cases) >= 300
    assert 0.28 < len(held) / len(cases) < 0.40
    assert tneval.held_out("总价是12500|总价是一万两千五百") == tneval.held_out("总价是12500|总价是一万两千五百 ")


def test_held_out_cer_floor() -> None:
    assert tneval.score(_held_out(), normalize)["ALL"].cer <= 0.02


def test_held_out_never_worse_than_wetext_per_category() -> None:
    cases = _held_out()
    ours = tneval.score(cases, normalize)
    base = tneval.score(cases, tneval.wetext_alone())
    worse = {k: (ours[k].cer, base[k].cer) for k in ours if ours[k].errors > base[k].errors}
    assert not worse, worse


def test_shared_set_held_out() -> None:
    cases = tneval.select(tneval.load(data_file("tn/textnorm_cases.txt")), "heldout")
    assert tneval.score(cases, normalize)["ALL"].cer <= 0.01


def test_parse_formats() -> None:
    cases = tneval.parse("## money\n3-5~三到五\n# note\n12~23|十二到二十三\n")
    assert [(c.category, c.written, c.spoken) for c in cases] == [
        ("money", "3-5", "三到五"), ("money", "12~23", "十二到二十三")]
    assert tneval.fold("二零二三年七月九号 两百 25℃ 二十五摄氏度") == tneval.fold("二零二三年七月九日二百25℃二十五度")
    with pytest.raises(ValueError, match="separator"):
        tneval.parse("no separator here")
