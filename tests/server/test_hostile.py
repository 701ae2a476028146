"""What an attacker sends, against the real server: never a 500, never work the request did not pay for."""

from __future__ import annotations

import json

import httpx
import pytest

JSON = {"Content-Type": "application/json"}
SILENCE_BOMB = "<speak>" + '<break time="10s"/>' * 1050 + "你好</speak>"  # 20 KB asking for 3 hours


def post_raw(client: httpx.Client, path: str, doc: str) -> httpx.Response:
    """``doc`` is JSON text as sent on the wire (lone surrogates written as \\ud800 escapes)."""
    return client.post(path, content=doc.encode("utf-8"), headers=JSON)


@pytest.mark.parametrize(
    ("path", "doc", "field"),
    [
        ("/tts", '{"text": "\\ud800"}', "text"),
        ("/tts", '{"text": "你好", "emotion": "\\udfff"}', "emotion"),
        ("/tts", '{"text": "你好", "voice": "a\\ud800"}', "voice"),
        ("/tts", '{"text": "你好", "format": "\\ud800"}', "format"),
        ("/tts", '{"text": "你好", "\\ud800": 1}', "\\ud800"),
        ("/v1/audio/speech", '{"input": "\\ud800"}', "input"),
        ("/v1/audio/speech", '{"input": "你好", "model": "\\ud800"}', "model"),
        ("/v1/audio/speech", '{"input": "你好", "response_format": "\\ud800"}', "response_format"),
        ("/v1/audio/speech", '{"input": "你好", "stream_format": "\\ud800"}', "stream_format"),
        ("/v1/audio/speech", '{"input": "你好", "whatever": ["\\ud800"]}', "whatever"),
        ("/v1/audio/speech", '{"input": "你好", "\\udbff": true}', "\\udbff"),
    ],
)
def test_lone_surrogates_are_4xx_naming_the_field(client: httpx.Client, path: str, doc: str, field: str) -> None:
    r = post_raw(client, path, doc)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == field, error


def test_an_overlong_break_is_422_not_500(client: httpx.Client) -> None:
    doc = '<speak>你好<break time="' + "9" * 310 + 's"/>再见</speak>'
    r = client.post("/tts", json={"text": doc, "format": "pcm", "stream": True})  # over this server's max_chars
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "text" and "10 s" in r.json()["error"]["message"]


@pytest.mark.parametrize(("doc", "stream"), [(SILENCE_BOMB, True), (SILENCE_BOMB[:7 + 19 * 7] + "你好</speak>", False)])
def test_a_silence_bomb_is_refused_before_any_work(client: httpx.Client, doc: str, stream: bool) -> None:
    r = client.post("/tts", json={"text": doc, "format": "pcm", "stream": stream})
    assert r.status_code == 413, r.text[:300]
    error = r.json()["error"]
    assert error["code"] == "over_budget" and error["field"] == "text" and "silence" in error["message"]


@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {}])
def test_bodies_not_declared_json_are_415(client: httpx.Client, headers: dict[str, str]) -> None:
    """A cross-site page can POST text/plain without a CORS preflight: it must not synthesize."""
    r = client.post("/tts", content=json.dumps({"text": "你好"}).encode(), headers=headers)
    assert r.status_code == 415, r.text
    assert r.json()["error"]["code"] == "unsupported_media_type"
    assert r.json()["error"]["field"] == "Content-Type"
    ok = client.post("/tts", content=json.dumps({"text": "你好"}).encode(),
                     headers={"Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 200


def test_method_names_do_not_grow_the_metrics(client: httpx.Client) -> None:
    for index in range(30):
        client.request(f"BREW{index}", "/healthz")
    metrics = client.get("/metrics").text
    assert "BREW" not in metrics
    assert 'method="other"' in metrics


def test_openapi_declares_enums_ranges_and_security() -> None:
    from shengqing import emotion
    from shengqing.options import AUTO_EMOTION, PITCH_RANGE, SPEED_RANGE
    from shengqing.server import Settings, create_app

    doc = create_app(Settings(api_keys=("k",))).openapi()
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    tts = doc["paths"]["/tts"]["post"]
    assert tts["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/v1/audio/speech"]["post"]["security"] == [{"bearerAuth": []}]
    fields = tts["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert (fields["speed"]["minimum"], fields["speed"]["maximum"]) == SPEED_RANGE
    assert (fields["pitch"]["minimum"], fields["pitch"]["maximum"]) == PITCH_RANGE
    assert set(fields["emotion"]["enum"]) == set(emotion.EMOTIONS) | {AUTO_EMOTION} | set(emotion.ALIASES)
    assert "aac" not in fields["format"]["enum"] and "wav" in fields["format"]["enum"]
    speech = doc["paths"]["/v1/audio/speech"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert speech["properties"]["stream_format"]["enum"] == ["audio", "sse"]
    assert "tts-1" in speech["properties"]["model"]["enum"]
    open_doc = create_app(Settings()).openapi()
    assert {} in open_doc["paths"]["/tts"]["post"]["security"]  # no keys configured: optional


def test_core_errors_know_nothing_of_http_and_the_server_maps_every_one() -> None:
    import inspect

    from shengqing import errors
    from shengqing.server.errors import STATUS, status_of

    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, errors.ShengqingError) and c is not errors.ShengqingError]
    assert classes and not any("http_status" in vars(c) for c in classes)
    for cls in classes:
        assert any(base in STATUS for base in cls.__mro__), cls
    assert status_of(errors.ModelCorruptError("x")) == 503 and status_of(errors.TextTooLongError("x")) == 413


def test_the_documented_option_ranges_are_the_enforced_ones() -> None:
    """Issue 14: the docs said pitch −12…12 while the server enforced −6…6."""
    import re

    from shengqing.options import INTENSITY_RANGE, PITCH_RANGE, SPEED_RANGE, VOLUME_RANGE

    from .conftest import ROOT

    table = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    for name, (low, high) in (("pitch", PITCH_RANGE), ("speed", SPEED_RANGE), ("intensity", INTENSITY_RANGE),
                              ("volume", VOLUME_RANGE)):
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}` |"))
        found = re.search(r"(−?\d+(?:\.\d+)?) ?[…–] ?(−?\d+(?:\.\d+)?)", row)
        assert found, row
        assert (float(found[1].replace("−", "-")), float(found[2].replace("−", "-"))) == (low, high), row


def test_every_route_is_documented() -> None:
    """Issue 14: ``/v1/ui-config`` and ``/docs-assets/*`` were served, unauthenticated, but not documented
    (and FastAPI's default ``/redoc`` page, which loads its script from a CDN, was served too)."""
    from shengqing.server import Settings, create_app

    from .conftest import ROOT

    app = create_app(Settings(warm_up=False, model_watch=0))
    paths = set(app.openapi()["paths"]) | {route.path for route in app.routes if getattr(route, "path", "")}
    table = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    undocumented = sorted(path for path in paths if f"`{path}`" not in table and f"`{path}/*`" not in table)
    assert undocumented == []
