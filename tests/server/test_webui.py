"""The WebUI in real headless Chromium (the ``chromium`` on PATH, Debian's package, driven by Playwright):
playback, downloads, errors, accessibility (axe-core), the phone layout and the English toggle."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shengqing.audio import SAMPLE_RATE, decode

from .browser import axe_violations, chromium
from .conftest import SEED, Server

# the docs' screenshots are refreshed with SHENGQING_SCREENSHOTS=docs/screenshots; a plain run keeps the tree clean
SHOTS_ENV = "SHENGQING_SCREENSHOTS"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN"
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(server.url + "/")
    pg.wait_for_selector("#status.badge-ok")
    yield pg
    context.close()
    assert not errors, errors


def synthesize_and_wait(page: Any) -> None:
    count = page.locator("#history li:not(.empty)").count()
    page.click("#synth")
    page.wait_for_function(
        f"document.querySelectorAll('#history li:not(.empty)').length > {count}", timeout=60_000
    )


def player_state(page: Any) -> dict[str, Any]:
    return dict(
        page.evaluate("""() => { const a = document.getElementById('player');
        return {duration: a.duration, error: a.error && a.error.code, ready: a.readyState, src: a.src}; }""")
    )


def test_streamed_mp3_plays_and_downloads(page: Any, client: httpx.Client, tmp_path: Path) -> None:
    page.fill("#text", SEED[1])
    page.select_option("#emotion", "happy")
    assert page.input_value("#format") == "mp3"
    assert page.text_content("#count") == f"{len(SEED[1])} / 20000"
    synthesize_and_wait(page)
    page.wait_for_function("isFinite(document.getElementById('player').duration)", timeout=30_000)
    expected = float(
        client.post("/tts", json={"text": SEED[1], "emotion": "happy", "format": "mp3"}).headers[
            "x-audio-duration"
        ]
    )
    state = player_state(page)
    assert state["error"] is None and state["ready"] >= 1
    assert abs(state["duration"] - expected) < 0.2
    assert page.text_content("#stat-first") != "–" and page.text_content("#stat-rtf") != "–"
    assert page.is_hidden("#error")
    with page.expect_download() as info:
        page.click("#download")
    saved = tmp_path / "speech.mp3"
    info.value.save_as(saved)
    samples = decode(saved.read_bytes(), "mp3")
    assert abs(len(samples) / SAMPLE_RATE - expected) < 0.2


def test_wav_history_sample_buttons_and_screenshots(page: Any, client: httpx.Client, tmp_path: Path) -> None:
    page.click("text=我一个人走在雨夜里")
    assert page.input_value("#text") == SEED[2] and page.input_value("#emotion") == "sad"
    page.select_option("#format", "wav")
    page.fill("#speed", "1.2")
    page.dispatch_event("#speed", "input")
    synthesize_and_wait(page)
    expected = float(
        client.post("/tts", json={"text": SEED[2], "emotion": "sad", "speed": 1.2, "format": "wav"}).headers[
            "x-audio-duration"
        ]
    )
    page.wait_for_function("isFinite(document.getElementById('player').duration)")
    assert abs(player_state(page)["duration"] - expected) < 0.01
    assert page.text_content("#stat-duration") == f"{expected:.2f} s"
    page.click("text=你好，欢迎使用语音合成服务。")
    page.select_option("#format", "mp3")
    synthesize_and_wait(page)
    items = page.locator("#history li:not(.empty)")
    assert items.count() == 2
    with page.expect_download() as info:
        items.nth(1).locator("a").click()
    saved = tmp_path / "from-history.wav"
    info.value.save_as(saved)
    assert abs(len(decode(saved.read_bytes(), "wav")) / SAMPLE_RATE - expected) < 0.01
    items.nth(1).locator("button").click()
    page.wait_for_function(f"Math.abs(document.getElementById('player').duration - {expected}) < 0.01")
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "webui-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "webui-phone.png"), full_page=True)
    assert (shots / "webui-phone.png").stat().st_size > 10_000
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"


def test_errors_are_shown(page: Any) -> None:
    page.fill("#text", "   ")
    page.click("#synth")
    assert page.is_visible("#error") and "请输入" in page.text_content("#error")
    page.fill("#text", "😀🎉")
    page.click("#synth")
    page.wait_for_selector("#error:not([hidden])")
    page.wait_for_function("document.getElementById('error').textContent.includes('没有可朗读的内容')")
    page.select_option("#format", "wav")
    page.fill("#text", "长" * 400)  # over this server's 300-character limit without streaming
    assert page.text_content("#count") == "400 / 300"
    page.click("#synth")
    assert "文本太长" in page.text_content("#error")


def test_slider_ranges_are_the_servers(page: Any, client: httpx.Client) -> None:
    ranges = client.get("/v1/ui-config").json()["ranges"]
    for name in ("intensity", "speed", "pitch", "volume"):
        bounds = page.evaluate(f"[Number(document.getElementById('{name}').min), "
                               f"Number(document.getElementById('{name}').max)]")
        assert bounds == list(ranges[name]), name
    page.fill("#text", SEED[0])
    page.select_option("#format", "wav")
    page.fill("#pitch", str(ranges["pitch"][1]))  # the slider's far end is accepted by the server
    page.dispatch_event("#pitch", "input")
    assert page.text_content("#pitch-out") == f"+{ranges['pitch'][1]:g} 半音"
    synthesize_and_wait(page)
    assert page.is_hidden("#error")


def test_controls_have_accessible_names(page: Any) -> None:
    for role, label, control in (("slider", "情感强度", "intensity"), ("slider", "语速", "speed"),
                                 ("slider", "音调", "pitch"), ("slider", "音量", "volume"),
                                 ("combobox", "情感", "emotion"), ("combobox", "格式", "format"),
                                 ("textbox", "文本", "text")):
        assert page.get_by_role(role, name=label, exact=True).get_attribute("id") == control
    assert page.get_by_role("button", name="合成", exact=True).is_enabled()
    assert page.get_by_role("button", name="停止", exact=True).is_disabled()


def test_download_only_when_there_is_audio(page: Any) -> None:
    download = page.locator("#download")
    assert download.get_attribute("href") is None and download.get_attribute("aria-disabled") == "true"
    page.fill("#text", SEED[0])
    page.select_option("#format", "wav")
    synthesize_and_wait(page)
    assert download.get_attribute("href").startswith("blob:")
    assert download.get_attribute("aria-disabled") == "false"
    page.click("#clear-history")
    assert download.get_attribute("href") is None and download.get_attribute("aria-disabled") == "true"
    assert page.evaluate("document.getElementById('player').getAttribute('src')") is None
    assert page.locator("#history li:not(.empty)").count() == 0


def test_server_errors_are_explained_in_the_pages_language(page: Any) -> None:
    page.fill("#text", SEED[0])
    page.select_option("#format", "wav")
    # a page older than the server's ranges: the slider lets through what the server refuses
    page.evaluate("const p = document.getElementById('pitch'); p.max = '12'; p.value = '12';")
    page.click("#synth")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error") == "参数无效：音调（允许 -6 到 6）。"
    page.click("#lang")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("#synth") == "Synthesize"
    assert page.get_by_role("slider", name="Pitch", exact=True).count() == 1
    page.click("#synth")
    page.wait_for_function("document.getElementById('error').textContent.startsWith('Invalid pitch')")
    assert page.text_content("#error") == "Invalid pitch (allowed: -6 to 6)."
    page.click("#reset")
    page.fill("#text", "😀🎉")
    page.click("#synth")
    page.wait_for_function("document.getElementById('error').textContent.startsWith('Nothing to read')")
    page.reload()
    page.wait_for_selector("#status.badge-ok")
    assert page.text_content("#synth") == "Synthesize" and page.text_content("#status") == "Ready"  # remembered
    page.click("#lang")
    assert page.text_content("#synth") == "合成"


def test_connection_errors_only_when_the_server_is_unreachable(page: Any) -> None:
    page.fill("#text", SEED[0])
    page.route("**/tts", lambda route: route.abort("connectionrefused"))
    page.click("#synth")
    page.wait_for_selector("#error:not([hidden])")
    assert page.text_content("#error").startswith("无法连接服务器")
    page.unroute("**/tts")
    page.route("**/tts", lambda route: route.fulfill(status=500, json={"error": {"code": "internal_error",
                                                                                  "message": "boom"}}))
    page.click("#synth")
    page.wait_for_function("document.getElementById('error').textContent.startsWith('合成失败')")
    assert page.text_content("#error") == "合成失败（HTTP 500, internal_error）。"


def test_phone_layout_shows_synthesize_on_the_first_screen(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    page.goto(server.url + "/")
    page.wait_for_selector("#status.badge-ok")
    box = page.locator("#synth").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_accessibility_audit(page: Any) -> None:
    assert page.evaluate("typeof window.axe") == "undefined"  # the page itself never loads axe
    page.fill("#text", SEED[1])
    page.select_option("#format", "wav")
    synthesize_and_wait(page)
    violations = axe_violations(page)
    assert violations == [], violations
    page.click("#lang")
    page.fill("#text", "")
    page.click("#synth")  # an error message on screen
    assert axe_violations(page) == []
    page.click("#lang")
