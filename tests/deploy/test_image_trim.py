"""The container image leaves parts of jieba out (Dockerfile); shengqing must work without them.

The frontend reads jieba's dictionary file and never imports jieba (``frontend/segment.py``). Here jieba is
trimmed as the Dockerfile trims it, in a copy that shadows the installed one, and the frontend builds its
tables from that copy (an empty cache, as in the image build) and synthesizes through every stage.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import importlib.util, sys
from shengqing import Synthesizer
synthesizer = Synthesizer()
texts = ["北京时间2026年3月15日上午10:30，iPhone 15 Pro的价格是¥8,999元。", "他長大以後頭髮一直留得很長。",
         "<speak>请拨打<say-as interpret-as='telephone'>4008208820</say-as>，谢谢。</speak>"]
for text in texts:
    audio = synthesizer.synthesize(text, ssml=text.startswith("<speak>"), emotion="auto", timestamps=True)
    assert audio.duration > 1.0
    audio.encode("opus")
print(importlib.util.find_spec("jieba").origin)
"""


def _left_out() -> list[str]:
    found = re.search(r"for unused in ([a-z_ ]+); do rm -rf \S+/site-packages/jieba/\$unused",
                      (ROOT / "Dockerfile").read_text())
    assert found, "the Dockerfile no longer says which parts of jieba it leaves out"
    return found[1].split()


def test_shengqing_runs_with_jieba_trimmed_as_in_the_image(installed_model: object, tmp_path: Path) -> None:
    left_out = _left_out()
    assert set(left_out) == {"posseg", "analyse", "lac_small"}
    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.origin is not None
    trimmed = tmp_path / "site" / "jieba"
    shutil.copytree(Path(spec.origin).parent, trimmed, ignore=shutil.ignore_patterns(*left_out))
    assert not any((trimmed / name).exists() for name in left_out)
    env = {**os.environ, "SHENGQING_CACHE": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(trimmed / "__init__.py")  # the trimmed copy was the jieba in use
    assert list((tmp_path / "cache").glob("frontend_words_*"))  # and its dictionary was read afresh
