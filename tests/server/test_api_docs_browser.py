"""``/docs`` (Swagger UI) and ``/redoc`` in real headless Chromium, with every request outside the server
blocked: the pages must render the operations from the bundled assets alone, and Swagger's "Try it out" →
Execute on ``POST /v1/audio/speech`` must get audio back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import browser
from .conftest import Server
from .test_webui import SHOTS_ENV


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser.chromium() as launched:
        yield launched


@pytest.fixture()
def offline_page(chromium: Any, server: Server) -> Iterator[tuple[Any, list[str]]]:
    """A page that can reach only the server: any other request (a CDN, web fonts) is aborted and listed."""
    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(server.url) or url.startswith("data:") or url.startswith("blob:"):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, outside
    context.close()
    assert not errors, errors


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def test_swagger_ui_renders_offline_and_try_it_out_works(offline_page: tuple[Any, list[str]], server: Server,
                                                         tmp_path: Path) -> None:
    page, outside = offline_page
    page.goto(server.url + "/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".errors-wrapper").count() == 0  # "Unable to render this definition" and co.
    summaries = page.locator(".opblock-summary-path").all_text_contents()
    assert {"/tts", "/v1/audio/speech", "/v1/models", "/v1/models/{model_id}", "/v1/audio/voices"} <= {
        s.replace("\u200b", "") for s in summaries}
    speech = page.locator("#operations-synthesis-speech_v1_audio_speech_post")
    speech.locator(".opblock-summary").click()
    speech.locator(".try-out__btn").click()
    body = speech.locator("textarea.body-param__text")
    assert "gpt-4o-mini-tts" in body.input_value()  # the example of the schema
    body.fill('{"model": "tts-1", "voice": "alloy", "input": "你好，欢迎使用语音合成服务。", '
              '"instructions": "用开心的语气", "response_format": "wav", "stream": false}')
    speech.locator("button.execute").click()
    status = speech.locator(".live-responses-table tr.response td.response-col_status").first
    status.wait_for(timeout=60_000)
    assert status.text_content().strip() == "200"
    page.screenshot(path=str(_shots(tmp_path) / "api-docs-swagger.png"), full_page=False)
    assert "audio/wav" in speech.locator(".live-responses-table").text_content()
    assert not outside, outside


def test_redoc_renders_offline(offline_page: tuple[Any, list[str]], server: Server, tmp_path: Path) -> None:
    page, outside = offline_page
    page.goto(server.url + "/redoc")
    page.wait_for_selector("[data-section-id^='operation/']", timeout=60_000)
    text = page.locator("body").text_content()
    for operation in ("Synthesize (OpenAI-compatible)", "Synthesize (seed API)", "List models (OpenAI-compatible)"):
        assert operation in text
    assert "Something went wrong" not in text
    page.screenshot(path=str(_shots(tmp_path) / "api-docs-redoc.png"), full_page=False)
    assert not outside, outside
