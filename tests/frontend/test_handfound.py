"""Table tests for bugs found by listening: service numbers, full-tone time words, English words and letters."""

from __future__ import annotations

import pytest

from shengqing.frontend import Frontend, normalize

FE = Frontend()


def after(text: str) -> str:
    return " ".join(s for sent in FE.analyze(text).sentences for s in sent.pinyin_after)


@pytest.mark.parametrize(("text", "normalized", "pinyin_part"), [
    ("发送短信到10086查询余额", "发送短信到一零零八六查询余额", "yao1 ling2 ling2 ba1 liu4"),
    ("请拨打10010", "请拨打一零零一零", "yao1 ling2 ling2 yao1 ling2"),
    ("致电95588", "致电九五五八八", "jiu3 wu3 wu3 ba1 ba1"),
    ("有困难打12345", "有困难打一二三四五", "yao1 er4 san1 si4 wu3"),
    ("报警请打110", "报警请打一一零", "yao1 yao1 ling2"),
    ("火警119", "火警一一九", "yao1 yao1 jiu3"),
    ("拨打120急救", "拨打一二零急救", "yao1 er4 ling2"),
    ("客服热线95555", "客服热线九五五五五", "jiu3 wu3 wu3 wu3 wu3"),
    ("号码是007", "号码是零零七", "ling2 ling2 qi1"),
    ("我有10086元", "我有一万零八十六元", "yi2 wan4 ling2 ba1 shi2 liu4 yuan2"),  # measure word: a quantity
    ("第110名", "第一百一十名", "di4 yi1 bai3 yi1 shi2 ming2"),
])
def test_service_numbers(text: str, normalized: str, pinyin_part: str) -> None:
    assert normalize(text) == normalized
    assert pinyin_part in after(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("明天有小雨", "ming2 tian1 you3 xiao2 yu3"),
    ("今天", "jin1 tian1"), ("昨天", "zuo2 tian1"), ("后天", "hou4 tian1"), ("每天", "mei3 tian1"),
    ("天天", "tian1 tian1"), ("上午", "shang4 wu3"), ("下午", "xia4 wu3"), ("中午", "zhong1 wu3"),
    ("太阳能", "tai4 yang2 neng2"), ("机器学习", "ji1 qi4 xue2 xi2"), ("民族精神", "min2 zu2 jing1 shen2"),
    ("地方政府", "di4 fang1 zheng4 fu3"), ("买卖双方", "mai3 mai4 shuang1 fang1"),
    ("这个地方", "zhe4 ge5 di4 fang5"), ("晚上", "wan3 shang5"), ("朋友", "peng2 you5"),  # still neutral
])
def test_full_tone_words(text: str, expected: str) -> None:
    assert after(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("iPhone 15 Pro", "ai4 feng1 shi2 wu3 pu1 rou4"),
    ("5G网络", "wu3 ji1 wang3 luo4"),
    ("4G", "si4 ji1"),
    ("GDP", "ji1 di4 pi4"),
])
def test_letters(text: str, expected: str) -> None:
    assert after(text) == expected
