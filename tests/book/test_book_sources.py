"""Book inputs → items: chapter conventions of .txt, Markdown headings, the EPUB spine and nav, JSONL."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from epub_maker import make_epub

from shengqing.book import read_items
from shengqing.errors import InvalidOptionError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_txt_chapter_headings_start_chapters(tmp_path: Path) -> None:
    items = read_items(write(tmp_path / "a.txt", "书名：测试\n\n第一章 开始\n今天很好。\n\n第2回：再会\n明天见。\n"
                                                 "尾声\n完了。\n"))
    assert [i.title for i in items] == ["", "第一章 开始", "第2回：再会", "尾声"]
    assert [i.id for i in items] == ["0001", "0002", "0003", "0004"]
    assert items[1].text == "第一章 开始\n今天很好。"  # the heading is read aloud
    assert items[0].text == "书名：测试"


def test_txt_without_headings_splits_at_double_blank_lines(tmp_path: Path) -> None:
    items = read_items(write(tmp_path / "a.txt", "第一段。\n\n仍是第一段。\n\n\n第二段。\n \n\n第三段。"))
    assert [i.text for i in items] == ["第一段。\n\n仍是第一段。", "第二段。", "第三段。"]
    one = read_items(write(tmp_path / "b.txt", "只有一段。\n还是它。"))
    assert len(one) == 1


def test_sentence_mentioning_a_chapter_is_not_a_heading(tmp_path: Path) -> None:
    items = read_items(write(tmp_path / "a.txt", "第一章 起\n他读完了第一章的内容，觉得很有意思。\n"))
    assert len(items) == 1


def test_markdown_chapters_from_repeated_heading_level(tmp_path: Path) -> None:
    md = ("# 书名\n\n前言的话。\n\n## 第一章\n\n正文**一**。\n\n```\ncode is skipped\n```\n\n"
          "## 第二章\n\n- 列表项\n\n> 引用。\n")
    items = read_items(write(tmp_path / "a.md", md))
    assert [i.title for i in items] == ["", "第一章", "第二章"]
    assert items[0].text == "书名\n前言的话。"
    assert items[1].text == "第一章\n正文一。"  # emphasis markup is gone, code blocks are not read
    assert items[2].text == "第二章\n列表项\n引用。"


@pytest.mark.parametrize("version", [2, 3])
def test_epub_chapters_follow_the_spine_with_nav_titles(tmp_path: Path, version: int) -> None:
    chapters = [("第一章", "你好。\n世界。"), ("第二章", "再见&amp;谢谢。")]
    book = make_epub(tmp_path / "b.epub", chapters, version=version)
    items = read_items(book)
    assert [i.title for i in items] == ["目录第一章", "目录第二章"]
    assert items[0].text == "第一章\n你好。\n世界。"  # no <head>, <style> or <script> text
    assert items[1].text == "第二章\n再见&谢谢。"


def test_epub_title_falls_back_to_the_first_heading(tmp_path: Path) -> None:
    items = read_items(make_epub(tmp_path / "b.epub", [("序", "开头。")], nav_titles=False))
    assert [i.title for i in items] == ["序"]


@pytest.mark.parametrize("damage", ["not a zip", "no container", "bad xml"])
def test_broken_epub_is_one_clear_error(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "b.epub"
    if damage == "not a zip":
        path.write_bytes(b"plain text")
    else:
        with zipfile.ZipFile(path, "w") as archive:
            if damage == "bad xml":
                archive.writestr("META-INF/container.xml", "<container><rootfiles>")
            else:
                archive.writestr("mimetype", "application/epub+zip")
    with pytest.raises(InvalidOptionError) as info:
        read_items(path)
    assert info.value.field == "input"


def test_jsonl_items_keep_their_ids_and_options(tmp_path: Path) -> None:
    lines = [{"id": "intro", "text": "你好。", "emotion": "happy"}, {"id": 7, "text": "再见。", "speed": 1.2}]
    items = read_items(write(tmp_path / "a.jsonl", "\n".join(json.dumps(x, ensure_ascii=False) for x in lines)))
    assert [(i.id, i.options) for i in items] == [("intro", {"emotion": "happy"}), ("7", {"speed": 1.2})]


@pytest.mark.parametrize(("line", "field"), [
    ('{"id": "../x", "text": "你好"}', "id"),
    ('{"id": "a", "text": 3}', "text"),
    ('{"id": "a", "text": "你好", "colour": 1}', "colour"),
    ('[1, 2]', "input"),
    ('{"id": "a", "text": "你好"}\n{"id": "a", "text": "再见"}', "id"),
])
def test_bad_jsonl_names_the_field(tmp_path: Path, line: str, field: str) -> None:
    with pytest.raises(InvalidOptionError) as info:
        read_items(write(tmp_path / "a.jsonl", line))
    assert info.value.field == field


def test_empty_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidOptionError):
        read_items(write(tmp_path / "a.txt", " \n\n"))
