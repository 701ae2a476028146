"""Long MP3 streams in the WebUI play to their end, and Stop cancels the server's work.

A SourceBuffer holds only so much audio (Chromium: 12 MB, ≈ 20 min of our MP3; issue #16 saw streams die
after ~915 s). To reach that code path within CI time, Chromium is started with a 1 MB audio quota
(``--mse-audio-buffer-size-limit-mb``, ≈ 100 s of audio) and playback is held until the quota has been hit
for real, then runs at 16× speed, once for a stream being synthesized and once for the same stream from the
cache (whose reads are larger than the quota). ``SHENGQING_WEBUI_LONG_CHARS`` and ``SHENGQING_WEBUI_MSE_MB``
change the text length and the quota (20000 and 12 reproduce the issue's case with Chromium's default quota).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_helpers import standard_texts
from shengqing.audio import SAMPLE_RATE, decode

from .browser import chromium
from .conftest import Server

LONG_CHARS = int(os.environ.get("SHENGQING_WEBUI_LONG_CHARS", "2000"))
QUOTA_MB = int(os.environ.get("SHENGQING_WEBUI_MSE_MB", "1"))
# counts the real QuotaExceededErrors and removed seconds; holds play() until the test releases it
WATCH = """
window.__quotaErrors = 0; window.__removedSeconds = 0; window.__hold = true; window.__appendedBytes = 0;
const append = SourceBuffer.prototype.appendBuffer;
SourceBuffer.prototype.appendBuffer = function (data) {
  try { const result = append.call(this, data); window.__appendedBytes += data.byteLength; return result; }
  catch (e) { if (e.name === 'QuotaExceededError') window.__quotaErrors++; throw e; }
};
const remove = SourceBuffer.prototype.remove;
SourceBuffer.prototype.remove = function (start, end) {
  window.__removedSeconds += end - start; return remove.call(this, start, end);
};
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () { return window.__hold ? Promise.resolve() : play.call(this); };
"""
PLAYER_STATE = """() => { const p = document.getElementById('player'), ranges = [];
  for (let i = 0; i < p.buffered.length; i++) ranges.push([p.buffered.start(i), p.buffered.end(i)]);
  return {currentTime: p.currentTime, paused: p.paused, readyState: p.readyState, buffered: ranges,
          appendedBytes: window.__appendedBytes, quotaErrors: window.__quotaErrors}; }"""


def long_text(chars: int) -> str:
    base = "".join(standard_texts())
    return (base * (chars // len(base) + 1))[:chars]


@pytest.fixture(scope="module")
def fast_server(server_tmp: Path, installed_model: object) -> Iterator[Server]:
    """Fast kernels (the WebUI, not the kernels, is under test), streaming up to 20,000 characters."""
    proc = Server(server_tmp, "webui-fast", {"SHENGQING_KERNELS": "fast", "SHENGQING_TIMEOUT": "600"})
    try:
        yield proc.wait_ready()
    finally:
        proc.stop()


def in_flight(url: str) -> float:
    text = httpx.get(url + "/metrics", timeout=10).text
    match = re.search(r"^shengqing_in_flight (\S+)$", text, re.MULTILINE)
    assert match is not None
    return float(match.group(1))


def wait_without_stalling(page: Any, done: str, what: str, patience_s: float = 120) -> None:
    """Wait until the JS expression ``done`` holds; fail at once, with the player's state, when neither the
    appended bytes nor the playhead have moved for ``patience_s`` (a stuck stream, not a slow one)."""
    last, since = None, time.monotonic()
    while not page.evaluate(done):
        state = page.evaluate(PLAYER_STATE)
        progress = (state["appendedBytes"], round(state["currentTime"], 1))
        if progress != last:
            last, since = progress, time.monotonic()
        assert time.monotonic() - since < patience_s, f"stuck while waiting for {what}: {state}"
        time.sleep(0.5)


def play_long_stream(server: Server, saved: Path, *, cached: bool) -> str:
    """Streams LONG_CHARS characters in the WebUI with the audio quota met, plays them at 16×, downloads the
    result; returns a report line. ``cached``: the same request is made once before, so the stream comes
    whole from the cache, in reads of megabytes."""
    with chromium(f"--mse-audio-buffer-size-limit-mb={QUOTA_MB}") as browser:
        context = browser.new_context(accept_downloads=True, locale="zh-CN")
        context.add_init_script(WATCH)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/")
        page.wait_for_selector("#status.badge-ok")
        page.fill("#text", long_text(LONG_CHARS))
        if cached:  # the WebUI's own request body, read to its end once
            page.evaluate("""async () => { const r = await fetch('/tts', {method: 'POST', headers: headers(),
                                          body: JSON.stringify(requestBody('mp3', true))}); await r.arrayBuffer(); }""")
        start = time.monotonic()
        with page.expect_response(lambda r: r.url.endswith("/tts")) as response:
            page.click("#synth")
        assert response.value.headers["x-cache"] == ("hit" if cached else "miss")
        wait_without_stalling(page, "window.__quotaErrors > 0", "the buffer to fill")  # really full
        quota_at = time.monotonic() - start
        page.evaluate("""() => { window.__hold = false; const p = document.getElementById('player');
                                 p.playbackRate = 16; p.play(); }""")
        wait_without_stalling(page, "document.querySelectorAll('#history li:not(.empty)').length > 0"
                                    " || !document.getElementById('error').hidden", "the stream's end")
        assert page.is_hidden("#error"), page.text_content("#error")
        wait_without_stalling(page, "document.getElementById('player').ended", "the player's end")
        played = page.evaluate("document.getElementById('player').currentTime")
        watched = page.evaluate("[window.__quotaErrors, window.__removedSeconds]")
        assert page.is_hidden("#error"), page.text_content("#error")
        with page.expect_download() as info:
            page.click("#download")
        info.value.save_as(saved)
        context.close()
    total = len(decode(saved.read_bytes(), "mp3")) / SAMPLE_RATE
    assert not errors, errors
    # the full buffer was met for real and waited out; Chromium evicts played ranges itself on append, so
    # player.js's own remove() (watched[1] seconds) is the fallback for browsers that do not
    assert watched[0] > 0
    assert total > QUOTA_MB * 100  # more audio than the buffer can hold at once (≈ 10 KB per second)
    assert abs(played - total) < 0.5, (played, total)
    return (f"{LONG_CHARS} chars, quota {QUOTA_MB} MB: {total:.1f} s of audio ({saved.stat().st_size} bytes), "
            f"played to {played:.1f} s; {watched[0]} QuotaExceededErrors, {watched[1]:.0f} s removed; "
            f"quota first hit after {quota_at:.0f} s; whole test {time.monotonic() - start:.0f} s")


def test_a_long_stream_plays_to_its_end(fast_server: Server, tmp_path: Path) -> None:
    print("\n" + play_long_stream(fast_server, tmp_path / "long.mp3", cached=False))


def test_a_cached_long_stream_plays_to_its_end(fast_server: Server, tmp_path: Path) -> None:
    """A cached response arrives in reads larger than the whole audio quota (issue: such a read could never
    be appended, and playback waited for it forever)."""
    print("\n" + play_long_stream(fast_server, tmp_path / "cached.mp3", cached=True))


def test_stop_cancels_the_servers_work(fast_server: Server) -> None:
    with chromium() as browser:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(fast_server.url + "/")
        page.wait_for_selector("#status.badge-ok")
        page.fill("#text", long_text(3000))
        assert page.is_disabled("#stop")
        page.click("#synth")
        page.wait_for_function("document.getElementById('stat-first').textContent !== '–'", timeout=120_000)
        assert in_flight(fast_server.url) == 1  # still synthesizing (3,000 characters take minutes)
        page.click("#stop")
        stopped = time.monotonic()
        while in_flight(fast_server.url) != 0:
            assert time.monotonic() - stopped < 15, "the server kept synthesizing after Stop"
            time.sleep(0.1)
        elapsed = time.monotonic() - stopped
        page.wait_for_selector("#notice:not([hidden])")
        assert page.text_content("#notice") == "已停止：服务器已停止合成。"
        assert page.is_hidden("#error") and page.is_enabled("#synth") and page.is_disabled("#stop")
        assert page.locator("#history li:not(.empty)").count() == 0
        context.close()
    print(f"\nStop → server in_flight 0 after {elapsed:.2f} s")
