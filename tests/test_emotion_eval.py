"""`shengqing eval emotion`: per-class accuracy on the committed tables; the held-out floor is the figure
measured once on heldout.tsv (see tests/data/emotion/README.md), never a target tuned on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shengqing.emotioneval import load, score
from shengqing.errors import InvalidOptionError

DATA = Path(__file__).resolve().parent / "data" / "emotion"
HELDOUT_FLOOR = 0.83  # measured 0.840 (1478 / 1760) on 2026-12-01 (lexicon only, before: 0.557)


def test_heldout_accuracy_floor() -> None:
    result = score(load(DATA / "heldout.tsv"))
    assert result.total == 1760 and len(result.per_class) == 8
    assert result.majority_accuracy == pytest.approx(0.125)
    assert result.accuracy >= HELDOUT_FLOOR


def test_cli_prints_each_class_and_the_baseline() -> None:
    out = subprocess.run([sys.executable, "-m", "shengqing.cli", "eval", "emotion", str(DATA / "dev.tsv"),
                          "--errors", "2"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for name in ("angry", "fear", "gentle", "happy", "hate", "neutral", "sad", "surprise", "majority-class"):
        assert name in out.stdout
    assert out.stdout.count("  gold ") == 2


def test_labels_may_be_dutir_classes_and_bad_labels_name_the_row(tmp_path: Path) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("怒\t你给我滚出去！\n惊\t天哪，你竟然来了？！\n", encoding="utf-8")
    assert load(table) == [("你给我滚出去！", "angry"), ("天哪，你竟然来了？！", "surprise")]
    assert score(load(table)).accuracy == 1.0
    table.write_text("text\tlabel\n你好。\tgrumpy\n", encoding="utf-8")
    with pytest.raises(InvalidOptionError, match="row 1"):
        load(table)
