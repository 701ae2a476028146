"""A synthesis request's fields, from a JSON body, a form, a multipart form or the query string.

Every source gives the same ``dict`` of fields, validated afterwards by the same schema, so the same value is
accepted or refused with the same error wherever it comes from. Form and query values are text: the numeric
and boolean fields are converted here (a value that is not a number is a 422 naming the field).

Cross-site safety (issue #14): a browser sends a form, a multipart form, a ``text/plain`` body or a GET from
any page without asking the server first (no CORS preflight), so another site could make a visitor's browser
start syntheses. JSON needs a preflight, which CORS answers. Forms and GET are therefore refused with 403
when the browser says the request comes from another site (``Sec-Fetch-Site: cross-site``/``same-site``,
or an ``Origin`` that is neither this server nor one of ``SHENGQING_CORS_ORIGINS``); clients that are not
browsers (curl, scripts, home automation) send neither header and are served. ``text/plain`` and other
types stay 415.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ..errors import InvalidOptionError
from .errors import (
    BodyTooLargeError,
    CrossSiteRequestError,
    InvalidRequestError,
    UnsupportedMediaTypeError,
    printable,
)

#: form and query fields that are numbers or booleans in the JSON body
NUMBER_FIELDS = ("speed", "intensity", "pitch", "volume")
BOOL_FIELDS = ("ssml", "stream")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def read_fields(request: Request, limit: int, *, forms: bool, allowed_origins: tuple[str, ...]) -> dict[str, Any]:
    """The request's fields. JSON always; forms, multipart and GET query strings when ``forms``."""
    if request.method == "GET":
        _refuse_cross_site(request, allowed_origins)
        return _typed(_single(request.query_params.multi_items()))
    media = media_type(request)
    if is_json(media):
        return await read_json(request, limit)
    if forms and media in (FORM, MULTIPART):
        _refuse_cross_site(request, allowed_origins)
        return _typed(await _read_form(request, limit, media))
    accepted = "'application/json'" + (f", '{FORM}' or '{MULTIPART}'" if forms else "")
    raise UnsupportedMediaTypeError(
        f"the body must be {'JSON or a form' if forms else 'JSON'}, not "
        f"{printable(request.headers.get('content-type') or 'undeclared')!r}",
        field="Content-Type", hint=f"send Content-Type {accepted} (请用 JSON{'或表单' if forms else ''}提交)")


async def read_bytes(request: Request, limit: int) -> bytes:
    """The whole body; 413 beyond ``limit`` bytes (checked before and while reading)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError(f"the request body has {declared} bytes; the limit is {limit}",
                                hint="use a shorter text or raise SHENGQING_MAX_BODY")
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise BodyTooLargeError(f"the request body exceeds {limit} bytes",
                                    hint="use a shorter text or raise SHENGQING_MAX_BODY")
        parts.append(part)
    return b"".join(parts)


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    """The request body as a JSON object; 413 beyond ``limit`` bytes, 422 when not a JSON object."""
    raw = await read_bytes(request, limit)
    if not raw.strip():
        raise InvalidRequestError("the request body is empty",
                                  hint='send a JSON object such as {"text": "你好"}')
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, huge integers, deep nesting
        raise InvalidRequestError(f"the body is not valid JSON: {str(exc)[:200]}",
                                  hint="send a UTF-8 JSON object (Content-Type: application/json)") from None
    if not isinstance(doc, dict):
        raise InvalidRequestError(f"the body must be a JSON object, not {type(doc).__name__}",
                                  value=_brief(doc))
    _refuse_surrogates(doc)
    return doc


async def _read_form(request: Request, limit: int, media: str) -> list[tuple[str, str]]:
    raw = await read_bytes(request, limit)

    async def body() -> AsyncGenerator[bytes, None]:
        yield raw

    if media == FORM:  # parsed here: raw UTF-8 (curl -d) as well as percent-encoded UTF-8 (browsers)
        try:
            return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=64, errors="strict")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidRequestError(f"the form cannot be read: {str(exc)[:200]}",
                                      hint="send UTF-8 form fields (text, emotion, speed …)") from None
    headers = Headers(raw=[(b"content-type", request.headers.get("content-type", "").encode("latin-1"))])
    try:
        form = await MultiPartParser(headers, body(), max_files=0, max_fields=64, max_part_size=limit).parse()
    except (MultiPartException, ValueError, UnicodeDecodeError) as exc:
        files = "file" in str(exc).lower()
        raise InvalidRequestError(f"the form cannot be read: {str(exc)[:200]}",
                                  hint="send the text as a form field named text, not as a file upload"
                                  if files else "send a valid form (fields text, emotion, speed …)") from None
    items: list[tuple[str, str]] = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            raise InvalidRequestError(f"the form field {key!r} is a file", field=key,
                                      hint="send it as a plain form field")
        items.append((key, value))
    return items


def _single(items: list[tuple[str, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, value in items:
        if key in fields:
            raise InvalidOptionError(f"{printable(key)} is given more than once", field=printable(key),
                                     hint="send each field once")
        fields[key] = value
    return fields


def _typed(raw: dict[str, str] | list[tuple[str, str]]) -> dict[str, Any]:
    """Form/query text → the JSON types the schema expects (numbers and booleans converted)."""
    fields: dict[str, Any] = dict(_single(raw) if isinstance(raw, list) else raw)
    _refuse_surrogates(fields)
    for name in NUMBER_FIELDS:
        if name in fields:
            fields[name] = _number(name, fields[name])
    for name in BOOL_FIELDS:
        if name in fields:
            text = str(fields[name]).strip().lower()
            if text not in _TRUE + _FALSE:
                raise InvalidOptionError(f"{name} must be true or false", field=name, value=fields[name],
                                         hint="use true/false (or 1/0)")
            fields[name] = text in _TRUE
    return fields


def _number(name: str, text: str) -> float | int | str:
    stripped = text.strip()
    if stripped == "":
        raise InvalidOptionError(f"{name} is empty", field=name, hint="leave the field out or give a number")
    try:
        return int(stripped) if stripped.lstrip("+-").isdigit() and len(stripped) < 19 else float(stripped)
    except ValueError:
        return text  # the schema names the field: "speed must be a number"


def _refuse_cross_site(request: Request, allowed_origins: tuple[str, ...]) -> None:
    site = request.headers.get("sec-fetch-site", "").lower()
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
    foreign_origin = (origin is not None and origin.lower() != own and "*" not in allowed_origins
                      and origin not in allowed_origins)
    if site in ("cross-site", "same-site") and origin not in allowed_origins and "*" not in allowed_origins:
        foreign_origin = True
    if foreign_origin:
        shown = printable(urlsplit(origin).netloc or origin) if origin else site
        raise CrossSiteRequestError(f"a form or GET request from another site ({shown}) may not start a "
                                    "synthesis", field="Origin",
                                    hint="post JSON from your page (CORS applies: SHENGQING_CORS_ORIGINS), "
                                         "or call the API from a server (跨站表单不能发起合成)")


def _refuse_surrogates(doc: dict[str, Any]) -> None:
    """422 naming the field when a key or string holds a lone surrogate (``"\\ud800"``: JSON, not Unicode text)."""
    for key, value in doc.items():
        field = printable(key)
        if not _is_text(key):
            raise InvalidRequestError(f"the field name {field!r} is not valid Unicode (a lone surrogate)",
                                      field=field, hint="remove the field or fix its name")
        pending = [value]
        while pending:
            item = pending.pop()
            if isinstance(item, str) and not _is_text(item):
                raise InvalidOptionError(f"{field} is not valid Unicode text: it holds a lone surrogate "
                                         "such as \\ud800", field=field,
                                         hint="send UTF-8 text; surrogates must come in pairs")
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
