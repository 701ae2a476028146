"""Text normalization: a table per category, idempotence (TN sets are scored in test_numpolicy.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shengqing.frontend import normalize

CASES = [
    ("1945年5月2日", "一九四五年五月二日"),  # years digit by digit
    ("2020/03/31", "二零二零年三月三十一日"),
    ("2024-03-05", "二零二四年三月五日"),
    ("86年8月18日", "八六年八月十八日"),
    ("电话13985608526", "电话一三九八五六零八五二六"),
    ("固话0421-33441122", "固话零四二一三三四四一一二二"),
    ("余额63.89元", "余额六十三点八九元"),
    ("负36.00元", "负三十六元"),
    ("¥12.50", "十二元五角"),
    ("$3.5", "三点五美元"),
    ("30.6%", "百分之三十点六"),
    ("50%-60%", "百分之五十到百分之六十"),
    ("3.1415", "三点一四一五"),
    (".22口径", "零点二二口径"),
    ("7/12的观众", "十二分之七的观众"),
    ("3-5个", "三到五个"),
    ("12~23", "十二到二十三"),
    ("比分测试17:16", "比分测试十七比十六"),
    ("上午8:00", "上午八点"),
    ("12:05", "十二点零五分"),
    ("-10°C", "零下十度"),
    ("153.5cm", "一百五十三点五厘米"),
    ("25cm²", "二十五平方厘米"),
    ("-15.5", "负十五点五"),
    ("第2名", "第二名"),
    ("1234个人", "一千二百三十四个人"),
    ("30029度电", "三万零二十九度电"),
    ("编号27149", "编号二七一四九"),
    ("1+1=2", "一加一等于二"),
    ("www.baidu.com", "www点baidu点com"),
    ("a@qq.com", "a艾特qq点com"),
    ("ＡＢＣ１２３个", "ABC一百二十三个"),
    ("這是電話號碼", "这是电话号码"),
    ("5G网络", "五G网络"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_cases(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9０-９.,:/%+\-~年月日元个点]{1,12}", fullmatch=True))
def test_idempotent_numeric(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
