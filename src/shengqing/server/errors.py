"""The one place where errors become HTTP responses.

Everything the server rejects is a :class:`~shengqing.errors.ShengqingError` by the time it is answered:
FastAPI's validation errors and Starlette's 404/405 are converted first, then :func:`error_response` looks
the status up (:data:`STATUS` for the core errors, which know nothing of HTTP; ``http_status`` for the
server's own classes below) and writes the JSON body. The body is OpenAI-shaped (``error.message/type/param/code``) and
also carries shengqing's ``field``, ``value`` and ``hint``.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import errors as core
from ..errors import InvalidOptionError, OverloadedError, ShengqingError

log = logging.getLogger("shengqing.server")

#: the HTTP status of each core error class (the most specific class in an error's MRO wins)
STATUS: dict[type[ShengqingError], int] = {
    core.InvalidOptionError: 422, core.NothingToSayError: 422, core.TextTooLongError: 413,
    core.SSMLError: 422, core.LexiconError: 422, core.UnsupportedFormatError: 415, core.ModelError: 503,
    core.EngineClosedError: 503, core.EncoderUnavailableError: 503,
    core.OverloadedError: 503, core.SynthesisTimeoutError: 504, core.AuthError: 401, core.ConfigError: 500,
}


def status_of(exc: ShengqingError) -> int:
    """The HTTP status ``exc`` is answered with (500 for anything unknown: a bug)."""
    own = getattr(exc, "http_status", None)
    if isinstance(own, int):
        return own
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 500)


class InvalidRequestError(ShengqingError, ValueError):
    """The body is not a JSON object, or not JSON at all."""

    http_status = 422
    code = "invalid_request"


class BodyTooLargeError(ShengqingError, ValueError):
    """The request body is larger than ``max_body``."""

    http_status = 413
    code = "body_too_large"


class NotFoundError(ShengqingError, LookupError):
    """No such endpoint."""

    http_status = 404
    code = "not_found"


class MethodNotAllowedError(ShengqingError):
    """The endpoint exists but not for this HTTP method."""

    http_status = 405
    code = "method_not_allowed"


class HTTPStatusError(ShengqingError):
    """Any other status Starlette raises (kept with its own status)."""

    code = "http_error"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = status


class InternalError(ShengqingError):
    """An unexpected exception (a bug): answered 500 with a JSON body, logged with its traceback."""

    http_status = 500


class OverBudgetError(ShengqingError, ValueError):
    """The request would produce more audio or silence than the per-request budget allows."""

    http_status = 413
    code = "over_budget"


class UnsupportedMediaTypeError(ShengqingError, ValueError):
    """A JSON endpoint was sent a body that is not declared ``application/json``."""

    http_status = 415
    code = "unsupported_media_type"


class CrossSiteRequestError(ShengqingError, PermissionError):
    """A browser sent a form or GET synthesis request from another site (no CORS preflight protects those)."""

    http_status = 403
    code = "cross_site_request"


class ModelNotFoundError(ShengqingError, LookupError):
    """``GET /v1/models/{id}`` for a model this server does not have (OpenAI: 404 ``model_not_found``)."""

    http_status = 404
    code = "model_not_found"


class PreconditionFailedError(ShengqingError):
    """``If-None-Match`` matched on a POST (RFC 9110 §13.1.2: 412, not 304, for unsafe methods)."""

    http_status = 412
    code = "precondition_failed"


class ClientGoneError(ShengqingError):
    """The client disconnected before its answer was ready (nginx's 499; nobody reads the body)."""

    http_status = 499
    code = "client_closed_request"


class ShuttingDownError(OverloadedError):
    """The server is shutting down and could not finish this request within its grace period."""

    code = "shutting_down"


#: a Chinese sentence per error code (``{field}`` is the field named by the error), sent as ``message_zh``
MESSAGES_ZH = {
    "invalid_option": "参数 {field} 的值无效，请按提示修改", "nothing_to_say": "{field} 中没有可朗读的文字",
    "text_too_long": "{field} 太长，请缩短或改用流式合成", "invalid_ssml": "SSML 格式有误，请检查 {field}",
    "invalid_lexicon": "词典有误", "unsupported_format": "不支持的音频格式（{field}），请换一种格式",
    "model_unavailable": "语音模型不可用，请稍后再试", "model_not_installed": "语音模型尚未安装",
    "model_corrupt": "语音模型文件损坏，请重新安装", "engine_closed": "合成引擎已关闭，请稍后再试",
    "encoder_unavailable": "该音频格式的编码器不可用，请换一种格式",
    "not_reproducible": "本机合成结果与参考字节不一致，已停止服务",
    "overloaded": "服务器繁忙，请稍后重试", "shutting_down": "服务器正在关闭，请稍后重试",
    "timeout": "合成超时，请缩短文字或改用流式合成", "unauthorized": "缺少或错误的 API 密钥",
    "invalid_config": "服务器配置有误", "invalid_request": "请求无法解析，请检查请求体",
    "body_too_large": "请求体太大，请缩短文字", "not_found": "没有这个接口，请查看 /docs",
    "method_not_allowed": "此接口不支持该请求方法，请查看 /docs", "over_budget": "要合成的音频超出单次请求的限额",
    "unsupported_media_type": "请求体类型不受支持（{field}）",
    "cross_site_request": "不允许其他网站的表单或链接发起合成",
    "model_not_found": "没有这个模型（{field}），请查看 /v1/models",
    "precondition_failed": "If-None-Match 与 ETag 相同",
    "client_closed_request": "客户端已断开连接", "internal_error": "服务器内部错误", "http_error": "请求失败",
}


def error_body(exc: ShengqingError) -> dict[str, Any]:
    """``{"error": {...}}`` for one error (made JSON-safe: NaN, huge numbers, long text, lone surrogates)."""
    detail = exc.to_dict()
    detail["message_zh"] = MESSAGES_ZH.get(exc.code, "请求失败").format(field=exc.field or "请求")
    if "value" in detail:
        detail["value"] = _json_safe(detail["value"])
    detail["type"] = exc.code
    detail["param"] = exc.field
    return {"error": {key: printable(value) if isinstance(value, str) else value for key, value in detail.items()}}


def printable(text: str) -> str:
    """``text`` with lone surrogates (valid in JSON, not in UTF-8) written as ``\\udXXX`` escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_response(exc: ShengqingError) -> JSONResponse:
    """The HTTP answer to ``exc``: status from :func:`status_of`; ``Retry-After`` when overloaded."""
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, OverloadedError):
        headers["Retry-After"] = str(max(1, int(exc.retry_after)))
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="shengqing"'
    if status >= 500:  # 503 (busy / loading) is routine under load: keep the log quiet
        log.log(logging.DEBUG if status == 503 else logging.WARNING, "%s %s", exc.code, printable(str(exc)))
    return JSONResponse(error_body(exc), status_code=status, headers=headers)


def from_validation(exc: RequestValidationError) -> ShengqingError:
    """The first problem in a FastAPI/pydantic validation error, as an :class:`InvalidOptionError`."""
    problems = list(exc.errors())
    if not problems:
        return InvalidRequestError("the request is invalid")
    return from_pydantic_error(problems[0], more=len(problems) - 1)


def from_pydantic_error(problem: Any, *, more: int = 0) -> ShengqingError:
    """One pydantic error dict → an error naming the field, the value and what is allowed."""
    loc = [str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path")]
    field = loc[0] if loc else None  # flat bodies; deeper parts name union members ("speed.float")
    kind = str(problem.get("type", ""))
    value = problem.get("input")
    if kind == "extra_forbidden":
        return InvalidOptionError(f"unknown field {field!r}", field=field,
                                  hint="remove it; see /docs for the fields this endpoint takes")
    if kind == "missing":
        return InvalidOptionError(f"{field} is required", field=field)
    expected = _EXPECTED.get(kind.split("_")[0], str(problem.get("msg", "a valid value")))
    message = f"{field} must be {expected}" if field else str(problem.get("msg", "invalid request"))
    hint = f"{more} more problem(s) in the request" if more else None
    return InvalidOptionError(message, field=field, value=value, hint=hint)


_EXPECTED = {"string": "a string", "float": "a number", "int": "an integer", "bool": "true or false",
             "literal": "one of the allowed values", "dict": "a JSON object", "model": "a JSON object"}


def _json_safe(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**18 else f"<integer of {value.bit_length()} bits>"
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def install_handlers(app: FastAPI) -> None:
    """Register the exception handlers (all funnel into :func:`error_response`)."""

    async def on_shengqing(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ShengqingError)
        return error_response(exc)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(from_validation(exc))

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        converted: ShengqingError
        if exc.status_code == 404:
            converted = NotFoundError("no such endpoint", hint="see /docs for the API")
        elif exc.status_code == 405:
            converted = MethodNotAllowedError("method not allowed on this endpoint", hint="see /docs")
        else:
            converted = HTTPStatusError(exc.status_code, str(exc.detail))
        response = error_response(converted)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(InternalError(f"internal error ({type(exc).__name__})",
                                            hint="this is a bug; the server log has the details"))

    app.add_exception_handler(ShengqingError, on_shengqing)
    app.add_exception_handler(Exception, on_unexpected)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
