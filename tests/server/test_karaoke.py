"""The WebUI's karaoke mode in real headless Chromium: the text highlights as the audio plays, subtitles download."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import test_webui

TEXT = "今天天气很好，我们去公园散步吧。2024年，ABC公司！"


# the browser and page of the WebUI tests (headless Chromium; skip or fail as they do)
browser = test_webui.browser
page = test_webui.page


def test_text_highlights_while_playing_and_subtitles_download(page: Any, tmp_path: Path) -> None:
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
    # a second text replaces the first and highlights again
    page.fill("#text", "你好，再见。")
    page.click("#synth")
    page.wait_for_function("document.getElementById('karaoke-text').textContent === '你好，再见。'", timeout=60_000)
    page.wait_for_function("document.querySelector('#karaoke-text span.k.now') !== null", timeout=30_000)
    assert page.is_visible("#karaoke")
