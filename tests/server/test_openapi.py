"""The OpenAPI document: every synthesis operation with its media types per format, enums, ranges, examples,
the bearer scheme, error bodies, and the OpenAI-compatible catalogue."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from shengqing import emotion
from shengqing.audio import FORMATS
from shengqing.options import AUTO_EMOTION, INTENSITY_RANGE, PITCH_RANGE, SPEED_RANGE, VOLUME_RANGE
from shengqing.server import Settings, create_app
from shengqing.server.schemas import OPENAI_SPEED_RANGE

SYNTHESIS = [("/tts", "post"), ("/tts", "get"), ("/v1/audio/speech", "post")]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return create_app(Settings(api_keys=("k",))).openapi()


def _body(doc: dict[str, Any], path: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return schema


@pytest.mark.parametrize(("path", "method"), SYNTHESIS)
def test_audio_media_types_say_what_the_bytes_are(doc: dict[str, Any], path: str, method: str) -> None:
    operation = doc["paths"][path][method]
    content = operation["responses"]["200"]["content"]
    assert set(FORMATS[name][0] for name in FORMATS) <= set(content)
    assert "audio/L16;rate=24000;channels=1;endianness=little" in content  # s16le, not RFC 2586's big-endian
    assert "application/json" not in content
    assert all(content[mime]["schema"] == {"type": "string", "format": "binary"} for mime in content
               if mime.startswith("audio/"))
    for status in ("401", "413", "415", "422", "503"):
        error = operation["responses"][status]["content"]["application/json"]["schema"]
        assert {"message", "type", "code"} <= set(error["properties"]["error"]["properties"])
        jsonschema.validate(error["example"], error)
    assert operation["security"] == [{"bearerAuth": []}]


def test_sse_is_declared_on_the_openai_endpoint(doc: dict[str, Any]) -> None:
    content = doc["paths"]["/v1/audio/speech"]["post"]["responses"]["200"]["content"]
    assert "speech.audio.delta" in content["text/event-stream"]["example"]
    assert "text/event-stream" not in doc["paths"]["/tts"]["post"]["responses"]["200"]["content"]


def test_enums_ranges_and_examples(doc: dict[str, Any]) -> None:
    tts = _body(doc, "/tts")["properties"]
    speech = _body(doc, "/v1/audio/speech")
    fields = speech["properties"]
    for props in (tts, fields):
        assert set(props["emotion"]["enum"]) == set(emotion.EMOTIONS) | set(emotion.ALIASES) | {AUTO_EMOTION}
        assert (props["pitch"]["minimum"], props["pitch"]["maximum"]) == PITCH_RANGE == (-6.0, 6.0)
        assert (props["intensity"]["minimum"], props["intensity"]["maximum"]) == INTENSITY_RANGE
        assert (props["volume"]["minimum"], props["volume"]["maximum"]) == VOLUME_RANGE
        assert {"baker", "alloy", "coral"} <= set(props["voice"]["enum"])
    assert (tts["speed"]["minimum"], tts["speed"]["maximum"]) == SPEED_RANGE
    assert (fields["speed"]["minimum"], fields["speed"]["maximum"]) == OPENAI_SPEED_RANGE
    assert set(FORMATS) <= set(tts["format"]["enum"]) and "aac" not in tts["format"]["enum"]
    assert set(FORMATS) <= set(fields["response_format"]["enum"]) and "aac" not in fields["response_format"]["enum"]
    assert fields["stream_format"]["enum"] == ["audio", "sse"]
    assert {"tts-1", "tts-1-hd", "gpt-4o-mini-tts", "shengqing"} <= set(fields["model"]["enum"])
    assert fields["instructions"]["maxLength"] == 4096 and fields["instructions"]["examples"]
    assert speech["required"] == ["input"] and fields["input"]["minLength"] == 1
    assert speech["examples"][0]["instructions"]
    example = doc["paths"]["/tts"]["post"]["requestBody"]["content"]["application/json"]["example"]
    jsonschema.validate(example, _body(doc, "/tts"))


def test_tts_takes_forms_and_query_strings(doc: dict[str, Any]) -> None:
    content = doc["paths"]["/tts"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"} <= set(content)
    assert "403" in doc["paths"]["/tts"]["post"]["responses"]
    params = {p["name"]: p for p in doc["paths"]["/tts"]["get"]["parameters"]}
    assert params["text"]["required"] and not params["emotion"]["required"]
    assert params["speed"]["schema"]["minimum"] == SPEED_RANGE[0]
    assert all(p["in"] == "query" and "null" not in str(p["schema"]) for p in params.values())


def test_catalogue_and_security_scheme(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": "an API key from SHENGQING_API_KEYS / SHENGQING_API_KEYS_FILE"}
    for path in ("/v1/models", "/v1/models/{model_id}", "/v1/audio/voices", "/v1/voices", "/v1/emotions"):
        assert "get" in doc["paths"][path], path
    assert "404" in doc["paths"]["/v1/models/{model_id}"]["get"]["responses"]
    open_doc = create_app(Settings()).openapi()
    assert {} in open_doc["paths"]["/v1/audio/speech"]["post"]["security"]  # no keys configured: optional


def test_every_error_code_has_a_chinese_message() -> None:
    import inspect

    from shengqing import errors as core
    from shengqing.server import errors as server_errors

    classes = {cls for module in (core, server_errors) for _, cls in inspect.getmembers(module, inspect.isclass)
               if issubclass(cls, core.ShengqingError)}
    missing = sorted(cls.code for cls in classes if cls.code not in server_errors.MESSAGES_ZH)
    assert not missing
    body = server_errors.error_body(core.InvalidOptionError("speed must be from 0.5 to 2", field="speed"))
    assert body["error"]["message_zh"] == "参数 speed 的值无效，请按提示修改"
    assert body["error"]["param"] == body["error"]["field"] == "speed"
