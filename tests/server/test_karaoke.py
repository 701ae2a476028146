"""The WebUI's karaoke mode in real headless Chromium: the text highlights as the audio plays, subtitles download."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Server
from .test_webui import ARGS, CHROMIUM_NAMES, missing

TEXT = "今天天气很好，我们去公园散步吧。2024年，ABC公司！"


@pytest.fixture(scope="module")
def karaoke_page(server: Server) -> Iterator[Any]:
    try:
        import playwright.sync_api as playwright_api
    except ImportError:
        missing("playwright is not installed (pip install -e '.[dev]')")
    chromium = next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)
    if chromium is None:
        missing("chromium is not on PATH (apt-get install chromium)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/")
        page.wait_for_selector("#status.badge-ok")
        yield page
        browser.close()
        assert not errors, errors


def test_text_highlights_while_playing_and_subtitles_download(karaoke_page: Any, tmp_path: Path) -> None:
    page = karaoke_page
    page.fill("#text", TEXT)
    page.select_option("#format", "wav")
    page.check("#karaoke-on")
    page.click("#synth")
    page.wait_for_selector("#karaoke:not([hidden]) span.k", timeout=60_000)
    spans = page.locator("#karaoke-text span.k")
    texts = [spans.nth(i).text_content() for i in range(spans.count())]
    assert "".join(texts) == "今天天气很好我们去公园散步吧2024年ABC公司"
    assert page.text_content("#karaoke-text") == TEXT  # punctuation kept between the highlighted spans
    assert "2024" in texts  # one span for the number, several readings
    # while playing, one span is lit and the ones before it are done
    page.wait_for_function("document.querySelector('#karaoke-text span.k.now') !== null", timeout=30_000)
    page.wait_for_function("document.querySelectorAll('#karaoke-text span.k.done').length >= 3", timeout=30_000)
    lit = page.evaluate("""() => { const a = document.getElementById('player');
        const spans = [...document.querySelectorAll('#karaoke-text span.k')];
        const now = spans.findIndex(s => s.classList.contains('now'));
        return {now, done: spans.filter(s => s.classList.contains('done')).length, t: a.currentTime}; }""")
    if lit["now"] >= 0:
        assert lit["done"] <= lit["now"]
    shots = Path(os.environ.get("SHENGQING_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "webui-karaoke.png"), full_page=True)
    srt = page.evaluate("async () => (await fetch(document.getElementById('sub-srt').href)).text()")
    vtt = page.evaluate("async () => (await fetch(document.getElementById('sub-vtt').href)).text()")
    assert srt.startswith("1\n00:00:00,") and "今天天气很好" in srt
    assert vtt.startswith("WEBVTT\n\n00:00:00.")
    page.wait_for_function("document.getElementById('player').ended", timeout=30_000)
    assert page.locator("#karaoke-text span.k.done").count() == spans.count()
