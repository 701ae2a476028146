"""``/tts`` from a JSON body, a form, a multipart form and a GET query string: same audio, same validation,
same errors; forms and GET sent by a browser from another site are refused (no CORS preflight protects them)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import SEED

FIELDS = {"text": SEED[1], "emotion": "happy", "speed": "1.1", "pitch": "1", "format": "pcm"}
JSON_FIELDS = {"text": SEED[1], "emotion": "happy", "speed": 1.1, "pitch": 1, "format": "pcm"}


def _send(client: httpx.Client, how: str, fields: dict[str, Any], headers: dict[str, str] | None = None
          ) -> httpx.Response:
    if how == "json":
        return client.post("/tts", json=fields, headers=headers)
    text = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
    if how == "form":
        return client.post("/tts", data=text, headers=headers)
    if how == "multipart":
        return client.post("/tts", files={k: (None, v) for k, v in text.items()}, headers=headers)
    return client.get("/tts", params=text, headers=headers)


HOWS = ["json", "form", "multipart", "get"]


@pytest.mark.parametrize("how", HOWS)
def test_every_way_gives_the_same_audio(client: httpx.Client, how: str) -> None:
    reference = client.post("/tts", json=JSON_FIELDS)
    assert reference.status_code == 200
    r = _send(client, how, FIELDS if how != "json" else JSON_FIELDS)
    assert r.status_code == 200, r.text
    assert r.content == reference.content and r.headers["etag"] == reference.headers["etag"]


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"text": "你好", "speed": "fast"}, 422, "speed"),
        ({"text": "你好", "speed": "9"}, 422, "speed"),
        ({"text": "你好", "pitch": "12"}, 422, "pitch"),
        ({"text": "你好", "emotion": "grumpy"}, 422, "emotion"),
        ({"text": "你好", "format": "aac"}, 415, "format"),
        ({"text": "你好", "stream": "maybe"}, 422, "stream"),
        ({"text": "", "emotion": "sad"}, 422, "text"),
        ({"emotion": "sad"}, 422, "text"),
        ({"text": "你好", "emotoin": "sad"}, 422, "emotoin"),
    ],
)
def test_same_errors_whichever_way(client: httpx.Client, how: str, fields: dict[str, Any], status: int,
                                   field: str) -> None:
    typed = {k: (float(v) if k in ("speed", "pitch") and v.replace(".", "").isdigit() else v)
             for k, v in fields.items()} if how == "json" else fields
    if how == "json" and fields.get("stream") == "maybe":
        typed = {**typed, "stream": "maybe"}
    r = _send(client, how, typed)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["field"] == field and error["param"] == field and error["message"]


def test_a_stream_from_a_url(client: httpx.Client) -> None:
    query = {"text": SEED[0], "stream": "true", "format": "mp3"}
    with client.stream("GET", "/tts", params=query, headers={"Cache-Control": "no-cache"}) as r:
        assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg"
        assert "content-length" not in r.headers and b"".join(r.iter_bytes())


def test_repeated_query_fields_are_refused(client: httpx.Client) -> None:
    r = client.get("/tts?text=你好&text=再见")
    assert r.status_code == 422 and r.json()["error"]["field"] == "text"


@pytest.mark.parametrize("how", ["form", "multipart", "get"])
@pytest.mark.parametrize(
    "headers",
    [{"Origin": "http://evil.test", "Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "cross-site"},
     {"Origin": "http://evil.test"}, {"Sec-Fetch-Site": "same-site", "Origin": "http://sub.127.0.0.1"}],
)
def test_cross_site_forms_and_gets_never_synthesize(client: httpx.Client, how: str, headers: dict[str, str]
                                                   ) -> None:
    """What a page on another site can make a browser send without a CORS preflight: refused before any work."""
    before = _lookups(client)
    r = _send(client, how, {"text": "跨站请求"}, headers)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "cross_site_request" and r.json()["error"]["field"] == "Origin"
    assert _lookups(client) == before  # refused before the cache lookup, so before any synthesis


def _lookups(client: httpx.Client) -> float:
    """Cache lookups so far (every request that reaches synthesis makes one)."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in client.get("/metrics").text.splitlines()
               if line.startswith("shengqing_cache_requests_total{"))


@pytest.mark.parametrize("how", ["form", "get"])
def test_same_origin_and_allowed_origins_are_served(client: httpx.Client, how: str) -> None:
    own = str(client.base_url).rstrip("/")
    for headers in ({"Sec-Fetch-Site": "same-origin", "Origin": own}, {"Origin": "http://example.test"},
                    {"Sec-Fetch-Site": "none"}):
        r = _send(client, how, {"text": "你好", "format": "pcm"}, headers)
        assert r.status_code == 200, (headers, r.text)


def test_cross_site_json_is_left_to_cors(client: httpx.Client) -> None:
    """A JSON POST needs a CORS preflight in a browser, so it is not refused here (CORS decides)."""
    r = client.post("/tts", json={"text": "你好", "format": "pcm"}, headers={"Origin": "http://evil.test"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_files_and_bad_encodings_are_422(client: httpx.Client) -> None:
    r = client.post("/tts", files={"text": ("a.txt", b"\xe4\xbd\xa0\xe5\xa5\xbd", "text/plain")})
    assert r.status_code == 422 and "form field" in r.json()["error"]["hint"]
    r = client.post("/tts", content=b"text=%FF%FE", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    raw = client.post("/tts", content="text=你好&format=pcm".encode(),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert raw.status_code == 200  # curl -d sends UTF-8 without percent-encoding


def test_get_revalidates_with_304(client: httpx.Client) -> None:
    query = {"text": "你好", "format": "pcm"}
    first = client.get("/tts", params=query)
    again = client.get("/tts", params=query, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"] and not again.content
    post = client.post("/tts", json=query, headers={"If-None-Match": first.headers["etag"]})
    assert post.status_code == 412  # unsafe method: RFC 9110 says 412, not 304
