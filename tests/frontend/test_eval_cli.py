"""``shengqing eval tn`` and ``eval polyphone --split``: per-category table, readable errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from shengqing.cli import main


def test_eval_tn_prints_categories(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases.txt"
    cases.write_text("## money\n花了¥36|花了三十六元\n## cardinal\n总价是12500~总价是一万二千五百\n300|三百零\n",
                     encoding="utf-8")
    assert main(["eval", "tn", str(cases), "--errors", "5"]) == 0
    out = capsys.readouterr().out
    assert "money" in out and "cardinal" in out and "ALL" in out
    assert "300 -> 三百" in out  # the one wrong case is listed
    money = next(line for line in out.splitlines() if line.startswith("money"))
    assert "0.00%" in money and "100.0%" in money


def test_eval_tn_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "tn", str(tmp_path / "missing.txt")]) != 0
    bad = tmp_path / "bad.txt"
    bad.write_text("no separator\n", encoding="utf-8")
    assert main(["eval", "tn", str(bad)]) != 0
    err = capsys.readouterr().err
    assert "missing.txt" in err and "separator" in err and "Traceback" not in err


def test_eval_polyphone_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shengqing.frontend.evaluate import held_out, load

    lines = ["他在银▁行▁工作。", "我▁还▁没吃饭。", "他▁长▁大了。", "银▁行▁行长来了。", "你▁还▁好吗？", "头▁发▁很长。"]
    labels = ["hang2", "hai2", "zhang3", "hang2", "hai2", "fa4"]
    sent, lb = tmp_path / "x.sent", tmp_path / "x.lb"
    sent.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lb.write_text("\n".join(labels) + "\n", encoding="utf-8")
    flags = [held_out(item) for item in load(sent, lb)]
    for split, expected in (("all", len(lines)), ("heldout", sum(flags)), ("tuning", len(lines) - sum(flags))):
        assert main(["eval", "polyphone", str(sent), str(lb), "--split", split]) == 0
        assert f"/{expected})" in capsys.readouterr().out
