"""emotion="auto" over HTTP (/tts and /v1/audio/speech) on the real server: accepted, decided per sentence,
and a misspelling is a 4xx naming the field."""

from __future__ import annotations

import httpx
import numpy as np

from shengqing.audio import decode

ANGRY = "“你给我滚出去！”"


def test_tts_and_openai_accept_auto(client: httpx.Client) -> None:
    auto = client.post("/tts", json={"text": ANGRY, "format": "pcm", "emotion": "auto"})
    assert auto.status_code == 200, auto.text
    angry = client.post("/tts", json={"text": ANGRY, "format": "pcm", "emotion": "angry"})
    neutral = client.post("/tts", json={"text": ANGRY, "format": "pcm"})
    assert not np.array_equal(decode(auto.content, "pcm"), decode(neutral.content, "pcm"))
    assert angry.status_code == 200
    openai = client.post("/v1/audio/speech", json={"input": ANGRY, "emotion": "auto", "response_format": "pcm"})
    assert openai.status_code == 200, openai.text
    assert openai.content == auto.content


def test_misspelt_auto_is_a_4xx_naming_the_field(client: httpx.Client) -> None:
    for path, body in (("/tts", {"text": ANGRY, "emotion": "automatic"}),
                       ("/v1/audio/speech", {"input": ANGRY, "emotion": "automatic"})):
        r = client.post(path, json=body)
        assert 400 <= r.status_code < 500, r.text
        assert "emotion" in r.text and "auto" in r.text
