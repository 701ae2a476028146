"""Captioned synthesis over HTTP (real server subprocess): JSON and streamed NDJSON with timestamps."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from shengqing import Synthesizer

TEXT = "今天天气很好，我们去公园散步吧。2024年3月5日，ABC公司开会！"


def _chars(doc: dict[str, Any]) -> list[tuple[str, float, float]]:
    return [(c["text"], c["start"], c["end"]) for c in doc["characters"]]


def test_captioned_json_has_the_same_audio_and_the_library_timestamps(client: httpx.Client,
                                                                      engine: Synthesizer) -> None:
    body = {"text": TEXT, "format": "wav"}
    plain = client.post("/tts", json=body)
    captioned = client.post("/tts/captioned", json=body)
    assert plain.status_code == captioned.status_code == 200, captioned.text
    doc = captioned.json()
    assert captioned.headers["content-type"].startswith("application/json")
    assert base64.b64decode(doc["audio"]) == plain.content  # the same bytes as the plain endpoint
    assert doc["format"] == "wav" and doc["sample_rate"] == 24000
    stamps = engine.synthesize(TEXT, timestamps=True).timestamps
    assert _chars(doc["timestamps"]) == _chars(stamps.to_dict())
    assert [w["text"] for w in doc["timestamps"]["words"]][:2] == ["今天天气", "很"]
    assert doc["timestamps"]["cues"][0]["text"].startswith("今天天气很好")
    assert {"2024", "年", "A"} <= {c["text"] for c in doc["timestamps"]["characters"]}


def test_openai_captioned_stream_is_ndjson_with_timestamps_per_chunk(client: httpx.Client) -> None:
    body = {"model": "tts-1", "voice": "alloy", "input": TEXT, "response_format": "mp3"}
    whole = client.post("/v1/audio/speech", json=body)
    captioned = client.post("/v1/audio/speech/captioned", json=body).json()
    with client.stream("POST", "/v1/audio/speech/captioned", json={**body, "stream": True}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert [line["type"] for line in lines] == ["audio"] * (len(lines) - 1) + ["end"]
    audio = b"".join(base64.b64decode(line["audio"]) for line in lines)
    streamed = client.post("/v1/audio/speech", json={**body, "stream": True}).content
    assert audio == streamed  # the NDJSON's audio is the streamed file, byte for byte
    assert base64.b64decode(captioned["audio"]) == whole.content
    chars = [c for line in lines[:-1] for c in line["timestamps"]["characters"]]
    assert [(c["text"], c["start"], c["end"]) for c in chars] == _chars(captioned["timestamps"])
    offset = 0.0
    for line in lines[:-1]:  # each line's timestamps lie inside its own audio
        for char in line["timestamps"]["characters"]:
            assert offset <= char["start"] < char["end"] <= offset + line["duration"] + 1e-4
        offset += line["duration"]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/tts/captioned", {"text": ""}, "text"),
    ("/v1/audio/speech/captioned", {"input": "你好", "speed": 9}, "speed"),
    ("/v1/audio/speech/captioned", {"input": "你好", "response_format": "aac"}, "response_format"),
    ("/tts/captioned", {"text": "<speak><break time='abc'/></speak>"}, "text"),
])
def test_captioned_errors_name_the_field(client: httpx.Client, path: str, body: dict[str, Any], field: str) -> None:
    response = client.post(path, json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["field"] == field
