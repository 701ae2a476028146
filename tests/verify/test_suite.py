"""Suites: the default suite's shape, suite files, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shengqing.errors import ShengqingError
from shengqing.verify.suite import SEED_ITEMS, SuiteItem, default_suite, load_suite, standard_texts

SHARED_STANDARD = next(
    (p for p in (Path(__file__).resolve().parents[3] / "shared" / "data" / "texts" / "standard.txt",
                 Path(__file__).resolve().parents[1] / "data" / "texts" / "standard.txt") if p.is_file()),
    Path("missing"),
)


def test_default_suite_covers_seed_standard_and_variations() -> None:
    suite = default_suite()
    items = suite.items
    assert 30 <= len(items) <= 45
    assert len({i.id for i in items}) == len(items)
    texts = standard_texts()
    assert all(any(i.text == t and i.emotion == "neutral" and i.format == "wav" for i in items) for t in texts)
    for text, emotion in SEED_ITEMS:
        assert any(i.text == text and i.emotion == emotion for i in items)
    assert {i.format for i in items} == {"wav", "pcm", "flac", "mp3", "opus"}
    assert len({i.emotion for i in items}) >= 8
    assert {i.speed for i in items} > {1.0} and {i.pitch for i in items} > {0.0}
    assert load_suite("default") == suite


def test_packaged_standard_texts_match_shared_data() -> None:
    lines = SHARED_STANDARD.read_text(encoding="utf-8").splitlines()
    assert standard_texts() == [x.strip() for x in lines if x.strip() and not x.startswith("#")]


def test_ids_are_stable_and_readable() -> None:
    item = SuiteItem(text="你好。", emotion="开心", speed=1.25, format="ogg")
    assert item.emotion == "happy" and item.format == "opus"
    assert item.id.endswith("-happy-opus-speed=1.25") and len(item.id.split("-")[0]) == 8
    assert SuiteItem(text="你好。", emotion="happy", speed=1.25, format="opus").id == item.id


def test_suite_files(tmp_path: Path) -> None:
    text = tmp_path / "lines.txt"
    text.write_text("# comment\n你好。\n\n再见。\n", encoding="utf-8")
    assert [i.text for i in load_suite(str(text)).items] == ["你好。", "再见。"]
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"text": "你好。", "format": "mp3"}]), encoding="utf-8")
    suite = load_suite(str(listed))
    assert suite.name == "list" and suite.items[0].format == "mp3"


@pytest.mark.parametrize(("content", "message"), [
    ('[{"text": "你好", "colour": "red"}]', "unknown suite item field 'colour'"),
    ('[{"text": "你好", "speed": 9}]', "speed must be from"),
    ('[{"text": "你好", "format": "aac"}]', "not supported"),
    ('[{"text": "你好"}, {"text": "你好"}]', "two items with id"),
    ('{"items": 3}', "must hold a list"),
    ("[", "not valid JSON"),
    ("# only a comment\n", "has no utterances"),
])
def test_bad_suite_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / ("suite.txt" if content.startswith("#") else "suite.json")
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ShengqingError, match=message):
        load_suite(str(path))
